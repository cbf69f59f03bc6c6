"""Every supported filter (and its scope, dataset rule, NullOption, parameter binding and
control selection) against hand-written SQL, on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sightgate.analytics.assets.visuals import VisualState

from .conftest import Backend
from .support import NOW, category, col, definition, filter_group, number, unordered

ROW = "customer, region, segment, revenue, units, order_date"


def raw_table(
    visual_id: str = "t", ds: str = "sales", names: tuple[str, ...] = ()
) -> dict[str, Any]:
    names = names or tuple(ROW.split(", "))
    values = [{"FieldId": name, "Column": col(name, ds)} for name in names]
    return {
        "TableVisual": {
            "VisualId": visual_id,
            "ChartConfiguration": {
                "FieldWells": {"TableUnaggregatedFieldWells": {"Values": values}}
            },
        }
    }


def _rows(backend: Backend, spec: dict[str, Any], visual_id: str = "t", **kw: Any) -> list[Any]:
    visual = backend.visual(spec, visual_id, **kw)
    assert visual.state in (VisualState.READY, VisualState.EMPTY), visual.error
    return unordered(visual.rows)


def _where(backend: Backend, condition: str, params: tuple[Any, ...] = ()) -> list[Any]:
    return unordered(backend.reference(f"SELECT {ROW} FROM {{sales}} WHERE {condition}", params))  # noqa: S608


def category_filter(
    configuration: dict[str, Any], column: str = "region", filter_id: str = "f"
) -> dict[str, Any]:
    return {
        "CategoryFilter": {
            "FilterId": filter_id,
            "Column": col(column),
            "Configuration": configuration,
        }
    }


CATEGORY_CASES = [
    ("EQUALS", ["EMEA", "US"], None, "region IN ('EMEA', 'US')"),
    ("EQUALS", ["EMEA"], "ALL_VALUES", "region = 'EMEA' OR region IS NULL"),
    ("EQUALS", [], "NULLS_ONLY", "region IS NULL"),
    ("DOES_NOT_EQUAL", ["EMEA", "US"], None, "region NOT IN ('EMEA', 'US')"),
    ("CONTAINS", ["M", "PA"], None, "strpos(region, 'M') > 0 OR strpos(region, 'PA') > 0"),
    ("DOES_NOT_CONTAIN", ["M"], "ALL_VALUES", "NOT strpos(region, 'M') > 0 OR region IS NULL"),
    ("STARTS_WITH", ["E", "L"], None, "starts_with(region, 'E') OR starts_with(region, 'L')"),
    ("ENDS_WITH", ["S", "C"], None, "right(region, 1) IN ('S', 'C')"),
]


@pytest.mark.parametrize(("operator", "values", "nulls", "condition"), CATEGORY_CASES)
def test_category_filter_list(
    backend: Backend, operator: str, values: list[str], nulls: str | None, condition: str
) -> None:
    configuration: dict[str, Any] = {"MatchOperator": operator, "CategoryValues": values}
    if nulls:
        configuration["NullOption"] = nulls
    for member in ("FilterListConfiguration", "CustomFilterListConfiguration"):
        spec = definition(
            raw_table(), filter_groups=[filter_group(category_filter({member: configuration}))]
        )
        assert _rows(backend, spec) == _where(backend, condition), member


def test_category_filter_select_all_keeps_nulls_only_when_asked(backend: Backend) -> None:
    everything = {
        "MatchOperator": "EQUALS",
        "SelectAllOptions": "FILTER_ALL_VALUES",
        "NullOption": "ALL_VALUES",
    }
    spec = definition(
        raw_table(),
        filter_groups=[filter_group(category_filter({"FilterListConfiguration": everything}))],
    )
    assert _rows(backend, spec) == _where(backend, "TRUE")


PARAMETERS = [
    {
        "StringParameterDeclaration": {
            "Name": "pSegment",
            "ParameterValueType": "SINGLE_VALUED",
            "DefaultValues": {"StaticValues": ["Enterprise"]},
            "ValueWhenUnset": {"ValueWhenUnsetOption": "NULL"},
        }
    },
    {
        "StringParameterDeclaration": {
            "Name": "pRegions",
            "ParameterValueType": "MULTI_VALUED",
            "DefaultValues": {"StaticValues": ["US", "APAC"]},
        }
    },
    {
        "IntegerParameterDeclaration": {
            "Name": "pUnits",
            "ParameterValueType": "SINGLE_VALUED",
            "DefaultValues": {"StaticValues": [3]},
        }
    },
    {
        "DateTimeParameterDeclaration": {
            "Name": "pFrom",
            "DefaultValues": {"StaticValues": [1714521600]},
        }
    },
]
"""pFrom's default is 2024-05-01T00:00:00Z in epoch seconds, as boto3 sends timestamps."""


