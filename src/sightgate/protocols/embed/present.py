"""What the embedded page is given: a dashboard's layout, and a sheet's data, as JSON.

The page never gets the definition itself: its field wells name dataset columns, and a
column the viewer may not see (column-level security) must not reach the page even as
a name. The layout is what drawing needs before any data (sheets, the grid, titles,
chart options, controls, parameters, the theme); column labels and well names arrive
with each visual's data, only for visuals the viewer was shown (a visual over a column
they may not see answers ``error`` with no columns, and its message is not passed on).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sightgate.analytics.assets.visuals.model import SheetData, VisualData, VisualState

ERROR_MESSAGE = "The visual's definition or its data has a problem."
WIDGETS = {
    "Dropdown": "dropdown",
    "List": "list",
    "TextField": "text",
    "TextArea": "text",
    "Slider": "slider",
    "DateTimePicker": "date",
    "RelativeDateTime": "text",
}
_PIXELS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(px)?\s*$")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _label(value: object) -> str | None:
    """A ``Title``/``Subtitle`` label's text (None when hidden or absent)."""
    label = _mapping(value)
    if label.get("Visibility") == "HIDDEN":
        return None
    text = _mapping(label.get("FormatText"))
    found = text.get("PlainText", text.get("RichText"))
    return found if isinstance(found, str) else None


def _only(item: object) -> tuple[str, Mapping[str, Any]] | None:
    """The one ``{Kind: body}`` member of a union such as a visual or a control."""
    if isinstance(item, Mapping) and len(item) == 1:
        ((kind, body),) = item.items()
        if isinstance(body, Mapping):
            return str(kind), body
    return None


# -- the layout ------------------------------------------------------------------------


