"""Fixtures of the dashboard and analysis tests: a subscribed account with two datasets
in the catalog (rows written directly: the services read them through the real
``DataSetService.by_arn``), and the services wired as the server wires them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from sightgate.analytics.assets.analyses import AnalysisService
from sightgate.analytics.assets.dashboards import DashboardService
from sightgate.analytics.assets.versions import ContentBuilder
from sightgate.analytics.data import tables as data_tables
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from tests.analytics.conftest import ACCOUNT, OTHER_ACCOUNT, REGION, subscribe

SALES_COLUMNS = {
    "region": "STRING",
    "segment": "STRING",
    "revenue": "DECIMAL",
    "units": "INTEGER",
    "order_date": "DATETIME",
}


def arn(kind: str, *parts: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{'/'.join(parts)}"


SALES = arn("dataset", "sales")
CUSTOMERS = arn("dataset", "customers")
THEIR_SALES = arn("dataset", "sales", account=OTHER_ACCOUNT)


def add_data_set(
    services: Services, account_id: str, data_set_id: str, columns: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    with services.db.write() as conn:
        conn.execute(
            insert(data_tables.data_sets).values(
                account_id=account_id,
                data_set_id=data_set_id,
                arn=arn("dataset", data_set_id, account=account_id),
                name=data_set_id,
                import_mode="SPICE",
                definition=_definition(data_set_id, account_id, columns),
                output_columns=[{"Name": n, "Type": t} for n, t in columns.items()],
                created=now,
                updated=now,
            )
        )


def _definition(data_set_id: str, account_id: str, columns: dict[str, str]) -> dict[str, Any]:
    """A CreateDataSet request the catalog can read back (its source is never asked)."""
    table = {
        "DataSourceArn": arn("datasource", "pg", account=account_id),
        "Schema": "public",
        "Name": data_set_id,
        "InputColumns": [{"Name": n, "Type": t} for n, t in columns.items()],
    }
    return {
        "Name": data_set_id,
        "ImportMode": "SPICE",
        "PhysicalTableMap": {"t": {"RelationalTable": table}},
    }


class Themes:
    """The account's custom themes (the theme service's ``resolve``, by ARN)."""

    def __init__(self, *known: str) -> None:
        self.known = set(known)

    def __call__(self, account_id: str, theme_arn: str) -> bool:
        return theme_arn in self.known and f":{account_id}:" in theme_arn


@pytest.fixture
def catalog(services: Services, account: AccountSubscription) -> Services:
    subscribe(services.directory, OTHER_ACCOUNT, name="other")
    add_data_set(services, ACCOUNT, "sales", SALES_COLUMNS)
    add_data_set(services, ACCOUNT, "customers", {"name": "STRING"})
    add_data_set(services, OTHER_ACCOUNT, "sales", SALES_COLUMNS)
    return services


@pytest.fixture
def content(catalog: Services) -> ContentBuilder:
    return ContentBuilder(
        catalog.data.datasets,
        catalog.templates,
        Themes(arn("theme", "red")),
    )


@pytest.fixture
def dashboards(catalog: Services, content: ContentBuilder) -> DashboardService:
    return DashboardService(catalog.db, catalog.access, content)


@pytest.fixture
def analyses(catalog: Services, content: ContentBuilder) -> AnalysisService:
    return AnalysisService(catalog.db, catalog.access, content)