def _custom(parameter: str, column: str, operator: str = "EQUALS") -> dict[str, Any]:
    return category_filter(
        {
            "CustomFilterConfiguration": {
                "MatchOperator": operator,
                "ParameterName": parameter,
                "NullOption": "NON_NULLS_ONLY",
            }
        },
        column,
        filter_id=f"f-{parameter}",
    )


def test_custom_filter_bound_to_a_parameter(backend: Backend) -> None:
    spec = definition(
        raw_table(),
        parameters=PARAMETERS,
        filter_groups=[filter_group(_custom("pSegment", "segment"))],
    )
    assert _rows(backend, spec) == _where(backend, "segment = 'Enterprise'")
    given = _rows(backend, spec, parameters={"pSegment": "SMB"})
    assert given == _where(backend, "segment = 'SMB'")
    # cleared: ValueWhenUnset NULL, so the filter keeps every value (but NULLs)
    assert _rows(backend, spec, parameters={"pSegment": None}) == _where(
        backend, "segment IS NOT NULL"
    )


def test_custom_filter_with_a_multi_valued_parameter(backend: Backend) -> None:
    spec = definition(
        raw_table(),
        parameters=PARAMETERS,
        filter_groups=[filter_group(_custom("pRegions", "region"))],
    )
    assert _rows(backend, spec) == _where(backend, "region IN ('US', 'APAC')")
    chosen = _rows(backend, spec, parameters={"pRegions": ["EMEA", "LATAM"]})
    assert chosen == _where(backend, "region IN ('EMEA', 'LATAM')")


def test_custom_filter_with_a_static_value(backend: Backend) -> None:
    custom = {
        "CustomFilterConfiguration": {
            "MatchOperator": "STARTS_WITH",
            "CategoryValue": "b",
            "NullOption": "NON_NULLS_ONLY",
        }
    }
    spec = definition(
        raw_table(), filter_groups=[filter_group(category_filter(custom, "customer"))]
    )
    assert _rows(backend, spec) == _where(backend, "starts_with(customer, 'b')")


def test_filter_control_selection_overrides_the_values(backend: Backend) -> None:
    listed = category_filter(
        {"FilterListConfiguration": {"MatchOperator": "EQUALS", "CategoryValues": ["EMEA"]}}
    )
    control = {
        "Dropdown": {"FilterControlId": "fc-region", "SourceFilterId": "f", "Title": "Region"}
    }
    spec = definition(raw_table(), filter_groups=[filter_group(listed)], filter_controls=[control])
    assert _rows(backend, spec, selections={"fc-region": ["US"]}) == _where(
        backend, "region = 'US'"
    )
    assert _rows(backend, spec, selections={"f": ["APAC", "LATAM"]}) == _where(
        backend, "region IN ('APAC', 'LATAM')"
    )
    assert _rows(backend, spec, selections={"fc-region": []}) == _where(
        backend, "region IS NOT NULL"
    )


def _numeric_range(**body: Any) -> dict[str, Any]:
    return {
        "NumericRangeFilter": {
            "FilterId": "n",
            "Column": col("revenue"),
            "NullOption": "NON_NULLS_ONLY",
            **body,
        }
    }


