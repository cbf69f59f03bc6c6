"""The definition checks, pure: a large definition passes as it is, every kind of
dangling reference is found at its JSON path, STRICT raises the first, LENIENT reports
them all, and calculated fields compile in dependency order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sightgate.analytics.assets.definitions import (
    Strategy,
    check_declared,
    check_template,
    json_document,
    parse_strategy,
)
from sightgate.analytics.data.model import ColumnType
from sightgate.platform.errors import ValidationError
from tests.analytics.assets.dashboards.samples import large, small, with_value, without

SALES = "arn:aws:quicksight:eu-west-1:111122223333:dataset/sales"
CUSTOMERS = "arn:aws:quicksight:eu-west-1:111122223333:dataset/customers"
COLUMNS = {
    SALES: {
        "region": ColumnType.STRING,
        "segment": ColumnType.STRING,
        "revenue": ColumnType.DECIMAL,
        "units": ColumnType.INTEGER,
        "order_date": ColumnType.DATETIME,
    },
    CUSTOMERS: {"name": ColumnType.STRING},
}
BAR = ("Sheets", 0, "Visuals", 0, "BarChartVisual")
BAR_CATEGORY = (
    *BAR,
    "ChartConfiguration",
    "FieldWells",
    "BarChartAggregatedFieldWells",
    "Category",
    0,
    "CategoricalDimensionField",
)


def lenient(definition: Any) -> list[tuple[str, str, str]]:
    checked = check_declared(definition, COLUMNS.get, Strategy.LENIENT)
    return [(e["Type"], e["ViolatedEntities"][0]["Path"], e["Message"]) for e in checked.errors]


def test_a_large_definition_passes_and_is_kept_as_given() -> None:
    definition = large(SALES, CUSTOMERS)
    checked = check_declared(definition, COLUMNS.get, Strategy.STRICT)
    assert checked.errors == []
    assert checked.definition == definition
    assert checked.data_set_arns == [SALES, CUSTOMERS]
    assert checked.sheets == [
        {"SheetId": "overview", "Name": "Overview"},
        {"SheetId": "details", "Name": "Details"},
    ]


@pytest.mark.parametrize(
    ("path", "value", "expected_type", "expected_path", "words"),
    [
        (
            (*BAR_CATEGORY, "Column", "ColumnName"),
            "nope",
            "COLUMN_REPLACEMENT_MISSING",
            "Definition.Sheets[0].Visuals[0].BarChartVisual.ChartConfiguration.FieldWells"
            ".BarChartAggregatedFieldWells.Category[0].CategoricalDimensionField.Column.ColumnName",
            "no column 'nope'",
        ),
        (
            (*BAR_CATEGORY, "Column", "DataSetIdentifier"),
            "ghost",
            "DATA_SET_NOT_FOUND",
            "Definition.Sheets[0].Visuals[0].BarChartVisual.ChartConfiguration.FieldWells"
            ".BarChartAggregatedFieldWells.Category[0].CategoricalDimensionField.Column"
            ".DataSetIdentifier",
            "no dataset is declared as 'ghost'",
        ),
        (
            ("Sheets", 0, "FilterControls", 0, "Dropdown", "SourceFilterId"),
            "f_gone",
            "SOURCE_NOT_FOUND",
            "Definition.Sheets[0].FilterControls[0].Dropdown.SourceFilterId",
            "no filter has FilterId 'f_gone'",
        ),
        (
            ("Sheets", 0, "ParameterControls", 0, "Dropdown", "SourceParameterName"),
            "pGone",
            "PARAMETER_NOT_FOUND",
            "Definition.Sheets[0].ParameterControls[0].Dropdown.SourceParameterName",
            "no parameter 'pGone'",
        ),
        (
            (
                "FilterGroups",
                2,
                "Filters",
                0,
                "CategoryFilter",
                "Configuration",
                "CustomFilterConfiguration",
                "ParameterName",
            ),
            "pGone",
            "PARAMETER_NOT_FOUND",
            "Definition.FilterGroups[2].Filters[0].CategoryFilter.Configuration"
            ".CustomFilterConfiguration.ParameterName",
            "no parameter 'pGone'",
        ),
        (
            (
                "FilterGroups",
                1,
                "ScopeConfiguration",
                "SelectedSheets",
                "SheetVisualScopingConfigurations",
                0,
                "VisualIds",
                1,
            ),
            "heat",  # a visual of another sheet
            "SOURCE_NOT_FOUND",
            "Definition.FilterGroups[1].ScopeConfiguration.SelectedSheets"
            ".SheetVisualScopingConfigurations[0].VisualIds[1]",
            "no visual on sheet 'overview' has VisualId 'heat'",
        ),
        (
            (
                "FilterGroups",
                0,
                "ScopeConfiguration",
                "SelectedSheets",
                "SheetVisualScopingConfigurations",
                0,
                "SheetId",
            ),
            "gone",
            "SOURCE_NOT_FOUND",
            "Definition.FilterGroups[0].ScopeConfiguration.SelectedSheets"
            ".SheetVisualScopingConfigurations[0].SheetId",
            "no sheet has SheetId 'gone'",
        ),
        (
            ("Sheets", 0, "Layouts", 0, "Configuration", "GridLayout", "Elements", 8, "ElementId"),
            "bar",  # a visual, declared as a text box
            "SOURCE_NOT_FOUND",
            "Definition.Sheets[0].Layouts[0].Configuration.GridLayout.Elements[8].ElementId",
            "the sheet has no text box 'bar'",
        ),
        (
            (
                "Sheets",
                1,
                "Layouts",
                0,
                "Configuration",
                "FreeFormLayout",
                "Elements",
                0,
                "ElementId",
            ),
            "bar",  # a visual of the other sheet
            "SOURCE_NOT_FOUND",
            "Definition.Sheets[1].Layouts[0].Configuration.FreeFormLayout.Elements[0].ElementId",
            "the sheet has no visual 'bar'",
        ),
        (
            (
                *BAR,
                "ChartConfiguration",
                "SortConfiguration",
                "CategorySort",
                0,
                "FieldSort",
                "FieldId",
            ),
            "gone",
            "SOURCE_NOT_FOUND",
            "Definition.Sheets[0].Visuals[0].BarChartVisual.ChartConfiguration.SortConfiguration"
            ".CategorySort[0].FieldSort.FieldId",
            "no field has FieldId 'gone'",
        ),
        (
            (*BAR_CATEGORY, "FieldId"),
            "line_revenue",  # the line chart's
            "INTERNAL_FAILURE",
            "Definition.Sheets[0].Visuals[1].LineChartVisual.ChartConfiguration.FieldWells"
            ".LineChartAggregatedFieldWells.Values[0].NumericalMeasureField.FieldId",
            "field 'line_revenue' is declared twice",
        ),
        (
            ("CalculatedFields", 1, "Expression"),
            "frobnicate({revenue})",
            "INTERNAL_FAILURE",
            "Definition.CalculatedFields[1].Expression",
            "unsupported function 'frobnicate'",
        ),
        (
            ("CalculatedFields", 2, "Expression"),
            "{nope} + 1",
            "INTERNAL_FAILURE",
            "Definition.CalculatedFields[2].Expression",
            "nope",
        ),
        (
            ("CalculatedFields", 1, "Expression"),
            "{revenue} / ",
            "INTERNAL_FAILURE",
            "Definition.CalculatedFields[1].Expression",
            "",
        ),
        (
            ("DataSetIdentifierDeclarations", 0, "DataSetArn"),
            SALES + "-gone",
            "DATA_SET_NOT_FOUND",
            "Definition.DataSetIdentifierDeclarations[0].DataSetArn",
            "the account has no dataset",
        ),
    ],
)
def test_each_dangling_reference_is_found_at_its_path(
    path: tuple[str | int, ...], value: Any, expected_type: str, expected_path: str, words: str
) -> None:
    broken = with_value(large(SALES), value, *path)
    found = lenient(broken)
    assert found, "the problem went unnoticed"
    kind, where, message = found[0]
    assert (kind, where) == (expected_type, expected_path)
    assert words in message and message.startswith(expected_path + ": ")
    with pytest.raises(ValidationError) as refused:
        check_declared(broken, COLUMNS.get, Strategy.STRICT)
    assert refused.value.field == expected_path
    assert words in refused.value.reason


def test_lenient_reports_every_problem_and_keeps_the_definition() -> None:
    broken = with_value(large(SALES), "nope", *BAR_CATEGORY, "Column", "ColumnName")
    broken = with_value(
        broken, "f_gone", "Sheets", 0, "FilterControls", 1, "DateTimePicker", "SourceFilterId"
    )
    checked = check_declared(broken, COLUMNS.get, Strategy.LENIENT)
    assert [e["Type"] for e in checked.errors] == ["COLUMN_REPLACEMENT_MISSING", "SOURCE_NOT_FOUND"]
    assert checked.definition == broken
    assert all(set(e) == {"Type", "Message", "ViolatedEntities"} for e in checked.errors)


def test_a_missing_dataset_makes_one_problem_not_one_per_column() -> None:
    found = lenient(
        with_value(small(SALES), SALES + "-gone", "DataSetIdentifierDeclarations", 0, "DataSetArn")
    )
    assert [kind for kind, _, _ in found] == ["DATA_SET_NOT_FOUND"]


def test_calculated_fields_may_use_each_other_in_any_order_but_not_in_a_cycle() -> None:
    definition = large(SALES)
    assert lenient(definition) == []  # revenue_band uses revenue_per_unit, declared after it
    cycle = with_value(definition, "{revenue_band} * 2", "CalculatedFields", 1, "Expression")
    found = lenient(cycle)
    assert len(found) == 1 and "depends on itself" in found[0][2]
    assert found[0][1].startswith("Definition.CalculatedFields[")


def test_a_column_of_a_calculated_field_of_another_dataset_is_missing() -> None:
    definition = large(SALES, CUSTOMERS)
    moved = with_value(definition, "customers", "CalculatedFields", 0, "DataSetIdentifier")
    found = lenient(moved)
    kinds = {kind for kind, _, _ in found}
    assert "COLUMN_REPLACEMENT_MISSING" in kinds  # sales' revenue_band is gone


def test_unknown_visual_types_are_kept_and_their_references_checked() -> None:
    future = {
        "FutureVisual": {
            "VisualId": "future",
            "Wells": [
                {
                    "FieldId": "future_f",
                    "Column": {"DataSetIdentifier": "sales", "ColumnName": "nope"},
                }
            ],
        }
    }
    definition = large(SALES)
    definition["Sheets"][1]["Visuals"].append(future)
    checked = check_declared(definition, COLUMNS.get, Strategy.LENIENT)
    assert checked.definition["Sheets"][1]["Visuals"][-1] == future
    assert [e["ViolatedEntities"][0]["Path"] for e in checked.errors] == [
        "Definition.Sheets[1].Visuals[9].FutureVisual.Wells[0].Column.ColumnName"
    ]


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ([], "Definition"),
        (
            without(small(SALES), "DataSetIdentifierDeclarations"),
            "Definition.DataSetIdentifierDeclarations",
        ),
        (
            with_value(small(SALES), [], "DataSetIdentifierDeclarations"),
            "Definition.DataSetIdentifierDeclarations",
        ),
        (
            with_value(small(SALES), {}, "Sheets", 0, "Visuals", 0),
            "Definition.Sheets[0].Visuals[0]",
        ),
        (
            without(small(SALES), "Sheets", 0, "Visuals", 0, "BarChartVisual", "VisualId"),
            "Definition.Sheets[0].Visuals[0].BarChartVisual.VisualId",
        ),
        (without(small(SALES), "Sheets", 0, "SheetId"), "Definition.Sheets[0].SheetId"),
        (with_value(small(SALES), "x", "Sheets"), "Definition.Sheets"),
        (
            with_value(
                small(SALES),
                [{"Identifier": "sales", "DataSetArn": SALES}] * 2,
                "DataSetIdentifierDeclarations",
            ),
            "Definition.DataSetIdentifierDeclarations[1].Identifier",
        ),
    ],
)
def test_a_definition_of_the_wrong_shape_is_refused_under_either_strategy(
    definition: Any, field: str
) -> None:
    for strategy in Strategy:
        with pytest.raises(ValidationError) as refused:
            check_declared(definition, COLUMNS.get, strategy)
        assert refused.value.field == field


def nested(depth: int) -> dict[str, Any]:
    deep: dict[str, Any] = {"Column": {"DataSetIdentifier": "sales", "ColumnName": "nope"}}
    for _ in range(depth):
        deep = {"Inner": deep}
    definition = small(SALES)
    definition["Sheets"][0]["Visuals"][1]["KPIVisual"]["Deep"] = deep
    return definition


def test_nesting_is_checked_as_deep_as_a_request_may_go_and_no_deeper() -> None:
    found = lenient(nested(50))
    assert [kind for kind, _, _ in found] == ["COLUMN_REPLACEMENT_MISSING"]
    assert found[0][1].endswith(".Deep" + ".Inner" * 50 + ".Column.ColumnName")
    for strategy in Strategy:
        with pytest.raises(ValidationError, match="nested deeper"):
            check_declared(nested(5000), COLUMNS.get, strategy)


def test_templates_check_against_their_placeholders_columns() -> None:
    definition = without(small("x"), "DataSetIdentifierDeclarations")
    definition["DataSetConfigurations"] = [
        {
            "Placeholder": "sales",
            "DataSetSchema": {
                "ColumnSchemaList": [
                    {"Name": "region", "DataType": "STRING"},
                    {"Name": "revenue", "DataType": "DECIMAL"},
                ]
            },
        }
    ]
    assert check_template(definition, Strategy.STRICT).errors == []
    broken = with_value(
        definition,
        "units",
        "Sheets",
        0,
        "Visuals",
        1,
        "KPIVisual",
        "ChartConfiguration",
        "FieldWells",
        "Values",
        0,
        "NumericalMeasureField",
        "Column",
        "ColumnName",
    )
    with pytest.raises(ValidationError) as refused:
        check_template(broken, Strategy.STRICT)
    assert refused.value.field.endswith("NumericalMeasureField.Column.ColumnName")


def test_strategy_and_documents() -> None:
    assert parse_strategy(None) is Strategy.STRICT
    assert parse_strategy({"Mode": "LENIENT"}) is Strategy.LENIENT
    with pytest.raises(ValidationError):
        parse_strategy({"Mode": "SLOPPY"})
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert json_document({"A": [moment, b"\x00", 1.5]}) == {
        "A": ["2026-01-02T03:04:05+00:00", "AA==", 1.5]
    }
