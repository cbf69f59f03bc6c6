"""What a definition declares: its sheets and what each holds, its filters, parameters,
fields and calculated fields. Read once, before any reference is checked.

Members that must be there for the definition to mean anything (a sheet's ``SheetId``, a
visual's ``VisualId``, a calculated field's ``Expression``) are required here under
either strategy (``ValidationError``); a declaration repeated is a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sightgate.analytics.assets.definitions.problems import ErrorType, Problem
from sightgate.analytics.assets.definitions.walk import nodes
from sightgate.analytics.data.model import ColumnType
from sightgate.platform.errors import ValidationError

LIMITS = {
    "Sheets": 20,
    "TooltipSheets": 20,
    "CalculatedFields": 2000,
    "ParameterDeclarations": 400,
    "FilterGroups": 2000,
    "ColumnConfigurations": 2000,
}
"""The model's list limits on the definition's top-level members."""

MAX_VISUALS = 75
MAX_FILTERS = 20

PARAMETER_TYPES = {
    "StringParameterDeclaration": ColumnType.STRING,
    "IntegerParameterDeclaration": ColumnType.INTEGER,
    "DecimalParameterDeclaration": ColumnType.DECIMAL,
    "DateTimeParameterDeclaration": ColumnType.DATETIME,
}

SHEET_ELEMENTS = {
    "VISUAL": "VisualId",
    "FILTER_CONTROL": "FilterControlId",
    "PARAMETER_CONTROL": "ParameterControlId",
    "TEXT_BOX": "SheetTextBoxId",
    "IMAGE": "SheetImageId",
}
"""A layout element's ``ElementType`` -> the member that declares such an element."""

ELEMENT_NAMES = {
    "VisualId": "visual",
    "FilterControlId": "filter control",
    "ParameterControlId": "parameter control",
    "SheetTextBoxId": "text box",
    "SheetImageId": "image",
}


@dataclass(frozen=True)
class CalculatedField:
    """``CalculatedFields[i]``."""

    path: str
    data_set: str
    name: str
    expression: str


@dataclass
class Inventory:
    """The ids a definition declares, with the problems declaring them raised."""

    sheets: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """Sheet id -> declaring member (``VisualId``, ``FilterControlId``, ...) -> ids."""
    sheet_paths: dict[str, str] = field(default_factory=dict)
    visuals: set[str] = field(default_factory=set)
    filters: set[str] = field(default_factory=set)
    parameters: dict[str, ColumnType] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)
    calculated: list[CalculatedField] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def calculated_names(self, data_set: str) -> set[str]:
        """The calculated fields of one dataset identifier."""
        return {c.name for c in self.calculated if c.data_set == data_set}

    def declare(self, ids: set[str], value: str, path: str, what: str) -> None:
        """Add an id, or report it as declared twice."""
        if value in ids:
            self.problems.append(
                Problem(ErrorType.INTERNAL_FAILURE, path, f"{what} {value!r} is declared twice")
            )
        ids.add(value)


def is_field_declaration(key: str, value: Mapping[str, Any]) -> bool:
    """A field of a field well (it has a ``Column`` or an ``Expression``) declares its
    ``FieldId``; every other ``FieldId`` (a sort, a tooltip, an axis label's ``ApplyTo``)
    refers to one."""
    return key != "ApplyTo" and ("Column" in value or "Expression" in value)


def _list(definition: Mapping[str, Any], member: str, root: str) -> list[Any]:
    value = definition.get(member)
    if value is None:
        return []
    limit = LIMITS[member]
    if not isinstance(value, list) or len(value) > limit:
        raise ValidationError(f"{root}.{member}", f"must be a list of at most {limit} entries")
    return value