def test_numeric_range_filter(backend: Backend) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {
                "RangeMinimum": {"StaticValue": 50},
                "RangeMaximum": {"StaticValue": 300},
                "IncludeMinimum": True,
                "IncludeMaximum": False,
            },
            "revenue >= 50 AND revenue < 300",
        ),
        ({"RangeMinimum": {"StaticValue": 60}, "IncludeMinimum": False}, "revenue > 60"),
        (
            {"RangeMaximum": {"Parameter": "pUnits"}, "NullOption": "ALL_VALUES"},
            "revenue <= 3 OR revenue IS NULL",
        ),
        ({"SelectAllOptions": "FILTER_ALL_VALUES", "NullOption": "NULLS_ONLY"}, "revenue IS NULL"),
    ]
    for body, condition in cases:
        spec = definition(
            raw_table(), parameters=PARAMETERS, filter_groups=[filter_group(_numeric_range(**body))]
        )
        assert _rows(backend, spec) == _where(backend, condition), condition


def test_numeric_range_filter_on_an_aggregate_filters_groups(backend: Backend) -> None:
    table = {
        "TableVisual": {
            "VisualId": "t",
            "ChartConfiguration": {
                "FieldWells": {
                    "TableAggregatedFieldWells": {
                        "GroupBy": [category("customer", "customer")],
                        "Values": [number("revenue", "revenue")],
                    }
                }
            },
        }
    }
    aggregated = _numeric_range(
        RangeMinimum={"StaticValue": 100},
        AggregationFunction={"NumericalAggregationFunction": {"SimpleNumericalAggregation": "SUM"}},
    )
    spec = definition(table, filter_groups=[filter_group(aggregated)])
    assert _rows(backend, spec) == unordered(
        backend.reference(
            "SELECT customer, SUM(revenue) FROM {sales} GROUP BY customer "
            "HAVING SUM(revenue) >= 100"
        )
    )


def test_numeric_equality_filter(backend: Backend) -> None:
    for operator, condition in [("EQUALS", "units = 1"), ("DOES_NOT_EQUAL", "units <> 1")]:
        equality = {
            "NumericEqualityFilter": {
                "FilterId": "e",
                "Column": col("units"),
                "Value": 1,
                "MatchOperator": operator,
                "NullOption": "NON_NULLS_ONLY",
            }
        }
        spec = definition(raw_table(), filter_groups=[filter_group(equality)])
        assert _rows(backend, spec) == _where(backend, condition)
    bound = {
        "NumericEqualityFilter": {
            "FilterId": "e",
            "Column": col("units"),
            "ParameterName": "pUnits",
            "MatchOperator": "EQUALS",
            "NullOption": "ALL_VALUES",
        }
    }
    spec = definition(raw_table(), parameters=PARAMETERS, filter_groups=[filter_group(bound)])
    assert _rows(backend, spec) == _where(backend, "units = 3 OR units IS NULL")
    assert _rows(backend, spec, parameters={"pUnits": "7"}) == _where(
        backend, "units = 7 OR units IS NULL"
    )


def test_time_range_filter(backend: Backend) -> None:
    may = datetime(2024, 5, 1)
    ranged = {
        "TimeRangeFilter": {
            "FilterId": "r",
            "Column": col("order_date"),
            "RangeMinimumValue": {"Parameter": "pFrom"},
            "RangeMaximumValue": {"StaticValue": "2024-06-02T10:00:00Z"},
            "IncludeMinimum": True,
            "IncludeMaximum": True,
            "TimeGranularity": "DAY",
            "NullOption": "NON_NULLS_ONLY",
        }
    }
    spec = definition(raw_table(), parameters=PARAMETERS, filter_groups=[filter_group(ranged)])
    assert _rows(backend, spec) == _where(
        backend, "date_trunc('day', order_date) BETWEEN ? AND ?", (may, datetime(2024, 6, 2))
    )
    rolling = {
        "TimeRangeFilter": {
            "FilterId": "r",
            "Column": col("order_date"),
            "RangeMinimumValue": {
                "RollingDate": {"Expression": "addDateTime(-1, 'YYYY', truncDate('YYYY', now()))"}
            },
            "IncludeMinimum": False,
            "NullOption": "ALL_VALUES",
        }
    }
    spec = definition(raw_table(), filter_groups=[filter_group(rolling)])
    last_year = datetime(datetime.now(UTC).year - 1, 1, 1)
    assert _rows(backend, spec) == _where(
        backend, "order_date > ? OR order_date IS NULL", (last_year,)
    )


