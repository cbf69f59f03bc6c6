"""Definitions for the dashboard tests: a small one, and a large one using many visual
types (supported by the viewer or not), filters, parameters, controls and layouts, as an
exported QuickSight dashboard would. Both pass botocore's parameter validation."""

from __future__ import annotations

import copy
from typing import Any

SALES_COLUMNS = ("region", "segment", "revenue", "units", "order_date")


def column(name: str, data_set: str = "sales") -> dict[str, str]:
    return {"DataSetIdentifier": data_set, "ColumnName": name}


def small(data_set_arn: str) -> dict[str, Any]:
    """One sheet: a bar chart and a KPI."""
    return {
        "DataSetIdentifierDeclarations": [{"Identifier": "sales", "DataSetArn": data_set_arn}],
        "Sheets": [
            {
                "SheetId": "sheet1",
                "Name": "Overview",
                "Visuals": [
                    {
                        "BarChartVisual": {
                            "VisualId": "bar1",
                            "ChartConfiguration": {
                                "FieldWells": {
                                    "BarChartAggregatedFieldWells": {
                                        "Category": [
                                            {
                                                "CategoricalDimensionField": {
                                                    "FieldId": "region",
                                                    "Column": column("region"),
                                                }
                                            }
                                        ],
                                        "Values": [
                                            {
                                                "NumericalMeasureField": {
                                                    "FieldId": "revenue_sum",
                                                    "Column": column("revenue"),
                                                    "AggregationFunction": {
                                                        "SimpleNumericalAggregation": "SUM"
                                                    },
                                                }
                                            }
                                        ],
                                    }
                                },
                                "SortConfiguration": {
                                    "CategorySort": [
                                        {
                                            "FieldSort": {
                                                "FieldId": "revenue_sum",
                                                "Direction": "DESC",
                                            }
                                        }
                                    ]
                                },
                            },
                        }
                    },
                    {
                        "KPIVisual": {
                            "VisualId": "kpi1",
                            "ChartConfiguration": {
                                "FieldWells": {
                                    "Values": [
                                        {
                                            "NumericalMeasureField": {
                                                "FieldId": "revenue_total",
                                                "Column": column("revenue"),
                                                "AggregationFunction": {
                                                    "SimpleNumericalAggregation": "SUM"
                                                },
                                            }
                                        }
                                    ]
                                }
                            },
                        }
                    },
                ],
            }
        ],
    }


def _measure(field_id: str, name: str, aggregation: str = "SUM") -> dict[str, Any]:
    return {
        "NumericalMeasureField": {
            "FieldId": field_id,
            "Column": column(name),
            "AggregationFunction": {"SimpleNumericalAggregation": aggregation},
        }
    }


def _dimension(field_id: str, name: str) -> dict[str, Any]:
    return {"CategoricalDimensionField": {"FieldId": field_id, "Column": column(name)}}


def _date(field_id: str, name: str) -> dict[str, Any]:
    return {
        "DateDimensionField": {
            "FieldId": field_id,
            "Column": column(name),
            "DateGranularity": "MONTH",
        }
    }


def _title(text: str) -> dict[str, Any]:
    return {"Visibility": "VISIBLE", "FormatText": {"PlainText": text}}