def layout(
    dashboard_id: str,
    name: str,
    definition: Mapping[str, Any],
    theme: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The page's view of a dashboard (module docstring)."""
    filters = _filter_values(definition)
    return {
        "dashboardId": dashboard_id,
        "name": name,
        "sheets": [
            _sheet(sheet, filters)
            for sheet in _list(definition.get("Sheets"))
            if isinstance(sheet, Mapping)
        ],
        "parameters": [
            p for p in map(_parameter, _list(definition.get("ParameterDeclarations"))) if p
        ],
        "theme": dict(theme) if theme else None,
    }


def _sheet(sheet: Mapping[str, Any], filters: Mapping[str, list[str]]) -> dict[str, Any]:
    visuals = [v for v in map(_visual, _list(sheet.get("Visuals"))) if v]
    controls = [
        *(_control(c, "parameter", filters) for c in _list(sheet.get("ParameterControls"))),
        *(_control(c, "filter", filters) for c in _list(sheet.get("FilterControls"))),
    ]
    return {
        "sheetId": str(sheet.get("SheetId", "")),
        "name": sheet.get("Name") if isinstance(sheet.get("Name"), str) else None,
        "visuals": visuals,
        "layout": _grid(sheet),
        "controls": [c for c in controls if c],
    }


def _grid(sheet: Mapping[str, Any]) -> dict[str, Any]:
    """The first layout's elements: a ``GridLayout`` (36 columns) or a ``FreeFormLayout``
    (pixels); any other layout flows the visuals in order."""
    layouts = _list(sheet.get("Layouts"))
    configuration = _mapping(_mapping(layouts[0] if layouts else None).get("Configuration"))
    grid = _mapping(configuration.get("GridLayout"))
    if grid:
        return {
            "kind": "grid",
            "elements": {
                str(e["ElementId"]): {
                    "column": int(e.get("ColumnIndex") or 0),
                    "columnSpan": int(e.get("ColumnSpan") or 18),
                    "row": int(e.get("RowIndex") or 0),
                    "rowSpan": int(e.get("RowSpan") or 12),
                }
                for e in map(_mapping, _list(grid.get("Elements")))
                if "ElementId" in e and _is_int_like(e)
            },
        }
    free = _mapping(configuration.get("FreeFormLayout"))
    if free:
        elements: dict[str, dict[str, float]] = {}
        for element in map(_mapping, _list(free.get("Elements"))):
            box = [
                _pixels(element.get(k))
                for k in ("XAxisLocation", "YAxisLocation", "Width", "Height")
            ]
            if "ElementId" in element and all(v is not None for v in box):
                x, y, width, height = (float(v or 0) for v in box)
                elements[str(element["ElementId"])] = {
                    "x": x,
                    "y": y,
                    "width": width,
                    "height": height,
                }
        return {"kind": "free", "elements": elements}
    return {"kind": "none", "elements": {}}


def _is_int_like(element: Mapping[str, Any]) -> bool:
    return all(
        isinstance(element.get(k, 0), int) and not isinstance(element.get(k, 0), bool)
        for k in ("ColumnIndex", "ColumnSpan", "RowIndex", "RowSpan")
    )


def _pixels(value: object) -> float | None:
    found = _PIXELS.match(value) if isinstance(value, str) else None
    return float(found.group(1)) if found else None


def _visual(item: object) -> dict[str, Any] | None:
    found = _only(item)
    if found is None:
        return None
    kind, body = found
    config = _mapping(body.get("ChartConfiguration"))
    options: dict[str, Any] = {}
    if isinstance(config.get("Orientation"), str):
        options["orientation"] = config["Orientation"]
    if isinstance(config.get("BarsArrangement"), str):
        options["arrangement"] = config["BarsArrangement"]
    arc = _mapping(_mapping(_mapping(config.get("DonutOptions")).get("ArcOptions")))
    if arc.get("ArcThickness") not in (None, "WHOLE"):
        options["donut"] = True
    return {
        "visualId": str(body.get("VisualId", "")),
        "type": kind,
        "title": _label(body.get("Title")),
        "subtitle": _label(body.get("Subtitle")),
        "options": options,
        "actions": [
            {
                key: action[key]
                for key in ("CustomActionId", "Name", "Status", "Trigger")
                if isinstance(action.get(key), str)
            }
            for action in map(_mapping, _list(body.get("Actions")))
        ],
    }


def _parameter(item: object) -> dict[str, Any] | None:
    found = _only(item)
    if found is None or not isinstance(found[1].get("Name"), str):
        return None
    kind, body = found
    defaults = _list(_mapping(body.get("DefaultValues")).get("StaticValues"))
    return {
        "name": body["Name"],
        "type": kind.removesuffix("ParameterDeclaration"),
        "multi": body.get("ParameterValueType") == "MULTI_VALUED",
        "defaults": [_text_of(v) for v in defaults],
    }


def _filter_values(definition: Mapping[str, Any]) -> dict[str, list[str]]:
    """The values a category filter lists (``FilterListConfiguration``), by filter id:
    the choices of a filter control over it."""
    found: dict[str, list[str]] = {}
    for group in map(_mapping, _list(definition.get("FilterGroups"))):
        for item in _list(group.get("Filters")):
            member = _only(item)
            if member is None or member[0] != "CategoryFilter":
                continue
            body = member[1]
            listed = _mapping(_mapping(body.get("Configuration")).get("FilterListConfiguration"))
            values = _list(listed.get("CategoryValues"))
            if values and isinstance(body.get("FilterId"), str):
                found[body["FilterId"]] = [str(v) for v in values]
    return found


def _control(item: object, kind: str, filters: Mapping[str, list[str]]) -> dict[str, Any] | None:
    found = _only(item)
    if found is None or found[0] not in WIDGETS:
        return None
    widget, body = found
    key = "ParameterControlId" if kind == "parameter" else "FilterControlId"
    target = body.get("SourceParameterName") if kind == "parameter" else body.get(key)
    if not isinstance(body.get(key), str) or not isinstance(target, str):
        return None
    selectable = _list(_mapping(body.get("SelectableValues")).get("Values"))
    values = [str(v) for v in selectable] or (
        filters.get(str(body.get("SourceFilterId"))) if kind == "filter" else None
    )
    control: dict[str, Any] = {
        "id": body[key],
        "kind": kind,
        "target": target,
        "title": body.get("Title") if isinstance(body.get("Title"), str) else None,
        "widget": WIDGETS[widget],
        "multi": body.get("Type") == "MULTI_SELECT",
        "values": values or None,
    }
    for name, member in (("min", "MinimumValue"), ("max", "MaximumValue"), ("step", "StepSize")):
        if isinstance(body.get(member), int | float) and not isinstance(body.get(member), bool):
            control[name] = body[member]
    return control


# -- a sheet's data --------------------------------------------------------------------


def sheet(data: SheetData, definition: Mapping[str, Any]) -> dict[str, Any]:
    """A drawn sheet as the page gets it (module docstring)."""
    bodies = {
        str(found[1].get("VisualId")): found[1]
        for found in map(_only, _visuals_of(definition, data.sheet_id))
        if found is not None
    }
    return {
        "sheetId": data.sheet_id,
        "visuals": [_visual_data(v, bodies.get(v.visual_id, {})) for v in data.visuals],
    }


def _visuals_of(definition: Mapping[str, Any], sheet_id: str) -> list[Any]:
    for found in map(_mapping, _list(definition.get("Sheets"))):
        if found.get("SheetId") == sheet_id:
            return _list(found.get("Visuals"))
    return []


def _visual_data(visual: VisualData, body: Mapping[str, Any]) -> dict[str, Any]:
    shown = visual.state in (VisualState.READY, VisualState.EMPTY)
    fields = dict(_fields(body.get("ChartConfiguration"), None)) if shown else {}
    labels = _custom_labels(body.get("ChartConfiguration")) if shown else {}
    message = (
        visual.error
        if visual.state is VisualState.UNSUPPORTED
        else ERROR_MESSAGE
        if visual.state is VisualState.ERROR
        else None
    )
    return {
        "visualId": visual.visual_id,
        "type": visual.type,
        "state": visual.state.value,
        "title": visual.title,
        "subtitle": visual.subtitle,
        "message": message,
        "columns": [
            {
                "fieldId": column.field_id or column.name,
                "type": column.type.value,
                "role": column.role.value,
                "format": _plain(column.format),
                "well": fields.get(column.name, (None, None))[0],
                "label": labels.get(column.name) or fields.get(column.name, (None, None))[1],
            }
            for column in visual.columns
        ]
        if shown
        else [],
        "rows": [[_plain(cell) for cell in row] for row in visual.rows] if shown else [],
    }


AGGREGATION_NAMES = {
    "SUM": "Sum",
    "AVERAGE": "Average",
    "MIN": "Min",
    "MAX": "Max",
    "COUNT": "Count",
    "DISTINCT_COUNT": "Count distinct",
    "MEDIAN": "Median",
}
DEFAULT_AGGREGATIONS = {
    "NumericalMeasureField": "SUM",
    "CategoricalMeasureField": "COUNT",
    "DateMeasureField": "COUNT",
}


def _fields(node: object, well: str | None) -> Iterator[tuple[str, tuple[str | None, str | None]]]:
    """(field id, (well, label)) of every field of a visual's wells: a field is a
    one-member ``{XxxField: {FieldId, Column}}`` in the list its well names; its label is
    its column's name, with a measure's aggregation as QuickSight shows it
    (``revenue (Sum)``)."""
    if isinstance(node, list):
        for item in node:
            found = _only(item)
            if found and found[0].endswith("Field") and isinstance(found[1].get("FieldId"), str):
                yield found[1]["FieldId"], (well, _field_label(*found))
            else:
                yield from _fields(item, well)
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("SortConfiguration", "FieldOptions", "Tooltip", "DataLabels"):
                continue
            yield from _fields(value, str(key) if isinstance(value, list) else well)


def _field_label(kind: str, body: Mapping[str, Any]) -> str | None:
    column = _mapping(body.get("Column")).get("ColumnName")
    if not isinstance(column, str):
        return None
    if kind not in DEFAULT_AGGREGATIONS:
        return column
    chosen = body.get("AggregationFunction", DEFAULT_AGGREGATIONS[kind])
    if isinstance(chosen, Mapping):
        chosen = chosen.get("SimpleNumericalAggregation", "SUM")
    name = AGGREGATION_NAMES.get(chosen) if isinstance(chosen, str) else None
    return f"{column} ({name})" if name else column


def _custom_labels(config: object) -> dict[str, str]:
    """``CustomLabel``s of fields: a table's ``FieldOptions.SelectedFieldOptions`` and a
    chart's axis label options (``ApplyTo.FieldId``)."""
    found: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            label = node.get("CustomLabel")
            field_id = node.get("FieldId") or _mapping(node.get("ApplyTo")).get("FieldId")
            if isinstance(label, str) and isinstance(field_id, str):
                found.setdefault(field_id, label)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return found


def _text_of(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _plain(value: Any) -> Any:
    """A value as JSON can carry it: dates as ISO text, non-finite numbers as null."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
