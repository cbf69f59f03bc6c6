"""Definitions of dashboards, analyses and templates: kept as given, checked on write.

A definition is stored as the API member it came as and returned member for member;
real definitions use far more of the model than sightgate draws, and all of it is kept.
On write it is checked beyond the model's shapes (which the AWS layer has checked):
every dataset identifier declared and every declared dataset in the account, every
column in its dataset as the author sees it, field ids unique, filter, parameter, sheet,
visual and layout references resolved, calculated fields compiled. ``STRICT`` refuses a
definition with a problem, naming its JSON path; ``LENIENT`` stores it with the problems
as ``Errors``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sightgate.analytics.assets.definitions.calculated import check_calculated
from sightgate.analytics.assets.definitions.data_sets import (
    DataSetColumns,
    DeclaredDataSet,
    declared_data_sets,
    template_data_sets,
)
from sightgate.analytics.assets.definitions.inventory import inventory
from sightgate.analytics.assets.definitions.problems import (
    ErrorType,
    Problem,
    Strategy,
    parse_strategy,
    settle,
)
from sightgate.analytics.assets.definitions.references import References
from sightgate.platform import jsontext
from sightgate.platform.errors import ValidationError

__all__ = [
    "CheckedDefinition",
    "DataSetColumns",
    "DeclaredDataSet",
    "ErrorType",
    "Problem",
    "Strategy",
    "check_declared",
    "check_template",
    "find_problems",
    "json_document",
    "parse_strategy",
    "sheets_of",
]


@dataclass(frozen=True)
class CheckedDefinition:
    """A definition ready to store: the document as given (timestamps as ISO 8601 text,
    which the AWS layer turns back into the model's timestamps), the datasets it
    declares, and the problems LENIENT lets through as the API's ``Errors``."""

    definition: dict[str, Any]
    data_set_arns: list[str]
    errors: list[dict[str, Any]]

    @property
    def sheets(self) -> list[dict[str, Any]]:
        """``[{SheetId, Name}]`` for Describe's ``Version.Sheets``."""
        return sheets_of(self.definition)


def json_document(value: Any, field: str = "Definition") -> Any:
    """``value`` as JSON the store keeps: the parsed input's timestamps as ISO 8601 text
    and blobs as base64; everything else as it came."""
    if isinstance(value, Mapping):
        return {str(k): json_document(v, field) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_document(v, field) for v in value]
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValidationError(field, f"holds a value that is not JSON ({type(value).__name__})")


def find_problems(
    definition: Mapping[str, Any], root: str, data_sets: Mapping[str, DeclaredDataSet]
) -> list[Problem]:
    """Every problem of ``definition`` given the datasets its identifiers name: repeated
    declarations, dangling references, calculated fields that do not compile."""
    found = inventory(definition, root)
    return [
        *found.problems,
        *References(found, data_sets).check(definition, root),
        *check_calculated(found, data_sets),
    ]


def _document(definition: object, root: str) -> dict[str, Any]:
    """The definition as the store keeps it; nested no deeper than a request body may be
    (so a caller of the service directly is held to what the API allows)."""
    if not isinstance(definition, Mapping):
        raise ValidationError(root, "must be an object")
    try:
        jsontext.check_document(definition)
    except jsontext.JsonTextError as error:
        raise ValidationError(root, str(error)) from None
    document = json_document(definition, root)
    assert isinstance(document, dict)
    return document


def check_declared(
    definition: object, columns_of: DataSetColumns, strategy: Strategy, root: str = "Definition"
) -> CheckedDefinition:
    """A dashboard's or analysis's definition (``DataSetIdentifierDeclarations``), its
    datasets resolved through ``columns_of``; STRICT raises the first problem."""
    document = _document(definition, root)
    data_sets, problems = declared_data_sets(document, root, columns_of)
    problems.extend(find_problems(document, root, data_sets))
    arns = [d.arn for d in data_sets.values() if d.arn is not None]
    return CheckedDefinition(document, arns, settle(problems, strategy))


def check_template(
    definition: object, strategy: Strategy, root: str = "Definition"
) -> CheckedDefinition:
    """A template's definition (``DataSetConfigurations``: placeholders and the columns
    they expect); STRICT raises the first problem."""
    document = _document(definition, root)
    data_sets = template_data_sets(document, root)
    problems = find_problems(document, root, data_sets)
    return CheckedDefinition(document, [], settle(problems, strategy))


def sheets_of(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each sheet's ``SheetId`` and ``Name`` (when it has one)."""
    sheets = definition.get("Sheets")
    found: list[dict[str, Any]] = []
    for sheet in sheets if isinstance(sheets, list) else []:
        if isinstance(sheet, dict) and isinstance(sheet.get("SheetId"), str):
            name = {"Name": sheet["Name"]} if sheet.get("Name") else {}
            found.append({"SheetId": sheet["SheetId"], **name})
    return found
