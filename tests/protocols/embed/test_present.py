"""What the embedded page is given of a dashboard: the layout without any column, and
visual data without the columns or messages of visuals the viewer was not shown."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sightgate.analytics.assets.visuals.model import (
    ColumnRole,
    SheetData,
    VisualColumn,
    VisualData,
    VisualState,
)
from sightgate.analytics.data.model import ColumnType
from sightgate.protocols.embed import present


def _field(kind: str, field_id: str, column: str, **more: Any) -> dict[str, Any]:
    return {
        kind: {
            "FieldId": field_id,
            "Column": {"DataSetIdentifier": "s", "ColumnName": column},
            **more,
        }
    }


DEFINITION: dict[str, Any] = {
    "ParameterDeclarations": [
        {
            "StringParameterDeclaration": {
                "Name": "pRegion",
                "ParameterValueType": "MULTI_VALUED",
                "DefaultValues": {"StaticValues": ["EMEA"]},
            }
        },
        {
            "DateTimeParameterDeclaration": {
                "Name": "pDay",
                "DefaultValues": {"StaticValues": [datetime(2024, 1, 2)]},
            }
        },
    ],
    "FilterGroups": [
        {
            "FilterGroupId": "g",
            "Filters": [
                {
                    "CategoryFilter": {
                        "FilterId": "f-secret",
                        "Column": {"DataSetIdentifier": "s", "ColumnName": "secret_margin"},
                        "Configuration": {
                            "FilterListConfiguration": {
                                "MatchOperator": "CONTAINS",
                                "CategoryValues": ["a", "b"],
                            }
                        },
                    }
                }
            ],
        }
    ],
    "Sheets": [
        {
            "SheetId": "s1",
            "Name": "One",
            "Visuals": [
                {
                    "BarChartVisual": {
                        "VisualId": "bar",
                        "Title": {
                            "Visibility": "VISIBLE",
                            "FormatText": {"PlainText": "By region"},
                        },
                        "Subtitle": {"Visibility": "HIDDEN", "FormatText": {"PlainText": "hidden"}},
                        "ChartConfiguration": {
                            "FieldWells": {
                                "BarChartAggregatedFieldWells": {
                                    "Category": [
                                        _field("CategoricalDimensionField", "region", "region")
                                    ],
                                    "Colors": [
                                        _field("CategoricalDimensionField", "seg", "segment")
                                    ],
                                    "Values": [
                                        _field(
                                            "NumericalMeasureField",
                                            "rev",
                                            "revenue",
                                            AggregationFunction={
                                                "SimpleNumericalAggregation": "AVERAGE"
                                            },
                                        )
                                    ],
                                }
                            },
                            "CategoryLabelOptions": {
                                "AxisLabelOptions": [
                                    {
                                        "CustomLabel": "Sales region",
                                        "ApplyTo": {"FieldId": "region"},
                                    }
                                ]
                            },
                            "Orientation": "HORIZONTAL",
                            "BarsArrangement": "STACKED",
                        },
                        "Actions": [
                            {
                                "CustomActionId": "a1",
                                "Name": "Go",
                                "Status": "ENABLED",
                                "Trigger": "DATA_POINT_CLICK",
                                "ActionOperations": [
                                    {
                                        "URLOperation": {
                                            "URLTemplate": "https://x/<<$secret_margin>>"
                                        }
                                    }
                                ],
                            }
                        ],
                    }
                },
                {
                    "TableVisual": {
                        "VisualId": "hidden-col",
                        "ChartConfiguration": {
                            "FieldWells": {
                                "TableUnaggregatedFieldWells": {
                                    "Values": [
                                        {
                                            "UnaggregatedField": {
                                                "FieldId": "m",
                                                "Column": {
                                                    "DataSetIdentifier": "s",
                                                    "ColumnName": "secret_margin",
                                                },
                                            }
                                        }
                                    ]
                                }
                            }
                        },
                    }
                },
            ],
            "ParameterControls": [
                {
                    "Dropdown": {
                        "ParameterControlId": "c1",
                        "Title": "Region",
                        "SourceParameterName": "pRegion",
                        "Type": "MULTI_SELECT",
                        "SelectableValues": {"Values": ["EMEA", "AMER"]},
                    }
                }
            ],
            "FilterControls": [
                {
                    "Dropdown": {
                        "FilterControlId": "c2",
                        "Title": "Margin",
                        "SourceFilterId": "f-secret",
                    }
                }
            ],
            "Layouts": [
                {
                    "Configuration": {
                        "GridLayout": {
                            "Elements": [
                                {
                                    "ElementId": "bar",
                                    "ElementType": "VISUAL",
                                    "ColumnIndex": 2,
                                    "ColumnSpan": 10,
                                    "RowIndex": 1,
                                    "RowSpan": 8,
                                }
                            ]
                        }
                    }
                }
            ],
        }
    ],
}


def test_the_layout_names_no_column_of_any_dataset() -> None:
    layout = present.layout("d", "Sales", DEFINITION, {"DataColorPalette": {"Colors": ["#111111"]}})
    text = json.dumps(layout)
    for column in ("secret_margin", "revenue", "segment"):
        assert column not in text
    [sheet] = layout["sheets"]
    assert sheet["layout"] == {
        "kind": "grid",
        "elements": {"bar": {"column": 2, "columnSpan": 10, "row": 1, "rowSpan": 8}},
    }
    bar = sheet["visuals"][0]
    assert bar["title"] == "By region" and bar["subtitle"] is None
    assert bar["options"] == {"orientation": "HORIZONTAL", "arrangement": "STACKED"}
    assert bar["actions"] == [
        {"CustomActionId": "a1", "Name": "Go", "Status": "ENABLED", "Trigger": "DATA_POINT_CLICK"}
    ]
    assert layout["parameters"] == [
        {"name": "pRegion", "type": "String", "multi": True, "defaults": ["EMEA"]},
        {"name": "pDay", "type": "DateTime", "multi": False, "defaults": ["2024-01-02T00:00:00"]},
    ]
    parameter, selection = sheet["controls"]
    assert parameter == {
        "id": "c1",
        "kind": "parameter",
        "target": "pRegion",
        "title": "Region",
        "widget": "dropdown",
        "multi": True,
        "values": ["EMEA", "AMER"],
    }
    assert selection["target"] == "c2" and selection["values"] == ["a", "b"]


def test_shown_visuals_get_wells_and_labels_others_nothing_of_their_columns() -> None:
    columns = (
        VisualColumn("region", ColumnType.STRING, "region", ColumnRole.DIMENSION),
        VisualColumn("seg", ColumnType.STRING, "seg", ColumnRole.DIMENSION),
        VisualColumn("rev", ColumnType.DECIMAL, "rev", ColumnRole.MEASURE, {"F": 1}),
    )
    data = SheetData(
        "s1",
        "One",
        (
            VisualData(
                "bar",
                "BarChartVisual",
                VisualState.READY,
                "By region",
                None,
                columns,
                (("EMEA", "x", float("nan")), ("AMER", None, 2.5)),
            ),
            VisualData(
                "hidden-col",
                "TableVisual",
                VisualState.ERROR,
                error="column secret_margin is not in the dataset",
            ),
        ),
    )
    drawn = present.sheet(data, DEFINITION)
    bar, hidden = drawn["visuals"]
    assert [(c["well"], c["label"]) for c in bar["columns"]] == [
        ("Category", "Sales region"),
        ("Colors", "segment"),
        ("Values", "revenue (Average)"),
    ]
    assert bar["rows"] == [["EMEA", "x", None], ["AMER", None, 2.5]]
    assert bar["columns"][2]["format"] == {"F": 1}
    assert hidden["state"] == "error" and hidden["columns"] == [] and hidden["rows"] == []
    assert "secret_margin" not in json.dumps(hidden)


def test_unsupported_visuals_say_what_is_not_supported() -> None:
    data = SheetData(
        "s1",
        None,
        (
            VisualData(
                "sc",
                "ScatterPlotVisual",
                VisualState.UNSUPPORTED,
                error="visual type ScatterPlotVisual is not supported",
            ),
        ),
    )
    [visual] = present.sheet(data, DEFINITION)["visuals"]
    assert visual["message"] == "visual type ScatterPlotVisual is not supported"
