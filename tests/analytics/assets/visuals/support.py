"""Definition builders and the rows of the visual tests' datasets.

Two datasets, each on SPICE (a DuckDB version file, table ``data``) and on DIRECT_QUERY
(a scratch PostgreSQL database): ``sales`` and ``stores``. Reference answers are
hand-written SQL run directly on DuckDB or psycopg, never through the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sightgate.analytics.data.model import Value
from tests.analytics.data.query.support import D, I, S, T, columns

SALES = columns(customer=S, region=S, segment=S, revenue=D, units=I, order_date=T)
SALES_ROWS: list[tuple[Value, ...]] = [
    ("acme", "EMEA", "Enterprise", 100.0, 3, datetime(2024, 1, 15, 10, 0)),
    ("acme", "EMEA", "SMB", 50.5, 1, datetime(2024, 2, 3, 9, 30)),
    ("bolt", "US", "Enterprise", 300.0, 7, datetime(2024, 3, 20, 14, 0)),
    ("bolt", "US", "SMB", 20.0, 2, datetime(2024, 5, 28, 8, 0)),
    ("cord", "APAC", "Enterprise", 75.25, 4, datetime(2024, 6, 2, 16, 45)),
    ("cord", "APAC", None, 10.0, 1, datetime(2024, 6, 14, 11, 0)),
    ("dune", "US", "SMB", 45.0, 5, datetime(2023, 11, 30, 23, 59)),
    ("dune", None, "Enterprise", 60.0, None, datetime(2023, 12, 31, 12, 0)),
    ("echo", "EMEA", "SMB", None, 2, datetime(2024, 5, 1, 0, 0)),
    ("echo", "LATAM", "Enterprise", 500.0, 9, datetime(2022, 7, 4, 7, 0)),
    ("fox", "US", "Enterprise", 5.0, 1, None),
]
STORES = columns(region=S, manager=S, budget=D)
STORES_ROWS: list[tuple[Value, ...]] = [
    ("EMEA", "ann", 1000.0),
    ("US", "bob", 2500.0),
    ("APAC", "cy", 400.0),
    ("LATAM", "dee", 50.0),
]
NOW = datetime(2024, 6, 15, 12, 0)
"""The clock of the visual tests (relative dates count from it)."""


def normalized(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows comparable across engines: decimals and floats as floats rounded to 6 places."""
    out = []
    for row in rows:
        cells: list[Any] = []
        for cell in row:
            if isinstance(cell, Decimal):
                cell = float(cell)
            if isinstance(cell, float):
                cell = round(cell, 6)
            cells.append(cell)
        out.append(tuple(cells))
    return out


def unordered(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    return sorted(normalized(rows), key=repr)


# -- definition builders ------------------------------------------------------------------


def col(name: str, ds: str = "sales") -> dict[str, str]:
    return {"DataSetIdentifier": ds, "ColumnName": name}


def category(field_id: str, name: str, ds: str = "sales", **extra: Any) -> dict[str, Any]:
    return {"CategoricalDimensionField": {"FieldId": field_id, "Column": col(name, ds), **extra}}


def date(field_id: str, name: str, granularity: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"FieldId": field_id, "Column": col(name)}
    if granularity:
        body["DateGranularity"] = granularity
    return {"DateDimensionField": body}


def number(
    field_id: str, name: str, aggregation: str | None = "SUM", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"FieldId": field_id, "Column": col(name), **extra}
    if aggregation:
        body["AggregationFunction"] = {"SimpleNumericalAggregation": aggregation}
    return {"NumericalMeasureField": body}


def field_sort(field_id: str, direction: str = "ASC") -> dict[str, Any]:
    return {"FieldSort": {"FieldId": field_id, "Direction": direction}}


def bar(
    visual_id: str,
    category_fields: Sequence[Any],
    values: Sequence[Any],
    colors: Sequence[Any] = (),
    sort: dict[str, Any] | None = None,
    kind: str = "BarChartVisual",
    wells: str = "BarChartAggregatedFieldWells",
) -> dict[str, Any]:
    field_wells: dict[str, Any] = {"Category": list(category_fields), "Values": list(values)}
    if colors:
        field_wells["Colors"] = list(colors)
    config: dict[str, Any] = {"FieldWells": {wells: field_wells}}
    if sort:
        config["SortConfiguration"] = sort
    return {kind: {"VisualId": visual_id, "ChartConfiguration": config}}


def definition(
    *visuals: dict[str, Any],
    filter_groups: Sequence[dict[str, Any]] = (),
    parameters: Sequence[dict[str, Any]] = (),
    calculated: Sequence[dict[str, Any]] = (),
    filter_controls: Sequence[dict[str, Any]] = (),
    column_configurations: Sequence[dict[str, Any]] = (),
    stores: bool = False,
) -> dict[str, Any]:
    declarations = [
        {
            "Identifier": "sales",
            "DataSetArn": "arn:aws:quicksight:us-east-1:111122223333:dataset/sales",
        }
    ]
    if stores:
        declarations.append(
            {
                "Identifier": "stores",
                "DataSetArn": "arn:aws:quicksight:us-east-1:111122223333:dataset/stores",
            }
        )
    return {
        "DataSetIdentifierDeclarations": declarations,
        "Sheets": [
            {
                "SheetId": "s1",
                "Name": "Overview",
                "Visuals": list(visuals),
                "FilterControls": list(filter_controls),
            },
            {"SheetId": "s2", "Name": "Other", "Visuals": list(visuals)},
        ],
        "FilterGroups": list(filter_groups),
        "ParameterDeclarations": list(parameters),
        "CalculatedFields": list(calculated),
        "ColumnConfigurations": list(column_configurations),
    }


def filter_group(
    *filters: dict[str, Any],
    scope: dict[str, Any] | None = None,
    cross: str = "SINGLE_DATASET",
    status: str = "ENABLED",
    group_id: str = "fg",
) -> dict[str, Any]:
    return {
        "FilterGroupId": group_id,
        "Filters": list(filters),
        "ScopeConfiguration": scope or {"AllSheets": {}},
        "CrossDataset": cross,
        "Status": status,
    }
