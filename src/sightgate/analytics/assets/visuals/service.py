"""The data of a sheet's visuals, as one viewer sees them.

``VisualDataService.sheet`` is pure over its inputs (a stored ``DashboardVersionDefinition``
dict, the datasets of its identifiers, the viewer, the sheet, parameter values and filter
control selections) apart from the queries it asks of the engine: per visual, its field
wells become logical queries (``charts.py``, ``pivot.py``) with the filters that apply to
it (``filters.py``), run as the viewer, so row- and column-level security hold exactly as
for any other query. A visual that cannot be drawn answers ``error`` or ``unsupported``
(``model.py``); it never fails the sheet.

Results are not cached: every call asks the engine, so no answer outlives a permission
or a membership change, and no viewer ever gets another's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sightgate.analytics.data.model import DataSet, Value
from sightgate.analytics.data.query.security import Viewer
from sightgate.platform.errors import NotFoundError, SightgateError, ValidationError

from .charts import CHARTS, KPI_WELLS, TABLE_WELLS, Drawn, chart, kpi, table
from .context import Queries, SheetDataSets, VisualContext
from .fields import Formats
from .filters import FilterGroups
from .model import SheetData, UnsupportedError, VisualData, VisualState
from .parameters import Parameter, resolve
from .pivot import PIVOT_WELLS, pivot
from .scope import FieldScope
from .times import WEEKDAYS

Builder = Callable[[Mapping[str, Any], VisualContext], Drawn]

BUILDERS: Mapping[str, Builder] = {
    **{kind: partial(chart, kind) for kind in CHARTS},
    "KPIVisual": kpi,
    "TableVisual": table,
    "PivotTableVisual": pivot,
}
"""The visual types sightgate draws; any other answers ``unsupported``."""

WELLS: Mapping[str, tuple[str, ...]] = {
    **{kind: (*spec.dimensions, *spec.measures) for kind, spec in CHARTS.items()},
    "KPIVisual": KPI_WELLS,
    "TableVisual": TABLE_WELLS,
    "PivotTableVisual": PIVOT_WELLS,
}
"""The field wells each supported visual type reads."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class VisualDataService:
    """Computes the visuals of a dashboard sheet for a viewer (module docstring)."""

    def __init__(self, queries: Queries, now: Callable[[], datetime] = _now) -> None:
        self.queries = queries
        self.now = now

    def sheet(
        self,
        viewer: Viewer,
        definition: Mapping[str, Any],
        data_sets: Mapping[str, DataSet],
        sheet_id: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        selections: Mapping[str, Any] | None = None,
    ) -> SheetData:
        """Every visual of sheet ``sheet_id`` (the first sheet by default). Parameters
        and selections a person gives are checked here: an undeclared parameter, a
        value of the wrong type or a selection of no filter control is a
        ``ValidationError`` for the whole call."""
        sheet = _sheet(definition, sheet_id)
        found_id = str(sheet.get("SheetId"))
        declared = resolve(definition.get("ParameterDeclarations"), parameters or {})
        options = definition.get("Options")
        week_start = (
            options.get("WeekStart", "SUNDAY") if isinstance(options, Mapping) else "SUNDAY"
        )
        if week_start not in WEEKDAYS:
            raise ValidationError("Options.WeekStart", f"unknown day {week_start!r}")
        groups = FilterGroups(
            definition.get("FilterGroups"), {}, declared, self.now, str(week_start)
        )
        groups.selections = _selections(definition, groups.filter_ids(), selections or {})
        draw = _Drawing(
            viewer,
            self.queries,
            _identifiers(definition),
            data_sets,
            _calculated(definition),
            declared,
            Formats(definition.get("ColumnConfigurations")),
            groups,
            found_id,
        )
        visuals = sheet.get("Visuals")
        return SheetData(
            found_id,
            sheet.get("Name") if isinstance(sheet.get("Name"), str) else None,
            tuple(draw.visual(item) for item in (visuals if isinstance(visuals, list) else [])),
        )


