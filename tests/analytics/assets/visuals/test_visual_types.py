"""Every supported visual type against hand-written SQL, on DuckDB and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sightgate.analytics.assets.visuals import ColumnRole, VisualState

from .conftest import Backend
from .support import (
    bar,
    category,
    col,
    date,
    definition,
    field_sort,
    normalized,
    number,
    unordered,
)


def _ready(
    backend: Backend, spec: dict[str, Any], visual_id: str, **kw: Any
) -> list[tuple[Any, ...]]:
    visual = backend.visual(spec, visual_id, **kw)
    assert visual.state is VisualState.READY, visual.error
    return normalized(visual.rows)


def test_bar_chart_sorted_by_a_measure(backend: Backend) -> None:
    spec = definition(
        bar(
            "bar",
            [category("region", "region")],
            [number("revenue", "revenue"), number("orders", "units", "COUNT")],
            sort={"CategorySort": [field_sort("revenue", "DESC")]},
        )
    )
    visual = backend.visual(spec, "bar")
    assert [c.name for c in visual.columns] == ["region", "revenue", "orders"]
    assert [c.role for c in visual.columns] == [
        ColumnRole.DIMENSION,
        ColumnRole.MEASURE,
        ColumnRole.MEASURE,
    ]
    assert normalized(visual.rows) == normalized(
        backend.reference(
            "SELECT region, SUM(revenue), COUNT(units) FROM {sales} GROUP BY region "
            "ORDER BY 2 DESC NULLS LAST"
        )
    )


def test_bar_chart_with_colors_keeps_the_top_categories(backend: Backend) -> None:
    spec = definition(
        bar(
            "bar",
            [category("region", "region")],
            [number("revenue", "revenue")],
            colors=[category("segment", "segment")],
            sort={
                "CategorySort": [field_sort("revenue", "DESC")],
                "CategoryItemsLimit": {"ItemsLimit": 2, "OtherCategories": "EXCLUDE"},
            },
        )
    )
    expected = backend.reference(
        "WITH top AS (SELECT region FROM {sales} GROUP BY region "
        "ORDER BY SUM(revenue) DESC NULLS LAST LIMIT 2) "
        "SELECT region, segment, SUM(revenue) FROM {sales} "
        "WHERE region IN (SELECT region FROM top) GROUP BY region, segment"
    )
    assert unordered(_ready(backend, spec, "bar")) == unordered(expected)


def test_bar_chart_items_limit_alone(backend: Backend) -> None:
    spec = definition(
        bar(
            "bar",
            [category("customer", "customer")],
            [number("revenue", "revenue", "MAX")],
            sort={
                "CategorySort": [field_sort("revenue", "ASC")],
                "CategoryItemsLimit": {"ItemsLimit": 3},
            },
        )
    )
    assert _ready(backend, spec, "bar") == normalized(
        backend.reference(
            "SELECT customer, MAX(revenue) FROM {sales} GROUP BY customer "
            "ORDER BY 2 ASC NULLS LAST LIMIT 3"
        )
    )


def test_line_chart_by_month(backend: Backend) -> None:
    spec = definition(
        bar(
            "line",
            [date("month", "order_date", "MONTH")],
            [number("avg", "revenue", "AVERAGE")],
            kind="LineChartVisual",
            wells="LineChartAggregatedFieldWells",
        )
    )
    assert _ready(backend, spec, "line") == normalized(
        backend.reference(
            "SELECT date_trunc('month', order_date), AVG(revenue) FROM {sales} "
            "GROUP BY 1 ORDER BY 1 NULLS LAST"
        )
    )


def test_line_chart_every_granularity(backend: Backend) -> None:
    for granularity, part in [
        ("YEAR", "year"),
        ("QUARTER", "quarter"),
        ("WEEK", None),
        ("DAY", "day"),
        ("HOUR", "hour"),
        ("MINUTE", "minute"),
        ("SECOND", "second"),
    ]:
        spec = definition(
            bar(
                "line",
                [date("t", "order_date", granularity)],
                [number("n", "units")],
                kind="LineChartVisual",
                wells="LineChartAggregatedFieldWells",
            )
        )
        # weeks start on Sunday: the day before the ISO (Monday) week of the next day
        truncated = (
            f"date_trunc('{part}', order_date)"
            if part
            else "date_trunc('week', order_date + INTERVAL '1 day') - INTERVAL '1 day'"
        )
        expected = backend.reference(
            f"SELECT {truncated}, SUM(units) FROM {{sales}} GROUP BY 1 ORDER BY 1 NULLS LAST"  # noqa: S608
        )
        assert _ready(backend, spec, "line") == normalized(expected), granularity


def test_pie_chart_distinct_count(backend: Backend) -> None:
    spec = definition(
        bar(
            "pie",
            [category("segment", "segment")],
            [
                {
                    "CategoricalMeasureField": {
                        "FieldId": "customers",
                        "Column": col("customer"),
                        "AggregationFunction": "DISTINCT_COUNT",
                    }
                }
            ],
            kind="PieChartVisual",
            wells="PieChartAggregatedFieldWells",
        )
    )
    assert _ready(backend, spec, "pie") == normalized(
        backend.reference(
            "SELECT segment, COUNT(DISTINCT customer) FROM {sales} GROUP BY 1 ORDER BY 1 NULLS LAST"
        )
    )


def test_combo_chart_bars_and_lines(backend: Backend) -> None:
    spec = {
        "ComboChartVisual": {
            "VisualId": "combo",
            "ChartConfiguration": {
                "FieldWells": {
                    "ComboChartAggregatedFieldWells": {
                        "Category": [category("region", "region")],
                        "BarValues": [number("revenue", "revenue")],
                        "LineValues": [number("most", "units", "MAX")],
                    }
                }
            },
        }
    }
    visual = backend.visual(definition(spec), "combo")
    assert [c.name for c in visual.columns] == ["region", "revenue", "most"]
    assert normalized(visual.rows) == normalized(
        backend.reference(
            "SELECT region, SUM(revenue), MAX(units) FROM {sales} GROUP BY 1 ORDER BY 1 NULLS LAST"
        )
    )


def _kpi(trend: bool) -> dict[str, Any]:
    wells: dict[str, Any] = {
        "Values": [number("revenue", "revenue")],
        "TargetValues": [number("target", "units", "MEDIAN")],
    }
    if trend:
        wells["TrendGroups"] = [date("year", "order_date", "YEAR")]
    return {"KPIVisual": {"VisualId": "kpi", "ChartConfiguration": {"FieldWells": wells}}}


def test_kpi_value_and_target(backend: Backend) -> None:
    assert _ready(backend, definition(_kpi(False)), "kpi") == normalized(
        backend.reference(
            "SELECT SUM(revenue), percentile_cont(0.5) WITHIN GROUP (ORDER BY units) FROM {sales}"
        )
    )


def test_kpi_trend_series(backend: Backend) -> None:
    assert _ready(backend, definition(_kpi(True)), "kpi") == normalized(
        backend.reference(
            "SELECT date_trunc('year', order_date), SUM(revenue), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY units) FROM {sales} "
            "GROUP BY 1 ORDER BY 1 NULLS LAST"
        )
    )


def _table(wells: dict[str, Any], sort: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"FieldWells": wells}
    if sort:
        config["SortConfiguration"] = sort
    return {"TableVisual": {"VisualId": "table", "ChartConfiguration": config}}


def test_aggregated_table_with_percentile_and_pages(backend: Backend) -> None:
    percentile = {
        "NumericalMeasureField": {
            "FieldId": "p90",
            "Column": col("revenue"),
            "AggregationFunction": {"PercentileAggregation": {"PercentileValue": 90}},
        }
    }
    wells = {
        "TableAggregatedFieldWells": {
            "GroupBy": [category("region", "region"), category("segment", "segment")],
            "Values": [number("min", "revenue", "MIN"), percentile],
        }
    }
    expected = backend.reference(
        "SELECT region, segment, MIN(revenue), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY revenue) FROM {sales} "
        "GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST"
    )
    assert _ready(backend, definition(_table(wells)), "table") == normalized(expected)
    paged = _table(wells, {"PaginationConfiguration": {"PageSize": 3, "PageNumber": 2}})
    assert _ready(backend, definition(paged), "table") == normalized(expected[3:6])


def test_unaggregated_table_sorted_by_a_column_it_does_not_show(backend: Backend) -> None:
    wells = {
        "TableUnaggregatedFieldWells": {
            "Values": [
                {"FieldId": "who", "Column": col("customer")},
                {"FieldId": "amount", "Column": col("revenue")},
            ]
        }
    }
    sort = {
        "RowSort": [
            {"ColumnSort": {"SortBy": col("order_date"), "Direction": "DESC"}},
        ]
    }
    visual = backend.visual(definition(_table(wells, sort)), "table")
    assert [c.name for c in visual.columns] == ["who", "amount"]
    assert normalized(visual.rows) == normalized(
        backend.reference(
            "SELECT customer, revenue FROM {sales} ORDER BY order_date DESC NULLS LAST"
        )
    )


def _pivot(totals: dict[str, Any] | None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "FieldWells": {
            "PivotTableAggregatedFieldWells": {
                "Rows": [category("region", "region"), category("customer", "customer")],
                "Columns": [category("segment", "segment")],
                "Values": [
                    number("revenue", "revenue"),
                    {
                        "CategoricalMeasureField": {
                            "FieldId": "n",
                            "Column": col("customer"),
                            "AggregationFunction": "DISTINCT_COUNT",
                        }
                    },
                ],
            }
        }
    }
    if totals:
        config["TotalOptions"] = totals
    return {"PivotTableVisual": {"VisualId": "pivot", "ChartConfiguration": config}}


PIVOT_REFERENCE = (
    "SELECT region, customer, segment, SUM(revenue), COUNT(DISTINCT customer), "
    "GROUPING(region, customer, segment) FROM {{sales}} GROUP BY GROUPING SETS ({sets})"
)


def test_pivot_table_without_totals(backend: Backend) -> None:
    visual = backend.visual(definition(_pivot(None)), "pivot")
    assert [c.name for c in visual.columns] == [
        "region",
        "customer",
        "segment",
        "revenue",
        "n",
        "GROUPING",
    ]
    assert unordered(visual.rows) == unordered(
        backend.reference(PIVOT_REFERENCE.format(sets="(region, customer, segment)"))
    )


def test_pivot_table_subtotals_and_totals(backend: Backend) -> None:
    visible = {"TotalsVisibility": "VISIBLE"}
    totals = {
        "RowSubtotalOptions": {**visible, "FieldLevel": "ALL"},
        "RowTotalOptions": visible,
        "ColumnTotalOptions": visible,
    }
    sets = (
        "(region, customer, segment), (region, customer), (region, segment), (region), "
        "(segment), ()"
    )
    visual = backend.visual(definition(_pivot(totals)), "pivot")
    assert visual.state is VisualState.READY
    assert unordered(visual.rows) == unordered(backend.reference(PIVOT_REFERENCE.format(sets=sets)))
    # detail rows come first
    assert visual.rows[0][-1] == 0


def test_calculated_fields_by_name(backend: Backend) -> None:
    calculated = [
        {"DataSetIdentifier": "sales", "Name": "net", "Expression": "{revenue} - units * 10"},
        {
            "DataSetIdentifier": "sales",
            "Name": "net share",
            "Expression": "sum(net) / sum({revenue})",
        },
        {
            "DataSetIdentifier": "sales",
            "Name": "tier",
            "Expression": "ifelse({net} > 50, 'big', 'small')",
        },
    ]
    spec = definition(
        bar(
            "bar",
            [category("tier", "tier")],
            [
                number("net", "net"),
                {"NumericalMeasureField": {"FieldId": "share", "Column": col("net share")}},
                {"CalculatedMeasureField": {"FieldId": "calc", "Expression": "max({net}) + 1"}},
            ],
        ),
        calculated=calculated,
    )
    net = "(revenue - units * 10)"
    expected = backend.reference(
        f"SELECT CASE WHEN {net} > 50 THEN 'big' ELSE 'small' END AS tier, SUM({net}), "  # noqa: S608
        f"SUM({net}) / NULLIF(SUM(revenue), 0), MAX({net}) + 1 FROM {{sales}} GROUP BY 1 ORDER BY 1"
    )
    assert _ready(backend, spec, "bar") == normalized(expected)