def large(data_set_arn: str, customers_arn: str | None = None) -> dict[str, Any]:
    """Two sheets and a tooltip sheet; bar, line, pie, KPI, table (aggregated and not),
    pivot, combo, and visual types the viewer does not draw (heat map, gauge, funnel,
    word cloud, scatter, tree map, insight, custom content, empty); calculated fields
    built on one another with a parameter; every kind of filter the viewer supports;
    parameter and filter controls; grid and free-form layouts; column configurations,
    analysis defaults and options."""
    declarations = [{"Identifier": "sales", "DataSetArn": data_set_arn}]
    if customers_arn:
        declarations.append({"Identifier": "customers", "DataSetArn": customers_arn})
    overview_visuals: list[dict[str, Any]] = [
        {
            "BarChartVisual": {
                "VisualId": "bar",
                "Title": _title("Revenue by region"),
                "Subtitle": {"Visibility": "HIDDEN"},
                "ChartConfiguration": {
                    "FieldWells": {
                        "BarChartAggregatedFieldWells": {
                            "Category": [_dimension("bar_region", "region")],
                            "Values": [_measure("bar_revenue", "revenue")],
                            "Colors": [_dimension("bar_segment", "segment")],
                        }
                    },
                    "SortConfiguration": {
                        "CategorySort": [
                            {"FieldSort": {"FieldId": "bar_revenue", "Direction": "DESC"}}
                        ],
                        "CategoryItemsLimit": {"ItemsLimit": 10, "OtherCategories": "INCLUDE"},
                    },
                    "Orientation": "HORIZONTAL",
                    "BarsArrangement": "STACKED",
                    "Legend": {"Visibility": "VISIBLE", "Position": "RIGHT"},
                    "DataLabels": {"Visibility": "VISIBLE", "Overlap": "DISABLE_OVERLAP"},
                    "Tooltip": {
                        "TooltipVisibility": "VISIBLE",
                        "SelectedTooltipType": "DETAILED",
                        "FieldBasedTooltip": {
                            "AggregationVisibility": "VISIBLE",
                            "TooltipTitleType": "PRIMARY_VALUE",
                            "TooltipFields": [
                                {"FieldTooltipItem": {"FieldId": "bar_revenue", "Label": "Rev"}},
                                {"ColumnTooltipItem": {"Column": column("units")}},
                            ],
                        },
                    },
                    "CategoryAxis": {
                        "TickLabelOptions": {"RotationAngle": 45.0},
                        "ScrollbarOptions": {"Visibility": "HIDDEN"},
                    },
                    "ValueLabelOptions": {
                        "Visibility": "VISIBLE",
                        "AxisLabelOptions": [
                            {
                                "CustomLabel": "Revenue",
                                "ApplyTo": {"FieldId": "bar_revenue", "Column": column("revenue")},
                            }
                        ],
                    },
                },
                "Actions": [
                    {
                        "CustomActionId": "filter-on-click",
                        "Name": "Filter",
                        "Trigger": "DATA_POINT_CLICK",
                        "Status": "ENABLED",
                        "ActionOperations": [
                            {
                                "FilterOperation": {
                                    "SelectedFieldsConfiguration": {
                                        "SelectedFieldOptions": "ALL_FIELDS"
                                    },
                                    "TargetVisualsConfiguration": {
                                        "SameSheetTargetVisualConfiguration": {
                                            "TargetVisuals": ["line", "pie"]
                                        }
                                    },
                                }
                            }
                        ],
                    }
                ],
                "ColumnHierarchies": [
                    {
                        "ExplicitHierarchy": {
                            "HierarchyId": "geo",
                            "Columns": [column("region"), column("segment")],
                        }
                    }
                ],
            }
        },
        {
            "LineChartVisual": {
                "VisualId": "line",
                "Title": _title("Revenue over time"),
                "ChartConfiguration": {
                    "FieldWells": {
                        "LineChartAggregatedFieldWells": {
                            "Category": [_date("line_month", "order_date")],
                            "Values": [_measure("line_revenue", "revenue")],
                            "Colors": [_dimension("line_region", "region")],
                        }
                    },
                    "Type": "AREA",
                    "SortConfiguration": {
                        "CategorySort": [
                            {"FieldSort": {"FieldId": "line_month", "Direction": "ASC"}}
                        ]
                    },
                    "ReferenceLines": [
                        {
                            "Status": "ENABLED",
                            "DataConfiguration": {
                                "StaticConfiguration": {"Value": 1000.0},
                                "AxisBinding": "PRIMARY_YAXIS",
                            },
                        }
                    ],
                    "Series": [
                        {
                            "FieldSeriesItem": {
                                "FieldId": "line_revenue",
                                "AxisBinding": "PRIMARY_YAXIS",
                            }
                        }
                    ],
                },
            }
        },
        {
            "PieChartVisual": {
                "VisualId": "pie",
                "ChartConfiguration": {
                    "FieldWells": {
                        "PieChartAggregatedFieldWells": {
                            "Category": [_dimension("pie_segment", "segment")],
                            "Values": [_measure("pie_units", "units")],
                        }
                    },
                    "DonutOptions": {"ArcOptions": {"ArcThickness": "MEDIUM"}},
                },
            }
        },
        {
            "KPIVisual": {
                "VisualId": "kpi",
                "ChartConfiguration": {
                    "FieldWells": {
                        "Values": [_measure("kpi_revenue", "revenue")],
                        "TargetValues": [_measure("kpi_target", "units")],
                        "TrendGroups": [_date("kpi_month", "order_date")],
                    },
                    "KPIOptions": {
                        "Comparison": {"ComparisonMethod": "PERCENT_DIFFERENCE"},
                        "PrimaryValueDisplayType": "ACTUAL",
                        "Sparkline": {"Visibility": "VISIBLE", "Type": "LINE"},
                    },
                },
                "ConditionalFormatting": {
                    "ConditionalFormattingOptions": [
                        {
                            "PrimaryValue": {
                                "TextColor": {
                                    "Solid": {
                                        "Expression": "SUM({revenue}) > 1000",
                                        "Color": "#00FF00",
                                    }
                                }
                            }
                        }
                    ]
                },
            }
        },
        {
            "TableVisual": {
                "VisualId": "table",
                "ChartConfiguration": {
                    "FieldWells": {
                        "TableAggregatedFieldWells": {
                            "GroupBy": [_dimension("table_region", "region")],
                            "Values": [
                                _measure("table_revenue", "revenue"),
                                {
                                    "CalculatedMeasureField": {
                                        "FieldId": "table_margin",
                                        "Expression": "sum({revenue}) / sum({units})",
                                    }
                                },
                            ],
                        }
                    },
                    "FieldOptions": {
                        "SelectedFieldOptions": [
                            {"FieldId": "table_revenue", "Width": "120px", "CustomLabel": "Rev"}
                        ],
                        "Order": ["table_region", "table_revenue"],
                    },
                    "TotalOptions": {"TotalsVisibility": "VISIBLE", "Placement": "END"},
                    "PaginatedReportOptions": {"VerticalOverflowVisibility": "VISIBLE"},
                },
            }
        },
        {
            "TableVisual": {
                "VisualId": "rows",
                "ChartConfiguration": {
                    "FieldWells": {
                        "TableUnaggregatedFieldWells": {
                            "Values": [
                                {"FieldId": "rows_region", "Column": column("region")},
                                {"FieldId": "rows_revenue", "Column": column("revenue")},
                                {"FieldId": "rows_band", "Column": column("revenue_band")},
                            ]
                        }
                    }
                },
            }
        },
        {
            "PivotTableVisual": {
                "VisualId": "pivot",
                "ChartConfiguration": {
                    "FieldWells": {
                        "PivotTableAggregatedFieldWells": {
                            "Rows": [_dimension("pivot_region", "region")],
                            "Columns": [_dimension("pivot_segment", "segment")],
                            "Values": [_measure("pivot_revenue", "revenue", "AVERAGE")],
                        }
                    },
                    "TotalOptions": {
                        "RowSubtotalOptions": {
                            "TotalsVisibility": "VISIBLE",
                            "FieldLevel": "CUSTOM",
                            "FieldLevelOptions": [{"FieldId": "pivot_region"}],
                        },
                        "ColumnTotalOptions": {"TotalsVisibility": "VISIBLE"},
                    },
                    "SortConfiguration": {
                        "FieldSortOptions": [
                            {
                                "FieldId": "pivot_region",
                                "SortBy": {
                                    "Field": {"FieldId": "pivot_revenue", "Direction": "DESC"}
                                },
                            }
                        ]
                    },
                },
            }
        },
        {
            "ComboChartVisual": {
                "VisualId": "combo",
                "ChartConfiguration": {
                    "FieldWells": {
                        "ComboChartAggregatedFieldWells": {
                            "Category": [_dimension("combo_region", "region")],
                            "BarValues": [_measure("combo_revenue", "revenue")],
                            "LineValues": [_measure("combo_units", "units")],
                        }
                    },
                    "BarsArrangement": "CLUSTERED",
                },
            }
        },
    ]
    details_visuals: list[dict[str, Any]] = [
        {
            "HeatMapVisual": {
                "VisualId": "heat",
                "ChartConfiguration": {
                    "FieldWells": {
                        "HeatMapAggregatedFieldWells": {
                            "Rows": [_dimension("heat_region", "region")],
                            "Columns": [_dimension("heat_segment", "segment")],
                            "Values": [_measure("heat_revenue", "revenue")],
                        }
                    },
                    "ColorScale": {
                        "Colors": [{"Color": "#FFFFFF"}, {"Color": "#FF0000"}],
                        "ColorFillType": "GRADIENT",
                    },
                },
            }
        },
        {
            "GaugeChartVisual": {
                "VisualId": "gauge",
                "ChartConfiguration": {
                    "FieldWells": {
                        "Values": [_measure("gauge_revenue", "revenue")],
                        "TargetValues": [_measure("gauge_target", "units")],
                    },
                    "GaugeChartOptions": {"PrimaryValueDisplayType": "ACTUAL"},
                },
            }
        },
        {
            "FunnelChartVisual": {
                "VisualId": "funnel",
                "ChartConfiguration": {
                    "FieldWells": {
                        "FunnelChartAggregatedFieldWells": {
                            "Category": [_dimension("funnel_segment", "segment")],
                            "Values": [_measure("funnel_units", "units")],
                        }
                    },
                    "DataLabelOptions": {
                        "Visibility": "VISIBLE",
                        "MeasureDataLabelStyle": "PERCENTAGE_BY_FIRST_STAGE",
                    },
                },
            }
        },
        {
            "WordCloudVisual": {
                "VisualId": "words",
                "ChartConfiguration": {
                    "FieldWells": {
                        "WordCloudAggregatedFieldWells": {
                            "GroupBy": [_dimension("words_region", "region")],
                            "Size": [_measure("words_units", "units")],
                        }
                    },
                    "WordCloudOptions": {
                        "WordOrientation": "HORIZONTAL",
                        "MaximumStringLength": 20,
                    },
                },
            }
        },
        {
            "ScatterPlotVisual": {
                "VisualId": "scatter",
                "ChartConfiguration": {
                    "FieldWells": {
                        "ScatterPlotCategoricallyAggregatedFieldWells": {
                            "XAxis": [_measure("scatter_x", "revenue")],
                            "YAxis": [_measure("scatter_y", "units")],
                            "Category": [_dimension("scatter_region", "region")],
                        }
                    }
                },
            }
        },
        {
            "TreeMapVisual": {
                "VisualId": "tree",
                "ChartConfiguration": {
                    "FieldWells": {
                        "TreeMapAggregatedFieldWells": {
                            "Groups": [_dimension("tree_region", "region")],
                            "Sizes": [_measure("tree_revenue", "revenue")],
                        }
                    }
                },
            }
        },
        {
            "InsightVisual": {
                "VisualId": "insight",
                "DataSetIdentifier": "sales",
                "InsightConfiguration": {
                    "Computations": [
                        {
                            "TopBottomRanked": {
                                "ComputationId": "top3",
                                "Category": _dimension("insight_region", "region"),
                                "Value": _measure("insight_revenue", "revenue"),
                                "ResultSize": 3,
                                "Type": "TOP",
                            }
                        }
                    ]
                },
            }
        },
        {
            "CustomContentVisual": {
                "VisualId": "web",
                "DataSetIdentifier": "sales",
                "ChartConfiguration": {
                    "ContentUrl": "https://example.com/<<$pSegment>>",
                    "ContentType": "OTHER_EMBEDDED_CONTENT",
                    "ImageScaling": "FIT_TO_WIDTH",
                },
            }
        },
        {"EmptyVisual": {"VisualId": "empty", "DataSetIdentifier": "sales"}},
    ]
    if customers_arn:
        details_visuals.append(
            {
                "BarChartVisual": {
                    "VisualId": "customers_bar",
                    "ChartConfiguration": {
                        "FieldWells": {
                            "BarChartAggregatedFieldWells": {
                                "Category": [
                                    {
                                        "CategoricalDimensionField": {
                                            "FieldId": "customers_name",
                                            "Column": column("name", "customers"),
                                        }
                                    }
                                ]
                            }
                        }
                    },
                }
            }
        )
    return {
        "DataSetIdentifierDeclarations": declarations,
        "Sheets": [
            {
                "SheetId": "overview",
                "Name": "Overview",
                "Title": "Sales overview",
                "Description": "Revenue and units",
                "ContentType": "INTERACTIVE",
                "Visuals": overview_visuals,
                "FilterControls": [
                    {
                        "Dropdown": {
                            "FilterControlId": "fc_region",
                            "Title": "Region",
                            "SourceFilterId": "f_region",
                            "Type": "MULTI_SELECT",
                            "DisplayOptions": {"SelectAllOptions": {"Visibility": "VISIBLE"}},
                        }
                    },
                    {
                        "DateTimePicker": {
                            "FilterControlId": "fc_dates",
                            "Title": "Dates",
                            "SourceFilterId": "f_dates",
                            "Type": "DATE_RANGE",
                        }
                    },
                    {
                        "Slider": {
                            "FilterControlId": "fc_revenue",
                            "Title": "Revenue",
                            "SourceFilterId": "f_revenue",
                            "MaximumValue": 1000000.0,
                            "MinimumValue": 0.0,
                            "StepSize": 100.0,
                            "Type": "RANGE",
                        }
                    },
                ],
                "ParameterControls": [
                    {
                        "Dropdown": {
                            "ParameterControlId": "pc_segment",
                            "Title": "Segment",
                            "SourceParameterName": "pSegment",
                            "Type": "SINGLE_SELECT",
                            "SelectableValues": {"Values": ["Enterprise", "SMB"]},
                        }
                    },
                    {
                        "Slider": {
                            "ParameterControlId": "pc_top",
                            "Title": "Top N",
                            "SourceParameterName": "pTop",
                            "MaximumValue": 20.0,
                            "MinimumValue": 1.0,
                            "StepSize": 1.0,
                        }
                    },
                    {
                        "List": {
                            "ParameterControlId": "pc_region",
                            "Title": "Region",
                            "SourceParameterName": "pRegion",
                            "SelectableValues": {"LinkToDataSetColumn": column("region")},
                        }
                    },
                ],
                "TextBoxes": [{"SheetTextBoxId": "note", "Content": "<text-box>Note</text-box>"}],
                "Layouts": [
                    {
                        "Configuration": {
                            "GridLayout": {
                                "Elements": [
                                    *[
                                        {
                                            "ElementId": visual_id,
                                            "ElementType": "VISUAL",
                                            "ColumnIndex": 0,
                                            "ColumnSpan": 18,
                                            "RowIndex": 12 * index,
                                            "RowSpan": 12,
                                        }
                                        for index, visual_id in enumerate(
                                            [
                                                "bar",
                                                "line",
                                                "pie",
                                                "kpi",
                                                "table",
                                                "rows",
                                                "pivot",
                                                "combo",
                                            ]
                                        )
                                    ],
                                    {
                                        "ElementId": "note",
                                        "ElementType": "TEXT_BOX",
                                        "ColumnSpan": 6,
                                        "RowSpan": 4,
                                    },
                                ],
                                "CanvasSizeOptions": {
                                    "ScreenCanvasSizeOptions": {"ResizeOption": "RESPONSIVE"}
                                },
                            }
                        }
                    }
                ],
                "SheetControlLayouts": [
                    {
                        "Configuration": {
                            "GridLayout": {
                                "Elements": [
                                    {
                                        "ElementId": "fc_region",
                                        "ElementType": "FILTER_CONTROL",
                                        "ColumnSpan": 2,
                                        "RowSpan": 1,
                                    },
                                    {
                                        "ElementId": "pc_segment",
                                        "ElementType": "PARAMETER_CONTROL",
                                        "ColumnSpan": 2,
                                        "RowSpan": 1,
                                    },
                                ]
                            }
                        }
                    }
                ],
            },
            {
                "SheetId": "details",
                "Name": "Details",
                "Visuals": details_visuals,
                "Layouts": [
                    {
                        "Configuration": {
                            "FreeFormLayout": {
                                "Elements": [
                                    {
                                        "ElementId": "heat",
                                        "ElementType": "VISUAL",
                                        "XAxisLocation": "0px",
                                        "YAxisLocation": "0px",
                                        "Width": "600px",
                                        "Height": "400px",
                                        "Visibility": "VISIBLE",
                                    }
                                ]
                            }
                        }
                    }
                ],
            },
        ],
        "CalculatedFields": [
            {
                "DataSetIdentifier": "sales",
                "Name": "revenue_band",
                "Expression": "ifelse({revenue_per_unit} > 100, 'high', 'low')",
            },
            {
                "DataSetIdentifier": "sales",
                "Name": "revenue_per_unit",
                "Expression": "{revenue} / {units}",
            },
            {
                "DataSetIdentifier": "sales",
                "Name": "is_segment",
                "Expression": "ifelse({segment} = ${pSegment}, 1, 0)",
            },
        ],
        "ParameterDeclarations": [
            {
                "StringParameterDeclaration": {
                    "ParameterValueType": "SINGLE_VALUED",
                    "Name": "pSegment",
                    "DefaultValues": {"StaticValues": ["Enterprise"]},
                    "ValueWhenUnset": {"ValueWhenUnsetOption": "RECOMMENDED_VALUE"},
                }
            },
            {
                "IntegerParameterDeclaration": {
                    "ParameterValueType": "SINGLE_VALUED",
                    "Name": "pTop",
                    "DefaultValues": {"StaticValues": [5]},
                }
            },
            {
                "StringParameterDeclaration": {
                    "ParameterValueType": "MULTI_VALUED",
                    "Name": "pRegion",
                    "DefaultValues": {
                        "DynamicValue": {
                            "UserNameColumn": column("region"),
                            "DefaultValueColumn": column("region"),
                        }
                    },
                }
            },
            {
                "DateTimeParameterDeclaration": {
                    "Name": "pSince",
                    "DefaultValues": {
                        "RollingDate": {"Expression": "addDateTime(-1, 'YYYY', now())"}
                    },
                    "TimeGranularity": "DAY",
                }
            },
            {
                "DecimalParameterDeclaration": {
                    "ParameterValueType": "SINGLE_VALUED",
                    "Name": "pMin",
                    "DefaultValues": {"StaticValues": [10.5]},
                }
            },
        ],
        "FilterGroups": [
            {
                "FilterGroupId": "fg_region",
                "CrossDataset": "SINGLE_DATASET",
                "Status": "ENABLED",
                "ScopeConfiguration": {
                    "SelectedSheets": {
                        "SheetVisualScopingConfigurations": [
                            {"SheetId": "overview", "Scope": "ALL_VISUALS"}
                        ]
                    }
                },
                "Filters": [
                    {
                        "CategoryFilter": {
                            "FilterId": "f_region",
                            "Column": column("region"),
                            "Configuration": {
                                "FilterListConfiguration": {
                                    "MatchOperator": "CONTAINS",
                                    "CategoryValues": ["EMEA", "US"],
                                    "NullOption": "NON_NULLS_ONLY",
                                }
                            },
                        }
                    }
                ],
            },
            {
                "FilterGroupId": "fg_revenue",
                "CrossDataset": "SINGLE_DATASET",
                "ScopeConfiguration": {
                    "SelectedSheets": {
                        "SheetVisualScopingConfigurations": [
                            {
                                "SheetId": "overview",
                                "Scope": "SELECTED_VISUALS",
                                "VisualIds": ["bar", "table"],
                            }
                        ]
                    }
                },
                "Filters": [
                    {
                        "NumericRangeFilter": {
                            "FilterId": "f_revenue",
                            "Column": column("revenue"),
                            "NullOption": "NON_NULLS_ONLY",
                            "IncludeMinimum": True,
                            "IncludeMaximum": False,
                            "RangeMinimum": {"Parameter": "pMin"},
                            "RangeMaximum": {"StaticValue": 1000000.0},
                        }
                    },
                    {
                        "NumericEqualityFilter": {
                            "FilterId": "f_units",
                            "Column": column("units"),
                            "Value": 3.0,
                            "MatchOperator": "DOES_NOT_EQUAL",
                            "NullOption": "ALL_VALUES",
                        }
                    },
                ],
            },
            {
                "FilterGroupId": "fg_segment",
                "CrossDataset": "ALL_DATASETS",
                "ScopeConfiguration": {"AllSheets": {}},
                "Filters": [
                    {
                        "CategoryFilter": {
                            "FilterId": "f_segment",
                            "Column": column("segment"),
                            "Configuration": {
                                "CustomFilterConfiguration": {
                                    "MatchOperator": "EQUALS",
                                    "ParameterName": "pSegment",
                                    "NullOption": "NON_NULLS_ONLY",
                                }
                            },
                        }
                    }
                ],
            },
            {
                "FilterGroupId": "fg_dates",
                "CrossDataset": "SINGLE_DATASET",
                "ScopeConfiguration": {"AllSheets": {}},
                "Filters": [
                    {
                        "TimeRangeFilter": {
                            "FilterId": "f_dates",
                            "Column": column("order_date"),
                            "NullOption": "NON_NULLS_ONLY",
                            "IncludeMinimum": True,
                            "RangeMinimumValue": {"Parameter": "pSince"},
                            "TimeGranularity": "DAY",
                        }
                    },
                    {
                        "RelativeDatesFilter": {
                            "FilterId": "f_recent",
                            "Column": column("order_date"),
                            "AnchorDateConfiguration": {"AnchorOption": "NOW"},
                            "TimeGranularity": "MONTH",
                            "RelativeDateType": "LAST",
                            "RelativeDateValue": 6,
                            "NullOption": "NON_NULLS_ONLY",
                        }
                    },
                    {
                        "TopBottomFilter": {
                            "FilterId": "f_top",
                            "Column": column("region"),
                            "Limit": 5,
                            "ParameterName": "pTop",
                            "AggregationSortConfigurations": [
                                {
                                    "Column": column("revenue"),
                                    "SortDirection": "DESC",
                                    "AggregationFunction": {
                                        "NumericalAggregationFunction": {
                                            "SimpleNumericalAggregation": "SUM"
                                        }
                                    },
                                }
                            ],
                        }
                    },
                ],
            },
        ],
        "ColumnConfigurations": [
            {
                "Column": column("revenue"),
                "Role": "MEASURE",
                "FormatConfiguration": {
                    "NumberFormatConfiguration": {
                        "FormatConfiguration": {
                            "CurrencyDisplayFormatConfiguration": {
                                "Symbol": "USD",
                                "DecimalPlacesConfiguration": {"DecimalPlaces": 2},
                            }
                        }
                    }
                },
            },
            {"Column": column("revenue_band"), "Role": "DIMENSION"},
        ],
        "AnalysisDefaults": {
            "DefaultNewSheetConfiguration": {
                "InteractiveLayoutConfiguration": {
                    "Grid": {
                        "CanvasSizeOptions": {
                            "ScreenCanvasSizeOptions": {"ResizeOption": "RESPONSIVE"}
                        }
                    }
                },
                "SheetContentType": "INTERACTIVE",
            }
        },
        "Options": {"Timezone": "Europe/Paris", "WeekStart": "MONDAY"},
    }


def without(definition: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """A copy of ``definition`` with the member at ``path`` removed."""
    copied = copy.deepcopy(definition)
    target: Any = copied
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return copied


def with_value(definition: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    """A copy of ``definition`` with the member at ``path`` set to ``value``."""
    copied = copy.deepcopy(definition)
    target: Any = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied
