"""The datasets a definition draws from, by the identifier its members use.

A dashboard or analysis declares them (``DataSetIdentifierDeclarations``: identifier ->
``DataSetArn``, resolved in the account); a template describes them instead
(``DataSetConfigurations``: placeholder -> the columns it expects). Either way the
checks see one mapping: identifier -> the columns an author may use there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sightgate.analytics.assets.definitions.problems import ErrorType, Problem
from sightgate.analytics.data.model import ColumnType
from sightgate.platform.errors import ValidationError

ColumnTypes = Mapping[str, ColumnType]
DataSetColumns = Callable[[str], ColumnTypes | None]
"""A dataset's columns by its ARN (all of them: the author's view, before column-level
security), or None when the account has no such dataset."""

MAX_DATA_SETS = 50


@dataclass(frozen=True)
class DeclaredDataSet:
    """One identifier a definition may use; ``columns`` None when its dataset was not
    found (reported once, at its declaration)."""

    identifier: str
    path: str
    columns: ColumnTypes | None
    arn: str | None = None


def _entries(definition: Mapping[str, Any], member: str, root: str) -> list[Any]:
    entries = definition.get(member)
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_DATA_SETS:
        raise ValidationError(f"{root}.{member}", f"must list 1 to {MAX_DATA_SETS} datasets")
    return entries


def _text(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{where}.{name}", "is required")
    return value


def declared_data_sets(
    definition: Mapping[str, Any], root: str, columns_of: DataSetColumns
) -> tuple[dict[str, DeclaredDataSet], list[Problem]]:
    """``DataSetIdentifierDeclarations`` resolved through ``columns_of``; a dataset not
    found is a ``DATA_SET_NOT_FOUND`` problem at its ``DataSetArn``; an identifier
    declared twice is refused."""
    declared: dict[str, DeclaredDataSet] = {}
    problems: list[Problem] = []
    for index, entry in enumerate(_entries(definition, "DataSetIdentifierDeclarations", root)):
        where = f"{root}.DataSetIdentifierDeclarations[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(where, "must be an object with Identifier and DataSetArn")
        identifier = _text(entry, "Identifier", where)
        arn = _text(entry, "DataSetArn", where)
        if identifier in declared:
            raise ValidationError(f"{where}.Identifier", f"{identifier!r} is declared twice")
        columns = columns_of(arn)
        if columns is None:
            problems.append(
                Problem(
                    ErrorType.DATA_SET_NOT_FOUND,
                    f"{where}.DataSetArn",
                    f"the account has no dataset {arn!r}",
                )
            )
        declared[identifier] = DeclaredDataSet(identifier, where, columns, arn)
    return declared, problems


def template_data_sets(definition: Mapping[str, Any], root: str) -> dict[str, DeclaredDataSet]:
    """``DataSetConfigurations``: each placeholder with the columns of its
    ``DataSetSchema.ColumnSchemaList`` (``DataType`` STRING, INTEGER, DECIMAL or
    DATETIME; anything else counts as STRING)."""
    declared: dict[str, DeclaredDataSet] = {}
    for index, entry in enumerate(_entries(definition, "DataSetConfigurations", root)):
        where = f"{root}.DataSetConfigurations[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(where, "must be an object with Placeholder and DataSetSchema")
        placeholder = _text(entry, "Placeholder", where)
        if placeholder in declared:
            raise ValidationError(f"{where}.Placeholder", f"{placeholder!r} is declared twice")
        schema = entry.get("DataSetSchema") or {}
        listed = schema.get("ColumnSchemaList") if isinstance(schema, dict) else None
        columns: dict[str, ColumnType] = {}
        for column in listed if isinstance(listed, list) else []:
            if isinstance(column, dict) and isinstance(column.get("Name"), str):
                data_type = str(column.get("DataType") or "STRING").upper()
                columns[column["Name"]] = (
                    ColumnType(data_type)
                    if data_type in ColumnType.__members__
                    else ColumnType.STRING
                )
        declared[placeholder] = DeclaredDataSet(placeholder, where, columns)
    return declared
