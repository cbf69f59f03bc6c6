"""Field wells -> queries for the charts, KPIs and tables (pivot tables: ``pivot.py``).

Charts (bar, line, pie, combo) group by the first field of each dimension well
(``Category``, ``Colors``, ``SmallMultiples``: further fields are drill-down levels, which
a rendered sheet does not open) and aggregate every measure. Their rows are the
dimensions in that order, then the measures in well order (a combo chart's
``BarValues`` before its ``LineValues``). The category items limit keeps the first N
categories in the category sort; with colors or small multiples beside the category,
the N categories are found first (the measures grouped by category alone) and the
chart's query keeps their rows. Rows are sorted by the visual's sort configuration, then
by each dimension not sorted yet, ascending.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sightgate.analytics.data.model import QueryResult, Sort
from sightgate.platform.errors import ValidationError

from .context import Ordering, VisualContext, items_limit, ordering, shown
from .fields import WellField, dimension, measure, unaggregated
from .model import VisualColumn


@dataclass(frozen=True)
class Drawn:
    """A visual's columns and rows."""

    columns: tuple[VisualColumn, ...]
    rows: tuple[tuple[Any, ...], ...]
    aggregated_total: bool = False
    """The rows are one ungrouped aggregate (all NULL cells then mean no data)."""


def output(fields: Sequence[WellField], result: QueryResult) -> Drawn:
    """The visual's columns (named by field id, typed by the engine) and rows."""
    columns = tuple(
        VisualColumn(f.field_id, column.type, f.field_id, f.role, f.format)
        for f, column in zip(fields, result.columns, strict=False)
    )
    return Drawn(columns, shown(result, len(fields)))


def configuration(visual: Mapping[str, Any]) -> Mapping[str, Any]:
    found = visual.get("ChartConfiguration")
    return found if isinstance(found, Mapping) else {}


