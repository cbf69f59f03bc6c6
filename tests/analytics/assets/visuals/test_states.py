"""What a visual answers besides rows: unsupported and broken visuals beside working ones,
parameters, formats and titles, and row and column security through the engine (SPICE)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sightgate.analytics.assets.visuals import VisualDataService, VisualState
from sightgate.analytics.data.model import (
    ColumnLevelPermissionRule,
    PermissionPolicy,
    RowLevelPermissionDataSet,
)
from sightgate.platform.errors import NotFoundError, ValidationError
from tests.analytics.data.query.support import (
    Catalog,
    columns,
    service,
    spice_data_set,
    user,
    user_arn,
)
from tests.analytics.data.query.support import S as STRING

from .conftest import Backend
from .support import (
    NOW,
    SALES,
    SALES_ROWS,
    bar,
    category,
    col,
    definition,
    filter_group,
    normalized,
    number,
)

REVENUE_BY_REGION = bar("bar", [category("region", "region")], [number("revenue", "revenue")])


def _one(spice: Backend, *visuals: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        v.visual_id: v
        for v in spice.sheet(definition(*visuals, **kw.pop("spec", {})), **kw).visuals
    }


def test_an_unsupported_visual_type_beside_a_working_one(spice: Backend) -> None:
    scatter = {
        "ScatterPlotVisual": {
            "VisualId": "scatter",
            "Title": {"FormatText": {"PlainText": "Spread"}},
        }
    }
    found = _one(spice, scatter, REVENUE_BY_REGION)
    assert found["scatter"].state is VisualState.UNSUPPORTED
    assert found["scatter"].error == "visual type ScatterPlotVisual is not supported"
    assert found["scatter"].title == "Spread"
    assert found["bar"].state is VisualState.READY


def test_a_calculated_field_with_an_unsupported_function(spice: Backend) -> None:
    calculated = [
        {"DataSetIdentifier": "sales", "Name": "spread", "Expression": "stdev({revenue})"}
    ]
    visual = bar("calc", [category("region", "region")], [number("s", "spread")])
    found = _one(spice, visual, REVENUE_BY_REGION, spec={"calculated": calculated})
    assert found["calc"].state is VisualState.UNSUPPORTED
    assert found["calc"].error is not None
    assert "CalculatedFields.spread" in found["calc"].error
    assert "unsupported function 'stdev'" in found["calc"].error
    assert found["bar"].state is VisualState.READY


def test_an_unsupported_aggregation(spice: Backend) -> None:
    visual = bar("bar", [category("region", "region")], [number("v", "revenue", "VAR")])
    (found,) = spice.sheet(definition(visual)).visuals
    assert found.state is VisualState.UNSUPPORTED
    assert found.error is not None and "aggregation VAR is not supported" in found.error


@pytest.mark.parametrize(
    ("visual", "message"),
    [
        (
            bar("bar", [category("r", "nowhere")], [number("v", "revenue")]),
            "column 'nowhere' is not in dataset 'sales'",
        ),
        (
            bar("bar", [category("r", "region", ds="ghost")], [number("v", "revenue")]),
            "dataset identifier 'ghost' is not declared",
        ),
        (
            bar(
                "bar",
                [category("r", "region")],
                [number("v", "revenue")],
                sort={"CategorySort": [{"FieldSort": {"FieldId": "gone", "Direction": "ASC"}}]},
            ),
            "no field 'gone' in the visual",
        ),
        (
            bar(
                "bar",
                [category("r", "region")],
                [{"CalculatedMeasureField": {"FieldId": "c", "Expression": "sum({nope})"}}],
            ),
            "unknown column 'nope'",
        ),
    ],
)
def test_dangling_references_are_errors_naming_what_is_missing(
    spice: Backend, visual: dict[str, Any], message: str
) -> None:
    found = _one(
        spice,
        visual,
        REVENUE_BY_REGION
        | {"BarChartVisual": {**REVENUE_BY_REGION["BarChartVisual"], "VisualId": "ok"}},
    )
    assert found["bar"].state is VisualState.ERROR
    assert found["bar"].error is not None and message in found["bar"].error
    assert found["ok"].state is VisualState.READY


def test_a_filter_on_a_missing_column_breaks_the_visuals_it_applies_to(spice: Backend) -> None:
    broken = {
        "CategoryFilter": {
            "FilterId": "f",
            "Column": col("nowhere"),
            "Configuration": {
                "FilterListConfiguration": {"MatchOperator": "EQUALS", "CategoryValues": ["x"]}
            },
        }
    }
    only_bar = {
        "SelectedSheets": {
            "SheetVisualScopingConfigurations": [
                {"SheetId": "s1", "Scope": "SELECTED_VISUALS", "VisualIds": ["bar"]}
            ]
        }
    }
    other = bar("other", [category("segment", "segment")], [number("revenue", "revenue")])
    found = _one(
        spice,
        REVENUE_BY_REGION,
        other,
        spec={"filter_groups": [filter_group(broken, scope=only_bar)]},
    )
    assert found["bar"].state is VisualState.ERROR
    assert found["bar"].error is not None and "'nowhere'" in found["bar"].error
    assert found["other"].state is VisualState.READY


def test_unsupported_filters_and_dynamic_defaults(spice: Backend) -> None:
    nested = {
        "NestedFilter": {
            "FilterId": "n",
            "Column": col("region"),
            "IncludeInnerSet": True,
            "InnerFilter": {},
        }
    }
    (found,) = spice.sheet(
        definition(REVENUE_BY_REGION, filter_groups=[filter_group(nested)])
    ).visuals
    assert (found.state, found.error) == (
        VisualState.UNSUPPORTED,
        "FilterGroups.0.Filters.0: NestedFilter is not supported",
    )
    dynamic = {
        "StringParameterDeclaration": {
            "Name": "pMine",
            "ParameterValueType": "SINGLE_VALUED",
            "DefaultValues": {"DynamicValue": {"DefaultValueColumn": col("region")}},
        }
    }
    bound = {
        "CategoryFilter": {
            "FilterId": "f",
            "Column": col("region"),
            "Configuration": {
                "CustomFilterConfiguration": {
                    "MatchOperator": "EQUALS",
                    "ParameterName": "pMine",
                    "NullOption": "NON_NULLS_ONLY",
                }
            },
        }
    }
    spec = definition(REVENUE_BY_REGION, parameters=[dynamic], filter_groups=[filter_group(bound)])
    (found,) = spice.sheet(spec).visuals
    assert found.state is VisualState.UNSUPPORTED
    assert found.error == "parameter 'pMine': a DynamicValue default is not supported"
    # a value given for it is used
    (found,) = spice.sheet(spec, parameters={"pMine": "US"}).visuals
    assert normalized(found.rows) == [("US", 370.0)]


def test_empty_visuals(spice: Backend) -> None:
    nothing = {
        "CategoryFilter": {
            "FilterId": "f",
            "Column": col("region"),
            "Configuration": {
                "FilterListConfiguration": {"MatchOperator": "EQUALS", "CategoryValues": ["MARS"]}
            },
        }
    }
    kpi = {
        "KPIVisual": {
            "VisualId": "kpi",
            "ChartConfiguration": {"FieldWells": {"Values": [number("v", "revenue")]}},
        }
    }
    found = _one(spice, REVENUE_BY_REGION, kpi, spec={"filter_groups": [filter_group(nothing)]})
    assert found["bar"].state is VisualState.EMPTY
    assert found["kpi"].state is VisualState.EMPTY


def test_parameters_in_calculated_fields(spice: Backend) -> None:
    declarations = [
        {
            "DecimalParameterDeclaration": {
                "Name": "pRate",
                "ParameterValueType": "SINGLE_VALUED",
                "DefaultValues": {"StaticValues": [2.0]},
                "ValueWhenUnset": {"CustomValue": 10.0},
            }
        },
    ]
    calculated = [
        {"DataSetIdentifier": "sales", "Name": "scaled", "Expression": "{revenue} * ${pRate}"}
    ]
    kpi = {
        "KPIVisual": {
            "VisualId": "kpi",
            "ChartConfiguration": {"FieldWells": {"Values": [number("v", "scaled")]}},
        }
    }
    spec = definition(kpi, parameters=declarations, calculated=calculated)
    total = sum(r[3] for r in SALES_ROWS if isinstance(r[3], float))
    assert normalized(spice.sheet(spec).visuals[0].rows) == [(round(total * 2, 6),)]
    assert normalized(spice.sheet(spec, parameters={"pRate": "0.5"}).visuals[0].rows) == [
        (round(total / 2, 6),)
    ]
    assert normalized(spice.sheet(spec, parameters={"pRate": None}).visuals[0].rows) == [
        (round(total * 10, 6),)
    ]


def test_bad_parameters_and_selections_fail_the_call(spice: Backend) -> None:
    declarations = [
        {"IntegerParameterDeclaration": {"Name": "pN", "ParameterValueType": "SINGLE_VALUED"}}
    ]
    spec = definition(REVENUE_BY_REGION, parameters=declarations)
    with pytest.raises(ValidationError, match="no parameter 'pOther' is declared"):
        spice.sheet(spec, parameters={"pOther": "1"})
    with pytest.raises(ValidationError, match=r"Parameters\.pN"):
        spice.sheet(spec, parameters={"pN": "many"})
    with pytest.raises(ValidationError, match="no filter control or filter 'fc-x'"):
        spice.sheet(spec, selections={"fc-x": ["a"]})
    with pytest.raises(NotFoundError):
        spice.sheet(spec, sheet_id="s9")


def test_formats_titles_and_the_sheet(spice: Backend) -> None:
    money = {
        "NumberFormatConfiguration": {
            "FormatConfiguration": {"CurrencyDisplayFormatConfiguration": {"Symbol": "EUR"}}
        }
    }
    upper = {
        "StringFormatConfiguration": {"NullValueFormatConfiguration": {"NullString": "(none)"}}
    }
    visual = bar(
        "bar",
        [category("region", "region")],
        [number("revenue", "revenue", FormatConfiguration=money)],
    )
    visual["BarChartVisual"]["Title"] = {
        "Visibility": "VISIBLE",
        "FormatText": {"PlainText": "Revenue"},
    }
    visual["BarChartVisual"]["Subtitle"] = {
        "Visibility": "HIDDEN",
        "FormatText": {"PlainText": "hidden"},
    }
    configurations = [{"Column": col("region"), "FormatConfiguration": upper}]
    sheet = spice.sheet(definition(visual, column_configurations=configurations))
    assert (sheet.sheet_id, sheet.name) == ("s1", "Overview")
    (found,) = sheet.visuals
    assert (found.title, found.subtitle) == ("Revenue", None)
    assert [c.format for c in found.columns] == [upper, money]
    assert spice.sheet(definition(visual), sheet_id="s2").sheet_id == "s2"


def test_row_and_column_security_hold_in_every_visual(tmp_path: Path) -> None:
    rules = spice_data_set(
        tmp_path,
        "rules",
        columns(UserName=STRING, GroupName=STRING, region=STRING),
        [("admin", None, None), (None, "us-grp", "US")],
    )
    sales = spice_data_set(
        tmp_path,
        "sales",
        SALES,
        SALES_ROWS,
        row_level_permission_data_set=RowLevelPermissionDataSet(
            rules.arn, PermissionPolicy.GRANT_ACCESS
        ),
        column_level_permission_rules=(
            ColumnLevelPermissionRule((user_arn("admin"),), ("revenue",)),
        ),
    )
    catalog = Catalog()
    catalog.add(rules, sales)
    visuals = VisualDataService(service(catalog), now=lambda: NOW)
    units = bar("units", [category("region", "region")], [number("units", "units")])
    spec = definition(REVENUE_BY_REGION, units)
    admin = {v.visual_id: v for v in visuals.sheet(user("admin"), spec, {"sales": sales}).visuals}
    assert len(admin["units"].rows) == 5
    assert admin["bar"].state is VisualState.READY
    member = {
        v.visual_id: v for v in visuals.sheet(user("u", "us-grp"), spec, {"sales": sales}).visuals
    }
    assert normalized(member["units"].rows) == [("US", 15)]
    # revenue is hidden from the member: the same error as a column that does not exist
    assert member["bar"].state is VisualState.ERROR
    missing = bar("bar", [category("region", "region")], [number("revenue", "nowhere")])
    (gone,) = visuals.sheet(user("u", "us-grp"), definition(missing), {"sales": sales}).visuals
    assert member["bar"].error == (gone.error or "").replace("nowhere", "revenue")
    nobody = visuals.sheet(user("stranger"), spec, {"sales": sales}).visuals
    assert [v.state for v in nobody] == [VisualState.ERROR, VisualState.EMPTY]
    (unready,) = visuals.sheet(
        user("admin"), definition(units), {"sales": replace(sales, spice_version=None)}
    ).visuals
    assert unready.state is VisualState.ERROR and "no SPICE data yet" in (unready.error or "")


def test_a_sheet_reads_its_rules_dataset_once_for_all_its_visuals(tmp_path: Path) -> None:
    rules = spice_data_set(
        tmp_path, "rules", columns(GroupName=STRING, region=STRING), [("us-grp", "US")]
    )
    sales = spice_data_set(
        tmp_path,
        "sales",
        SALES,
        SALES_ROWS,
        row_level_permission_data_set=RowLevelPermissionDataSet(
            rules.arn, PermissionPolicy.GRANT_ACCESS
        ),
    )
    catalog = Catalog()
    catalog.add(rules, sales)
    reads: list[str] = []
    looked_up = catalog.by_arn

    def by_arn(account_id: str, arn: str) -> Any:
        reads.append(arn)
        return looked_up(account_id, arn)

    catalog.by_arn = by_arn  # type: ignore[method-assign]
    visuals = VisualDataService(service(catalog), now=lambda: NOW)
    units = bar("units", [category("region", "region")], [number("units", "units")])
    spec = definition(REVENUE_BY_REGION, units)
    sheet = visuals.sheet(user("u", "us-grp"), spec, {"sales": sales})
    assert [normalized(v.rows) for v in sheet.visuals][1] == [("US", 15)]
    assert reads == [rules.arn]
    visuals.sheet(user("u", "us-grp"), spec, {"sales": sales})
    assert reads == [rules.arn, rules.arn]  # the next sheet reads it again
