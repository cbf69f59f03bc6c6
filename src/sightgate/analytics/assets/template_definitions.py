"""Template definitions: their placeholders, and the two translations templates exist
for (no I/O).

A ``TemplateVersionDefinition`` is a dashboard definition whose datasets are
placeholders: ``DataSetConfigurations`` [{``Placeholder``, ``DataSetSchema``
{``ColumnSchemaList``}, ``ColumnGroupSchemaList``}] stand where a dashboard has
``DataSetIdentifierDeclarations``, and every ``DataSetIdentifier`` in the definition
names a placeholder (``definitions.check_template`` checks the rest). Going in
(``from_analysis``), an analysis's identifiers become the placeholders its
``DataSetReferences`` give, with the schema of each dataset; going out
(``instantiate``), each placeholder becomes an identifier declared with the dataset a
``DataSetReference`` gives, after checking the dataset has every column of the
placeholder's schema: that is how one template becomes the same dashboard over each
customer's dataset.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sightgate.platform.errors import ValidationError

MAX_DATA_SETS = 30
MAX_COLUMNS = 500
IDENTIFIER = "DataSetIdentifier"
_NOT_CARRIED = ("DataSetConfigurations", "TopicConfigurations")
"""Template-only members that an analysis or dashboard definition does not have."""


@dataclass(frozen=True)
class ColumnSchema:
    """A column a placeholder's dataset must have (``DataType`` when the schema says)."""

    name: str
    data_type: str | None


@dataclass(frozen=True)
class Placeholder:
    """A ``DataSetConfiguration``: the placeholder and its dataset's required columns."""

    name: str
    columns: tuple[ColumnSchema, ...]


@dataclass(frozen=True)
class Reference:
    """A ``DataSetReference``: which dataset stands for a placeholder."""

    placeholder: str
    data_set_arn: str


def _text(value: object, field: str, *, max_length: int = 2048) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ValidationError(
            field, f"must be a non-blank string of at most {max_length} characters"
        )
    return value


def _list(value: object, field: str, *, max_items: int, required: bool = False) -> list[Any]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or len(value) > max_items or (required and not value):
        least = 1 if required else 0
        raise ValidationError(field, f"must be a list of {least} to {max_items} entries")
    return value


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(field, "must be an object")
    return value


def placeholders(definition: object, field: str = "Definition") -> tuple[Placeholder, ...]:
    """The placeholders of a ``TemplateVersionDefinition``, checked: 1 to 30, distinct,
    each with distinct column names of its schema."""
    body = _object(definition, field)
    entries = _list(
        body.get("DataSetConfigurations"),
        f"{field}.DataSetConfigurations",
        max_items=MAX_DATA_SETS,
        required=True,
    )
    found: dict[str, Placeholder] = {}
    for index, entry in enumerate(entries):
        where = f"{field}.DataSetConfigurations[{index}]"
        config = _object(entry, where)
        name = _text(config.get("Placeholder"), f"{where}.Placeholder")
        if name in found:
            raise ValidationError(f"{where}.Placeholder", f"placeholder {name!r} is declared twice")
        schema = config.get("DataSetSchema")
        listed = (
            _object(schema, f"{where}.DataSetSchema").get("ColumnSchemaList")
            if schema is not None
            else None
        )
        columns: dict[str, ColumnSchema] = {}
        column_list = _list(
            listed, f"{where}.DataSetSchema.ColumnSchemaList", max_items=MAX_COLUMNS
        )
        for position, column in enumerate(column_list):
            at = f"{where}.DataSetSchema.ColumnSchemaList[{position}]"
            item = _object(column, at)
            column_name = _text(item.get("Name"), f"{at}.Name")
            if column_name in columns:
                raise ValidationError(f"{at}.Name", f"column {column_name!r} is listed twice")
            data_type = item.get("DataType")
            if data_type is not None:
                data_type = _text(data_type, f"{at}.DataType", max_length=64)
            columns[column_name] = ColumnSchema(column_name, data_type)
        _list(
            config.get("ColumnGroupSchemaList"),
            f"{where}.ColumnGroupSchemaList",
            max_items=MAX_COLUMNS,
        )
        found[name] = Placeholder(name, tuple(columns.values()))
    return tuple(found.values())


def parse_references(entries: object, field: str = "DataSetReferences") -> list[Reference]:
    """``DataSetReferences`` as values; a placeholder given twice is refused."""
    given = _list(entries, field, max_items=MAX_DATA_SETS)
    found: list[Reference] = []
    seen: set[str] = set()
    for index, entry in enumerate(given):
        where = f"{field}[{index}]"
        item = _object(entry, where)
        placeholder = _text(item.get("DataSetPlaceholder"), f"{where}.DataSetPlaceholder")
        arn = _text(item.get("DataSetArn"), f"{where}.DataSetArn")
        if placeholder in seen:
            raise ValidationError(
                f"{where}.DataSetPlaceholder", f"placeholder {placeholder!r} is given twice"
            )
        seen.add(placeholder)
        found.append(Reference(placeholder, arn))
    return found