def test_time_equality_filter(backend: Backend) -> None:
    equal = {
        "TimeEqualityFilter": {
            "FilterId": "q",
            "Column": col("order_date"),
            "Value": 1717000000,
            "TimeGranularity": "MONTH",
        }
    }
    spec = definition(raw_table(), filter_groups=[filter_group(equal)])
    assert _rows(backend, spec) == _where(
        backend, "date_trunc('month', order_date) = ?", (datetime(2024, 5, 1),)
    )
    exact = {
        "TimeEqualityFilter": {
            "FilterId": "q",
            "Column": col("order_date"),
            "ParameterName": "pFrom",
        }
    }
    spec = definition(raw_table(), parameters=PARAMETERS, filter_groups=[filter_group(exact)])
    assert _rows(backend, spec) == _where(backend, "order_date = ?", (datetime(2024, 5, 1),))


RELATIVE_CASES = [
    ("PREVIOUS", "MONTH", 1, None, datetime(2024, 5, 1), datetime(2024, 6, 1), "<"),
    ("PREVIOUS", "QUARTER", 2, None, datetime(2023, 10, 1), datetime(2024, 4, 1), "<"),
    ("THIS", "YEAR", None, None, datetime(2024, 1, 1), datetime(2025, 1, 1), "<"),
    ("LAST", "DAY", 30, None, datetime(2024, 5, 16, 12), NOW, "<="),
    ("LAST", "WEEK", 2, "DAY", datetime(2024, 6, 2), datetime(2024, 6, 16), "<"),
    ("NOW", "MONTH", None, None, datetime(2024, 6, 1), NOW, "<="),
    ("NEXT", "DAY", 3, None, datetime(2024, 6, 16), datetime(2024, 6, 19), "<"),
]


@pytest.mark.parametrize(
    ("kind", "granularity", "amount", "minimum", "low", "high", "below"), RELATIVE_CASES
)
def test_relative_dates_filter(
    backend: Backend,
    kind: str,
    granularity: str,
    amount: int | None,
    minimum: str | None,
    low: datetime,
    high: datetime,
    below: str,
) -> None:
    body: dict[str, Any] = {
        "FilterId": "rel",
        "Column": col("order_date"),
        "AnchorDateConfiguration": {"AnchorOption": "NOW"},
        "TimeGranularity": granularity,
        "RelativeDateType": kind,
        "NullOption": "NON_NULLS_ONLY",
    }
    if amount is not None:
        body["RelativeDateValue"] = amount
    if minimum:
        body["MinimumGranularity"] = minimum
    spec = definition(raw_table(), filter_groups=[filter_group({"RelativeDatesFilter": body})])
    assert _rows(backend, spec) == _where(
        backend, f"order_date >= ? AND order_date {below} ?", (low, high)
    )


def test_relative_dates_filter_anchored_on_a_parameter(backend: Backend) -> None:
    body = {
        "FilterId": "rel",
        "Column": col("order_date"),
        "AnchorDateConfiguration": {"ParameterName": "pFrom"},
        "TimeGranularity": "MONTH",
        "RelativeDateType": "PREVIOUS",
        "RelativeDateValue": 6,
        "NullOption": "NON_NULLS_ONLY",
    }
    spec = definition(
        raw_table(),
        parameters=PARAMETERS,
        filter_groups=[filter_group({"RelativeDatesFilter": body})],
    )
    assert _rows(backend, spec) == _where(
        backend, "order_date >= ? AND order_date < ?", (datetime(2023, 11, 1), datetime(2024, 5, 1))
    )


