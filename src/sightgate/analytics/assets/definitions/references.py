"""Every reference of a definition resolved against what it declares, wherever in the
definition it occurs: the checks go by member name over the whole document (``walk``),
so a visual type or member this code does not know is checked all the same.

- a ``DataSetIdentifier`` is declared; with a ``ColumnName`` beside it (a column
  identifier), that column is in the dataset as its author sees it: every output column,
  plus the definition's calculated fields for that identifier;
- ``SourceFilterId`` names a filter; ``ParameterName``, ``SourceParameterName``,
  ``DestinationParameterName`` and a ``Parameter`` name a declared parameter;
- a ``FieldId`` that does not declare a field (a sort, a tooltip, a series) names one;
- ``SheetId``/``TargetSheetId`` outside a sheet's own name a sheet; ``VisualIds``
  (in their ``SheetId``'s sheet), ``TargetVisuals`` and ``NonRepeatingVisuals`` name
  visuals; a layout element (``ElementId`` + ``ElementType``) names an element of its
  own sheet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sightgate.analytics.assets.definitions.data_sets import DeclaredDataSet
from sightgate.analytics.assets.definitions.inventory import (
    ELEMENT_NAMES,
    SHEET_ELEMENTS,
    Inventory,
    is_field_declaration,
)
from sightgate.analytics.assets.definitions.problems import ErrorType, Problem
from sightgate.analytics.assets.definitions.walk import Node, child, nodes

PARAMETER_REFERENCES = (
    "ParameterName",
    "SourceParameterName",
    "DestinationParameterName",
    "Parameter",
)
VISUAL_LISTS = ("TargetVisuals", "NonRepeatingVisuals")


def _missing(path: str, message: str, kind: ErrorType = ErrorType.SOURCE_NOT_FOUND) -> Problem:
    return Problem(kind, path, message)


class References:
    """The reference checks over one definition and its inventory."""

    def __init__(self, found: Inventory, data_sets: Mapping[str, DeclaredDataSet]) -> None:
        self.found = found
        self.data_sets = data_sets
        self.calculated = {name: found.calculated_names(name) for name in data_sets}
        self.all_sheets = set(found.sheets)

    def check(self, definition: Mapping[str, Any], root: str) -> list[Problem]:
        """Every dangling reference, in document order."""
        problems: list[Problem] = []
        for node in nodes(definition, root):
            problems.extend(self._node(node))
        for path, sheet_id in self.found.sheet_paths.items():
            sheet = _at(definition, root, path)
            problems.extend(self._layout(sheet, path, self.found.sheets[sheet_id]))
        return problems

    def _node(self, node: Node) -> Iterator[Problem]:
        value = node.value
        yield from self._column(node)
        source = value.get("SourceFilterId")
        if isinstance(source, str) and source not in self.found.filters:
            yield _missing(child(node.path, "SourceFilterId"), f"no filter has FilterId {source!r}")
        for member in PARAMETER_REFERENCES:
            name = value.get(member)
            if isinstance(name, str) and name not in self.found.parameters:
                yield _missing(
                    child(node.path, member),
                    f"no parameter {name!r} is declared",
                    ErrorType.PARAMETER_NOT_FOUND,
                )
        field_id = value.get("FieldId")
        if (
            isinstance(field_id, str)
            and not is_field_declaration(node.key, value)
            and field_id not in self.found.fields
        ):
            yield _missing(child(node.path, "FieldId"), f"no field has FieldId {field_id!r}")
        yield from self._sheets_and_visuals(node)

    def _column(self, node: Node) -> Iterator[Problem]:
        identifier = node.value.get("DataSetIdentifier")
        if not isinstance(identifier, str):
            return
        declared = self.data_sets.get(identifier)
        if declared is None:
            yield _missing(
                child(node.path, "DataSetIdentifier"),
                f"no dataset is declared as {identifier!r}",
                ErrorType.DATA_SET_NOT_FOUND,
            )
            return
        column = node.value.get("ColumnName")
        if not isinstance(column, str) or declared.columns is None:
            return
        if column not in declared.columns and column not in self.calculated[identifier]:
            yield _missing(
                child(node.path, "ColumnName"),
                f"dataset {identifier!r} has no column {column!r}",
                ErrorType.COLUMN_REPLACEMENT_MISSING,
            )

    def _sheets_and_visuals(self, node: Node) -> Iterator[Problem]:
        value = node.value
        if node.path not in self.found.sheet_paths:
            for member in ("SheetId", "TargetSheetId"):
                sheet = value.get(member)
                if isinstance(sheet, str) and sheet not in self.all_sheets:
                    yield _missing(child(node.path, member), f"no sheet has SheetId {sheet!r}")
        visual_ids = value.get("VisualIds")
        if isinstance(visual_ids, list):
            sheet = value.get("SheetId")
            scope = (
                self.found.sheets[sheet]["VisualId"]
                if isinstance(sheet, str) and sheet in self.found.sheets
                else self.found.visuals
            )
            yield from _visuals(visual_ids, scope, child(node.path, "VisualIds"), sheet)
        for member in VISUAL_LISTS:
            listed = value.get(member)
            if isinstance(listed, list):
                yield from _visuals(listed, self.found.visuals, child(node.path, member), None)

    @staticmethod
    def _layout(sheet: object, path: str, elements: Mapping[str, set[str]]) -> Iterator[Problem]:
        for node in nodes(sheet, path):
            element_id, kind = node.value.get("ElementId"), node.value.get("ElementType")
            member = SHEET_ELEMENTS.get(kind) if isinstance(kind, str) else None
            if isinstance(element_id, str) and member and element_id not in elements[member]:
                yield _missing(
                    child(node.path, "ElementId"),
                    f"the sheet has no {ELEMENT_NAMES[member]} {element_id!r}",
                )


def _visuals(listed: list[Any], scope: set[str], path: str, sheet: object) -> Iterator[Problem]:
    where = f" on sheet {sheet!r}" if isinstance(sheet, str) else ""
    for index, visual_id in enumerate(listed):
        if isinstance(visual_id, str) and visual_id not in scope:
            yield _missing(f"{path}[{index}]", f"no visual{where} has VisualId {visual_id!r}")


def _at(definition: Mapping[str, Any], root: str, path: str) -> object:
    """The sheet at ``{root}.Sheets[i]`` / ``{root}.TooltipSheets[i]``."""
    member, _, index = path.removeprefix(f"{root}.").partition("[")
    return definition[member][int(index.rstrip("]"))]