def match_references(
    wanted: Sequence[Placeholder], references: Sequence[Reference], field: str = "DataSetReferences"
) -> None:
    """Each placeholder given exactly once, and nothing else (names both sides in the
    error)."""
    names = [p.name for p in wanted]
    for index, reference in enumerate(references):
        if reference.placeholder not in names:
            raise ValidationError(
                f"{field}[{index}].DataSetPlaceholder",
                f"the template has no placeholder {reference.placeholder!r} "
                f"(its placeholders: {', '.join(names)})",
            )
    given = {r.placeholder for r in references}
    missing = [name for name in names if name not in given]
    if missing:
        raise ValidationError(
            field, f"no DataSetReference for the placeholder(s) {', '.join(missing)}"
        )


def check_columns(
    placeholder: Placeholder,
    columns: Mapping[str, str],
    data_set_arn: str,
    field: str,
) -> None:
    """The dataset (its output ``columns``: name -> type) has every column of the
    placeholder's schema, of the schema's type where it gives one."""
    for column in placeholder.columns:
        actual = columns.get(column.name)
        if actual is None:
            raise ValidationError(
                field,
                f"dataset {data_set_arn} has no column {column.name!r}, which placeholder "
                f"{placeholder.name!r} requires",
            )
        if column.data_type is not None and column.data_type != actual:
            raise ValidationError(
                field,
                f"column {column.name!r} of dataset {data_set_arn} is {actual}, placeholder "
                f"{placeholder.name!r} requires {column.data_type}",
            )


def instantiate(template: Mapping[str, Any], references: Sequence[Reference]) -> dict[str, Any]:
    """An analysis-shaped definition from a template definition: the placeholders,
    in the template's order, declared as identifiers of the referenced datasets; every
    other member as stored (a dashboard drops ``QueryExecutionOptions``)."""
    by_placeholder = {r.placeholder: r.data_set_arn for r in references}
    declarations = [
        {"Identifier": p.name, "DataSetArn": by_placeholder[p.name]} for p in placeholders(template)
    ]
    body = {k: copy.deepcopy(v) for k, v in template.items() if k not in _NOT_CARRIED}
    return {"DataSetIdentifierDeclarations": declarations, **body}


def from_analysis(
    analysis: Mapping[str, Any],
    references: Sequence[Reference],
    schemas: Mapping[str, Sequence[tuple[str, str]]],
    field: str = "SourceEntity.SourceAnalysis.DataSetReferences",
) -> dict[str, Any]:
    """A template definition from an analysis definition: each declared dataset
    becomes the placeholder its reference (matched by ARN) gives, with ``schemas``
    (ARN -> [(column, type)]) as its schema; every ``DataSetIdentifier`` is renamed."""
    declared = analysis.get("DataSetIdentifierDeclarations") or []
    by_arn = {r.data_set_arn: r.placeholder for r in references}
    for index, reference in enumerate(references):
        if not any(d.get("DataSetArn") == reference.data_set_arn for d in declared):
            raise ValidationError(
                f"{field}[{index}].DataSetArn",
                f"the analysis uses no dataset {reference.data_set_arn}",
            )
    renamed: dict[str, str] = {}
    configurations: list[dict[str, Any]] = []
    for declaration in declared:
        arn = declaration.get("DataSetArn")
        if arn not in by_arn:
            raise ValidationError(field, f"no DataSetReference for the analysis's dataset {arn}")
        placeholder = by_arn[arn]
        renamed[declaration["Identifier"]] = placeholder
        columns = [{"Name": name, "DataType": kind} for name, kind in schemas[arn]]
        configurations.append(
            {
                "Placeholder": placeholder,
                "DataSetSchema": {"ColumnSchemaList": columns},
                "ColumnGroupSchemaList": [],
            }
        )
    body = {
        k: copy.deepcopy(v)
        for k, v in analysis.items()
        if k not in ("DataSetIdentifierDeclarations", "TopicIdentifierDeclarations")
    }
    _rename_identifiers(body, renamed)
    return {"DataSetConfigurations": configurations, **body}


def _rename_identifiers(document: Any, renamed: Mapping[str, str]) -> None:
    """Rewrite, in place, every ``DataSetIdentifier`` that ``renamed`` maps."""
    stack: list[Any] = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, member in value.items():
                if key == IDENTIFIER and isinstance(member, str) and member in renamed:
                    value[key] = renamed[member]
                elif isinstance(member, dict | list):
                    stack.append(member)
        elif isinstance(value, list):
            stack.extend(value)