class _Drawing:
    """One sheet's visuals for one viewer."""

    def __init__(
        self,
        viewer: Viewer,
        queries: Queries,
        identifiers: Mapping[str, str],
        data_sets: Mapping[str, DataSet],
        calculated: Mapping[str, Mapping[str, str]],
        parameters: Mapping[str, Parameter],
        formats: Formats,
        groups: FilterGroups,
        sheet_id: str,
    ) -> None:
        self.viewer = viewer
        self.queries = queries
        self.identifiers = identifiers
        self.data_sets = data_sets
        self.calculated = calculated
        self.parameters = parameters
        self.formats = formats
        self.groups = groups
        self.sheet_id = sheet_id
        self.rules_sets = SheetDataSets(queries.lookup)

    def visual(self, item: object) -> VisualData:
        if not isinstance(item, Mapping) or len(item) != 1:
            return VisualData("", "", VisualState.ERROR, error="a visual has exactly one type")
        ((kind, body),) = item.items()
        kind = str(kind)
        if not isinstance(body, Mapping):
            return VisualData("", kind, VisualState.ERROR, error=f"{kind} is not an object")
        visual_id = str(body.get("VisualId", ""))
        title, subtitle = _text(body.get("Title")), _text(body.get("Subtitle"))
        builder = BUILDERS.get(kind)
        if builder is None:
            return VisualData(
                visual_id,
                kind,
                VisualState.UNSUPPORTED,
                title,
                subtitle,
                error=f"visual type {kind} is not supported",
            )
        try:
            drawn = builder(body, self._context(visual_id, body))
        except UnsupportedError as error:
            return VisualData(
                visual_id, kind, VisualState.UNSUPPORTED, title, subtitle, error=error.message
            )
        except SightgateError as error:
            return VisualData(
                visual_id, kind, VisualState.ERROR, title, subtitle, error=error.message
            )
        empty = not drawn.rows or (
            drawn.aggregated_total and all(cell is None for row in drawn.rows for cell in row)
        )
        return VisualData(
            visual_id,
            kind,
            VisualState.EMPTY if empty else VisualState.READY,
            title,
            subtitle,
            drawn.columns,
            drawn.rows,
        )

    def _context(self, visual_id: str, body: Mapping[str, Any]) -> VisualContext:
        identifier = self._identifier(body)
        data_set = self.data_sets.get(identifier)
        if data_set is None:
            raise NotFoundError("dataset", self.identifiers[identifier])
        visible = {c.name: c.type for c in self.queries.columns(self.viewer, data_set)}
        scope = FieldScope(
            identifier,
            visible,
            self.calculated.get(identifier, {}),
            {name: p.type for name, p in self.parameters.items()},
            {name: p.unsupported for name, p in self.parameters.items() if p.unsupported},
        )
        applied = self.groups.for_visual(self.sheet_id, visual_id, scope)
        values = {name: p.value for name, p in self.parameters.items()}
        ctx = VisualContext(
            self.viewer,
            data_set,
            self.queries,
            scope,
            self.formats,
            {**values, **applied.bindings},
            conditions=applied.conditions,
            rules_sets=self.rules_sets,
        )
        for top in applied.top_bottom:
            ctx.top_bottom(top)
        return ctx

    def _identifier(self, body: Mapping[str, Any]) -> str:
        """The dataset identifier of the visual's fields (the only one declared, for a
        visual of calculated measures only)."""
        config = body.get("ChartConfiguration")
        wells = config.get("FieldWells") if isinstance(config, Mapping) else None
        named = set(_identifiers_in(wells))
        undeclared = sorted(named - set(self.identifiers))
        if undeclared:
            raise ValidationError(
                "DataSetIdentifier", f"dataset identifier {undeclared[0]!r} is not declared"
            )
        if not named and len(self.identifiers) == 1:
            named = set(self.identifiers)
        if len(named) != 1:
            raise ValidationError(
                "FieldWells",
                "the visual's fields name no dataset"
                if not named
                else f"the visual's fields name several datasets: {', '.join(sorted(named))}",
            )
        (identifier,) = named
        return identifier


def _identifiers_in(node: object) -> list[str]:
    if isinstance(node, Mapping):
        found = [str(node["DataSetIdentifier"])] if "DataSetIdentifier" in node else []
        return found + [i for value in node.values() for i in _identifiers_in(value)]
    if isinstance(node, list):
        return [i for value in node for i in _identifiers_in(value)]
    return []


def _sheet(definition: Mapping[str, Any], sheet_id: str | None) -> Mapping[str, Any]:
    sheets = [s for s in definition.get("Sheets") or [] if isinstance(s, Mapping)]
    for sheet in sheets:
        if sheet_id is None or sheet.get("SheetId") == sheet_id:
            return sheet
    raise NotFoundError("sheet", sheet_id or "(the first)")


def _identifiers(definition: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(d.get("Identifier")): str(d.get("DataSetArn"))
        for d in definition.get("DataSetIdentifierDeclarations") or []
        if isinstance(d, Mapping)
    }


def _calculated(definition: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for field in definition.get("CalculatedFields") or []:
        if isinstance(field, Mapping) and isinstance(field.get("Expression"), str):
            identifier = str(field.get("DataSetIdentifier"))
            found.setdefault(identifier, {})[str(field.get("Name"))] = field["Expression"]
    return found


def _selections(
    definition: Mapping[str, Any], filter_ids: set[str], given: Mapping[str, Any]
) -> dict[str, tuple[Value, ...]]:
    """Selections by filter id: a key is a filter control's id (of any sheet) or a
    filter's own id."""
    controls: dict[str, str] = {}
    for sheet in definition.get("Sheets") or []:
        for control in (sheet.get("FilterControls") or []) if isinstance(sheet, Mapping) else []:
            for body in control.values() if isinstance(control, Mapping) else []:
                if isinstance(body, Mapping) and "FilterControlId" in body:
                    controls[str(body["FilterControlId"])] = str(body.get("SourceFilterId"))
    selected: dict[str, tuple[Value, ...]] = {}
    for key, value in given.items():
        filter_id = controls.get(key, key)
        if filter_id not in filter_ids:
            raise ValidationError("Selections", f"no filter control or filter {key!r}")
        values: Sequence[Any] = (
            value if isinstance(value, list | tuple) else [] if value is None else [value]
        )
        selected[filter_id] = tuple(values)
    return selected


def _text(label: object) -> str | None:
    """A visual's ``Title``/``Subtitle`` text (None when hidden or absent)."""
    if not isinstance(label, Mapping) or label.get("Visibility") == "HIDDEN":
        return None
    text = label.get("FormatText")
    if not isinstance(text, Mapping):
        return None
    found = text.get("PlainText", text.get("RichText"))
    return found if isinstance(found, str) else None