def _member(parent: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    found = parent.get(name)
    return found if isinstance(found, Mapping) else {}


def _items(wells: Mapping[str, Any], well: str) -> list[object]:
    found = wells.get(well)
    return found if isinstance(found, list) else []


def with_defaults(order: Ordering, dimensions: Sequence[WellField]) -> Ordering:
    """``order`` then each dimension it does not sort by, ascending (a stable order)."""
    sorted_by = {s.field for s in order.sorts}
    extra = tuple(Sort(d.field_id) for d in dimensions if d.field_id not in sorted_by)
    return Ordering((*order.sorts, *extra), order.hidden)


@dataclass(frozen=True)
class ChartWells:
    """Where one chart type keeps its wells and its category items limit."""

    member: str
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    sorts: tuple[str, ...]
    category_limit: str


CHARTS: Mapping[str, ChartWells] = {
    "BarChartVisual": ChartWells(
        "BarChartAggregatedFieldWells",
        ("Category", "Colors", "SmallMultiples"),
        ("Values",),
        ("CategorySort", "ColorSort", "SmallMultiplesSort"),
        "CategoryItemsLimit",
    ),
    "LineChartVisual": ChartWells(
        "LineChartAggregatedFieldWells",
        ("Category", "Colors", "SmallMultiples"),
        ("Values",),
        ("CategorySort", "SmallMultiplesSort"),
        "CategoryItemsLimitConfiguration",
    ),
    "PieChartVisual": ChartWells(
        "PieChartAggregatedFieldWells",
        ("Category", "SmallMultiples"),
        ("Values",),
        ("CategorySort", "SmallMultiplesSort"),
        "CategoryItemsLimit",
    ),
    "ComboChartVisual": ChartWells(
        "ComboChartAggregatedFieldWells",
        ("Category", "Colors"),
        ("BarValues", "LineValues"),
        ("CategorySort", "ColorSort"),
        "CategoryItemsLimit",
    ),
}


def chart(kind: str, visual: Mapping[str, Any], ctx: VisualContext) -> Drawn:
    spec = CHARTS[kind]
    config = configuration(visual)
    where = f"{kind}.ChartConfiguration.FieldWells.{spec.member}"
    wells = _member(_member(config, "FieldWells"), spec.member)
    dimensions: list[WellField] = []
    category: WellField | None = None
    for well in spec.dimensions:
        items = _items(wells, well)
        if items:
            field = dimension(items[0], ctx.scope, ctx.formats, f"{where}.{well}.0")
            dimensions.append(field)
            category = field if well == "Category" else category
    measures = [
        measure(item, ctx.scope, ctx.formats, f"{where}.{well}.{index}")
        for well in spec.measures
        for index, item in enumerate(_items(wells, well))
    ]
    fields = [*dimensions, *measures]
    if not fields:
        raise ValidationError(where, "the visual has no fields")
    sort_config = _member(config, "SortConfiguration")
    sort_where = f"{kind}.ChartConfiguration.SortConfiguration"
    options = [item for name in spec.sorts for item in _items(sort_config, name)]
    order = with_defaults(
        ordering(options, fields, ctx.scope, aggregated=bool(measures), where=sort_where),
        dimensions,
    )
    limit = items_limit(sort_config.get(spec.category_limit), f"{sort_where}.{spec.category_limit}")
    if limit is not None and category is not None and len(dimensions) > 1:
        ctx.keep_first(category, measures, order, limit)
        limit = None
    return output(fields, ctx.run(fields, order, limit))


KPI_WELLS = ("Values", "TargetValues", "TrendGroups")
TABLE_WELLS = (
    "TableAggregatedFieldWells.GroupBy",
    "TableAggregatedFieldWells.Values",
    "TableUnaggregatedFieldWells.Values",
)


def kpi(visual: Mapping[str, Any], ctx: VisualContext) -> Drawn:
    """A KPI: its value and target, per trend group when it has one (the series, in
    trend order: the last row is the current period)."""
    config = configuration(visual)
    wells = _member(config, "FieldWells")
    where = "KPIVisual.ChartConfiguration.FieldWells"
    trend = [
        dimension(item, ctx.scope, ctx.formats, f"{where}.TrendGroups.0")
        for item in _items(wells, "TrendGroups")[:1]
    ]
    measures = [
        measure(item, ctx.scope, ctx.formats, f"{where}.{well}.0")
        for well in ("Values", "TargetValues")
        for item in _items(wells, well)[:1]
    ]
    if not measures:
        raise ValidationError(f"{where}.Values", "a KPI needs a value")
    fields = [*trend, *measures]
    options = _items(_member(config, "SortConfiguration"), "TrendGroupSort")
    order = with_defaults(
        ordering(
            options,
            fields,
            ctx.scope,
            aggregated=True,
            where="KPIVisual.ChartConfiguration.SortConfiguration.TrendGroupSort",
        ),
        trend,
    )
    drawn = output(fields, ctx.run(fields, order))
    return Drawn(drawn.columns, drawn.rows, aggregated_total=not trend)


def table(visual: Mapping[str, Any], ctx: VisualContext) -> Drawn:
    """A table: grouped (``TableAggregatedFieldWells``) or row by row
    (``TableUnaggregatedFieldWells``), sorted by ``RowSort``, one page when
    ``PaginationConfiguration`` says which."""
    config = configuration(visual)
    wells = _member(config, "FieldWells")
    where = "TableVisual.ChartConfiguration.FieldWells"
    dimensions: list[WellField] = []
    measures: list[WellField] = []
    if "TableUnaggregatedFieldWells" in wells:
        raw = _member(wells, "TableUnaggregatedFieldWells")
        dimensions = [
            unaggregated(
                item, ctx.scope, ctx.formats, f"{where}.TableUnaggregatedFieldWells.Values.{i}"
            )
            for i, item in enumerate(_items(raw, "Values"))
        ]
    else:
        grouped = _member(wells, "TableAggregatedFieldWells")
        here = f"{where}.TableAggregatedFieldWells"
        dimensions = [
            dimension(item, ctx.scope, ctx.formats, f"{here}.GroupBy.{i}")
            for i, item in enumerate(_items(grouped, "GroupBy"))
        ]
        measures = [
            measure(item, ctx.scope, ctx.formats, f"{here}.Values.{i}")
            for i, item in enumerate(_items(grouped, "Values"))
        ]
    fields = [*dimensions, *measures]
    if not fields:
        raise ValidationError(where, "the visual has no fields")
    sort_config = _member(config, "SortConfiguration")
    sort_where = "TableVisual.ChartConfiguration.SortConfiguration"
    order = ordering(
        _items(sort_config, "RowSort"),
        fields,
        ctx.scope,
        aggregated=bool(measures),
        where=f"{sort_where}.RowSort",
    )
    if measures:
        order = with_defaults(order, dimensions)
    size, number = _page(
        sort_config.get("PaginationConfiguration"), f"{sort_where}.PaginationConfiguration"
    )
    drawn = output(fields, ctx.run(fields, order, None if size is None else size * number))
    if size is None:
        return Drawn(drawn.columns, drawn.rows, aggregated_total=not dimensions)
    return Drawn(drawn.columns, drawn.rows[size * (number - 1) :])


def _page(pagination: object, where: str) -> tuple[int | None, int]:
    """(page size, 1-based page number), or (None, 1) for every row."""
    if not isinstance(pagination, Mapping):
        return None, 1
    size, number = pagination.get("PageSize"), pagination.get("PageNumber", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValidationError(f"{where}.PageSize", "must be a positive number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise ValidationError(f"{where}.PageNumber", "must be a page number")
    return size, max(number, 1)