def test_top_bottom_filter(backend: Backend) -> None:
    for direction, limit in [("DESC", 2), ("ASC", 3)]:
        top = {
            "TopBottomFilter": {
                "FilterId": "top",
                "Column": col("customer"),
                "Limit": limit,
                "AggregationSortConfigurations": [
                    {
                        "Column": col("revenue"),
                        "SortDirection": direction,
                        "AggregationFunction": {
                            "NumericalAggregationFunction": {"SimpleNumericalAggregation": "SUM"}
                        },
                    }
                ],
            }
        }
        spec = definition(raw_table(), filter_groups=[filter_group(top)])
        expected = backend.reference(
            f"SELECT {ROW} FROM {{sales}} WHERE customer IN (SELECT customer FROM {{sales}} "  # noqa: S608
            f"GROUP BY customer ORDER BY SUM(revenue) {direction} NULLS LAST LIMIT {limit})"
        )
        assert _rows(backend, spec) == unordered(expected), direction


def test_top_bottom_filter_after_the_other_filters(backend: Backend) -> None:
    top = {
        "TopBottomFilter": {
            "FilterId": "top",
            "Column": col("customer"),
            "Limit": 1,
            "AggregationSortConfigurations": [{"Column": col("revenue"), "SortDirection": "DESC"}],
        }
    }
    us = category_filter(
        {"FilterListConfiguration": {"MatchOperator": "EQUALS", "CategoryValues": ["US"]}}
    )
    spec = definition(raw_table(), filter_groups=[filter_group(top, us)])
    assert _rows(backend, spec) == _where(backend, "customer = 'bolt' AND region = 'US'")


def _emea(**group: Any) -> dict[str, Any]:
    listed = category_filter(
        {"FilterListConfiguration": {"MatchOperator": "EQUALS", "CategoryValues": ["EMEA"]}}
    )
    return filter_group(listed, **group)


def test_scope_selected_sheets_and_visuals(backend: Backend) -> None:
    only_a = {
        "SelectedSheets": {
            "SheetVisualScopingConfigurations": [
                {"SheetId": "s1", "Scope": "SELECTED_VISUALS", "VisualIds": ["a"]}
            ]
        }
    }
    spec = definition(raw_table("a"), raw_table("b"), filter_groups=[_emea(scope=only_a)])
    emea, everything = _where(backend, "region = 'EMEA'"), _where(backend, "TRUE")
    assert _rows(backend, spec, "a") == emea
    assert _rows(backend, spec, "b") == everything
    assert _rows(backend, spec, "a", sheet_id="s2") == everything
    whole_sheet = {
        "SelectedSheets": {
            "SheetVisualScopingConfigurations": [{"SheetId": "s2", "Scope": "ALL_VISUALS"}]
        }
    }
    spec = definition(raw_table("a"), raw_table("b"), filter_groups=[_emea(scope=whole_sheet)])
    assert _rows(backend, spec, "b") == everything
    assert _rows(backend, spec, "b", sheet_id="s2") == emea


def test_disabled_filter_group(backend: Backend) -> None:
    spec = definition(raw_table(), filter_groups=[_emea(status="DISABLED")])
    assert _rows(backend, spec) == _where(backend, "TRUE")


def test_cross_dataset_filters(backend: Backend) -> None:
    stores = raw_table("stores", "stores", ("region", "manager"))
    single = definition(raw_table(), stores, filter_groups=[_emea()], stores=True)
    all_stores = unordered(backend.reference("SELECT region, manager FROM {stores}"))
    assert _rows(backend, single, "stores") == all_stores
    assert _rows(backend, single) == _where(backend, "region = 'EMEA'")
    across = definition(
        raw_table(), stores, filter_groups=[_emea(cross="ALL_DATASETS")], stores=True
    )
    assert _rows(backend, across, "stores") == unordered(
        backend.reference("SELECT region, manager FROM {stores} WHERE region = 'EMEA'")
    )
    # a dataset without the column is left alone
    units = {
        "NumericEqualityFilter": {
            "FilterId": "e",
            "Column": col("units"),
            "Value": 1,
            "MatchOperator": "EQUALS",
            "NullOption": "NON_NULLS_ONLY",
        }
    }
    spec = definition(
        raw_table(), stores, filter_groups=[filter_group(units, cross="ALL_DATASETS")], stores=True
    )
    assert _rows(backend, spec, "stores") == all_stores
