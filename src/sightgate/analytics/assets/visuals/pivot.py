"""Pivot tables: rows, columns and values, with subtotals and totals.

The answer is long-form: one row per combination of the row and column dimensions, with
the measures; subtotal and total rows follow the detail rows, with NULL in the
dimensions they roll up and a last ``GROUPING`` column saying which those are (SQL's
``GROUPING()``: bit ``2**(n-1-i)`` set when the i-th of the n dimensions, rows first,
is rolled up; 0 for detail rows).

Each level is a grouped query of its own over the base rows, so a subtotal of a
non-additive measure (a distinct count, a median) is computed, never summed:

- ``RowSubtotalOptions`` (``TotalsVisibility: VISIBLE``): the row dimensions grouped to
  each level above the last (``FieldLevel`` ``ALL``), the level above the last only
  (``LAST``), or the levels of the fields in ``FieldLevelOptions`` (``CUSTOM``);
- ``RowTotalOptions``: every row dimension rolled up (the grand total row);
- ``ColumnSubtotalOptions`` / ``ColumnTotalOptions``: the same for the column dimensions;
- every row level is combined with every column level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sightgate.analytics.data.model import ColumnType
from sightgate.platform.errors import ValidationError

from .charts import Drawn, configuration, output, with_defaults
from .context import Ordering, VisualContext, ordering
from .fields import WellField, dimension, measure
from .model import ColumnRole, UnsupportedError, VisualColumn

GROUPING = "GROUPING"
PIVOT_WELLS = ("Rows", "Columns", "Values")
MAX_LEVELS = 64
"""Most grouped queries one pivot table may ask (levels of rows times levels of columns)."""


def pivot(visual: Mapping[str, Any], ctx: VisualContext) -> Drawn:
    config = configuration(visual)
    where = "PivotTableVisual.ChartConfiguration.FieldWells.PivotTableAggregatedFieldWells"
    wells_parent = config.get("FieldWells")
    wells = (
        wells_parent.get("PivotTableAggregatedFieldWells")
        if isinstance(wells_parent, Mapping)
        else None
    )
    wells = wells if isinstance(wells, Mapping) else {}
    rows = [
        dimension(item, ctx.scope, ctx.formats, f"{where}.Rows.{i}")
        for i, item in enumerate(wells.get("Rows") or [])
    ]
    columns = [
        dimension(item, ctx.scope, ctx.formats, f"{where}.Columns.{i}")
        for i, item in enumerate(wells.get("Columns") or [])
    ]
    measures = [
        measure(item, ctx.scope, ctx.formats, f"{where}.Values.{i}")
        for i, item in enumerate(wells.get("Values") or [])
    ]
    dimensions = [*rows, *columns]
    if not measures:
        raise ValidationError(f"{where}.Values", "a pivot table needs a value")
    order = _ordering(config, [*dimensions, *measures], ctx)
    totals = config.get("TotalOptions")
    totals = totals if isinstance(totals, Mapping) else {}
    row_levels = _levels(rows, totals.get("RowSubtotalOptions"), totals.get("RowTotalOptions"))
    column_levels = _levels(
        columns, totals.get("ColumnSubtotalOptions"), totals.get("ColumnTotalOptions")
    )
    if len(row_levels) * len(column_levels) > MAX_LEVELS:
        raise ValidationError(
            "PivotTableVisual.ChartConfiguration.TotalOptions",
            f"the totals need more than {MAX_LEVELS} grouped queries",
        )
    drawn: Drawn | None = None
    body: list[tuple[Any, ...]] = []
    for row_level in row_levels:
        for column_level in column_levels:
            kept = [*rows[:row_level], *columns[:column_level]]
            names = {f.field_id for f in (*kept, *measures, *order.hidden)}
            level_order = Ordering(tuple(s for s in order.sorts if s.field in names), order.hidden)
            result = ctx.run([*kept, *measures], level_order)
            level = output([*kept, *measures], result)
            drawn = drawn or level
            body.extend(_spread(level.rows, dimensions, kept, len(measures)))
    assert drawn is not None
    return Drawn((*drawn.columns, _grouping_column()), tuple(body))


def _ordering(
    config: Mapping[str, Any], fields: Sequence[WellField], ctx: VisualContext
) -> Ordering:
    """``FieldSortOptions``: each ``SortBy`` ``Field`` or ``Column`` (a ``DataPath``
    sort, by the values under one column header, is not supported)."""
    sort_config = config.get("SortConfiguration")
    options = sort_config.get("FieldSortOptions") if isinstance(sort_config, Mapping) else None
    where = "PivotTableVisual.ChartConfiguration.SortConfiguration.FieldSortOptions"
    converted: list[object] = []
    for index, item in enumerate(options if isinstance(options, list) else []):
        sort_by = item.get("SortBy") if isinstance(item, Mapping) else None
        if not isinstance(sort_by, Mapping):
            raise ValidationError(f"{where}.{index}", "SortBy is required")
        if "DataPath" in sort_by:
            raise UnsupportedError(f"{where}.{index}: a DataPath sort is not supported")
        if "Field" in sort_by:
            converted.append({"FieldSort": sort_by["Field"]})
        elif "Column" in sort_by:
            converted.append({"ColumnSort": sort_by["Column"]})
        else:
            raise ValidationError(f"{where}.{index}.SortBy", "Field or Column is required")
    dimensions = [f for f in fields if f.role is ColumnRole.DIMENSION]
    return with_defaults(
        ordering(converted, fields, ctx.scope, aggregated=True, where=where), dimensions
    )


def _levels(dimensions: Sequence[WellField], subtotals: object, total: object) -> list[int]:
    """How many leading ``dimensions`` each level keeps: all of them first, then the
    subtotal levels, then 0 for the total."""
    count = len(dimensions)
    levels = [count]
    if _visible(subtotals) and isinstance(subtotals, Mapping):
        level = subtotals.get("FieldLevel", "ALL")
        if level == "ALL":
            levels += list(range(count - 1, 0, -1))
        elif level == "LAST" and count > 1:
            levels.append(count - 1)
        elif level == "CUSTOM":
            ids = [f.field_id for f in dimensions]
            chosen = {
                o.get("FieldId")
                for o in subtotals.get("FieldLevelOptions") or []
                if isinstance(o, Mapping)
            }
            levels += [i + 1 for i in range(count - 2, -1, -1) if ids[i] in chosen]
    if _visible(total) and count:
        levels.append(0)
    return levels


def _visible(options: object) -> bool:
    return isinstance(options, Mapping) and options.get("TotalsVisibility") == "VISIBLE"


def _spread(
    rows: Sequence[tuple[Any, ...]],
    dimensions: Sequence[WellField],
    kept: Sequence[WellField],
    measures: int,
) -> list[tuple[Any, ...]]:
    """A level's rows in the full layout: NULL for each rolled-up dimension, then the
    measures, then the grouping bits."""
    kept_ids = [f.field_id for f in kept]
    positions = [kept_ids.index(d.field_id) if d.field_id in kept_ids else None for d in dimensions]
    bits = sum(
        1 << (len(dimensions) - 1 - i) for i, position in enumerate(positions) if position is None
    )
    spread = []
    for row in rows:
        cells = [None if p is None else row[p] for p in positions]
        spread.append((*cells, *row[len(kept) : len(kept) + measures], bits))
    return spread


def _grouping_column() -> VisualColumn:
    return VisualColumn(GROUPING, ColumnType.INTEGER, None, ColumnRole.GROUPING)
