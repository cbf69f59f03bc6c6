"""Fixtures of the template and theme tests: a subscribed account, a template service
whose datasets are a fake catalog (name -> columns), and definitions to build on."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from sightgate.analytics.assets.templates import TemplateService
from sightgate.analytics.data.model import Column, ColumnType
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from sightgate.platform.errors import NotFoundError
from tests.analytics.conftest import ACCOUNT, REGION


def arn(kind: str, *parts: str, account: str = ACCOUNT) -> str:
    """A QuickSight ARN of the test account's region."""
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{'/'.join(parts)}"


SALES_COLUMNS = {
    "region": ColumnType.STRING,
    "customer": ColumnType.STRING,
    "revenue": ColumnType.DECIMAL,
    "order_date": ColumnType.DATETIME,
}


@dataclass(frozen=True)
class FakeDataSet:
    output_columns: tuple[Column, ...]


class FakeDataSets:
    """``DataSetService.by_arn`` over a dict: dataset id -> columns."""

    def __init__(self) -> None:
        self.columns: dict[str, dict[str, ColumnType]] = {
            "red-sales": dict(SALES_COLUMNS),
            "blue-sales": dict(SALES_COLUMNS),
            "no-revenue": {k: v for k, v in SALES_COLUMNS.items() if k != "revenue"},
            "text-revenue": {**SALES_COLUMNS, "revenue": ColumnType.STRING},
        }

    def by_arn(self, account_id: str, data_set_arn: str) -> FakeDataSet:
        prefix = arn("dataset", "", account=account_id)
        found = self.columns.get(data_set_arn.removeprefix(prefix))
        if not data_set_arn.startswith(prefix) or found is None:
            raise NotFoundError("DataSet", data_set_arn)
        return FakeDataSet(tuple(Column(n, t) for n, t in found.items()))


@pytest.fixture
def templates(services: Services, account: AccountSubscription) -> TemplateService:
    """A template service over a subscribed account and the fake catalog."""
    return TemplateService(services.db, services.access.permissions, FakeDataSets())


def sales_schema() -> dict[str, Any]:
    return {
        "ColumnSchemaList": [
            {"Name": "region", "DataType": "STRING"},
            {"Name": "revenue", "DataType": "DECIMAL"},
        ]
    }


SALES_DEFINITION: dict[str, Any] = {
    "DataSetConfigurations": [
        {"Placeholder": "sales", "DataSetSchema": sales_schema(), "ColumnGroupSchemaList": []}
    ],
    "Sheets": [
        {
            "SheetId": "overview",
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
                                                "Column": {
                                                    "DataSetIdentifier": "sales",
                                                    "ColumnName": "region",
                                                },
                                            }
                                        }
                                    ],
                                    "Values": [
                                        {
                                            "NumericalMeasureField": {
                                                "FieldId": "revenue",
                                                "Column": {
                                                    "DataSetIdentifier": "sales",
                                                    "ColumnName": "revenue",
                                                },
                                                "AggregationFunction": {
                                                    "SimpleNumericalAggregation": "SUM"
                                                },
                                            }
                                        }
                                    ],
                                }
                            },
                            "SomeFutureMember": {"KeptAsGiven": [1, 2.5, None, True]},
                        },
                    }
                }
            ],
        }
    ],
    "CalculatedFields": [
        {"DataSetIdentifier": "sales", "Name": "double", "Expression": "revenue * 2"}
    ],
    "QueryExecutionOptions": {"QueryExecutionMode": "AUTO"},
}


def definition(**changes: Any) -> dict[str, Any]:
    """A copy of the sales template definition, members replaced by ``changes``."""
    return {**copy.deepcopy(SALES_DEFINITION), **changes}