def _object(value: object, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(where, f"must be an object ({what})")
    return value


def _id(value: Mapping[str, Any], member: str, where: str) -> str:
    found = value.get(member)
    if not isinstance(found, str) or not found:
        raise ValidationError(f"{where}.{member}", "is required")
    return found


def _variant(value: object, where: str, what: str) -> tuple[str, str, Mapping[str, Any]]:
    """The one member of a union (a visual, a filter, a parameter declaration)."""
    members = [(k, v) for k, v in _object(value, where, what).items() if v is not None]
    if len(members) != 1 or not isinstance(members[0][1], dict):
        raise ValidationError(where, f"must set exactly one member ({what})")
    name, inner = members[0]
    return name, f"{where}.{name}", inner


def inventory(definition: Mapping[str, Any], root: str) -> Inventory:
    """Everything ``definition`` declares."""
    found = Inventory()
    for member in ("Sheets", "TooltipSheets"):
        for index, sheet in enumerate(_list(definition, member, root)):
            _sheet(found, sheet, f"{root}.{member}[{index}]")
    for index, entry in enumerate(_list(definition, "CalculatedFields", root)):
        where = f"{root}.CalculatedFields[{index}]"
        value = _object(entry, where, "DataSetIdentifier, Name and Expression")
        calculated = CalculatedField(
            where,
            _id(value, "DataSetIdentifier", where),
            _id(value, "Name", where),
            _id(value, "Expression", where),
        )
        if calculated.name in found.calculated_names(calculated.data_set):
            found.problems.append(
                Problem(
                    ErrorType.INTERNAL_FAILURE,
                    f"{where}.Name",
                    f"calculated field {calculated.name!r} is declared twice",
                )
            )
        found.calculated.append(calculated)
    names: set[str] = set()
    for index, entry in enumerate(_list(definition, "ParameterDeclarations", root)):
        kind, where, value = _variant(
            entry, f"{root}.ParameterDeclarations[{index}]", "a parameter declaration"
        )
        name = _id(value, "Name", where)
        found.declare(names, name, f"{where}.Name", "parameter")
        found.parameters[name] = PARAMETER_TYPES.get(kind, ColumnType.STRING)
    groups: set[str] = set()
    for index, entry in enumerate(_list(definition, "FilterGroups", root)):
        where = f"{root}.FilterGroups[{index}]"
        group = _object(entry, where, "a filter group")
        found.declare(groups, _id(group, "FilterGroupId", where), where, "filter group")
        filters = group.get("Filters")
        if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
            raise ValidationError(f"{where}.Filters", f"must list at most {MAX_FILTERS} filters")
        for position, item in enumerate(filters):
            _, at, value = _variant(item, f"{where}.Filters[{position}]", "a filter")
            found.declare(found.filters, _id(value, "FilterId", at), f"{at}.FilterId", "filter")
    for node in nodes(definition, root):
        field_id = node.value.get("FieldId")
        if isinstance(field_id, str) and is_field_declaration(node.key, node.value):
            found.declare(found.fields, field_id, f"{node.path}.FieldId", "field")
    return found


def _sheet(found: Inventory, sheet: object, where: str) -> None:
    value = _object(sheet, where, "a sheet with a SheetId")
    sheet_id = _id(value, "SheetId", where)
    if sheet_id in found.sheets:
        found.problems.append(
            Problem(
                ErrorType.INTERNAL_FAILURE,
                f"{where}.SheetId",
                f"sheet {sheet_id!r} is declared twice",
            )
        )
    visuals = value.get("Visuals")
    if visuals is not None and (not isinstance(visuals, list) or len(visuals) > MAX_VISUALS):
        raise ValidationError(f"{where}.Visuals", f"must list at most {MAX_VISUALS} visuals")
    for index, visual in enumerate(visuals or []):
        _, at, inner = _variant(visual, f"{where}.Visuals[{index}]", "a visual")
        _id(inner, "VisualId", at)
    elements: dict[str, set[str]] = {member: set() for member in SHEET_ELEMENTS.values()}
    for node in nodes(value, where):
        for member, ids in elements.items():
            element_id = node.value.get(member)
            if isinstance(element_id, str):
                what = ELEMENT_NAMES[member]
                target = found.visuals if member == "VisualId" else ids
                found.declare(target, element_id, f"{node.path}.{member}", what)
                ids.add(element_id)
    found.sheets[sheet_id] = elements
    found.sheet_paths[where] = sheet_id
