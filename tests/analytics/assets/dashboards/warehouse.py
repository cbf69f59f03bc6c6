"""What the dashboard and analysis e2e tests share: a PostgreSQL source and two datasets
(CustomSql over the test tables, so they have the columns the sample definitions use)."""

from __future__ import annotations

from typing import Any

from tests.analytics.data.catalog.conftest import PASSWORD
from tests.e2e.aws.conftest import ACCOUNT, REGION

DASHBOARD_VIEWER = [
    "quicksight:DescribeDashboard",
    "quicksight:ListDashboardVersions",
    "quicksight:QueryDashboard",
]
DASHBOARD_OWNER = [
    *DASHBOARD_VIEWER,
    "quicksight:DeleteDashboard",
    "quicksight:DescribeDashboardPermissions",
    "quicksight:UpdateDashboard",
    "quicksight:UpdateDashboardPermissions",
    "quicksight:UpdateDashboardPublishedVersion",
]
SALES_SQL = (
    "SELECT region, customer AS segment, revenue, id AS units, "
    "order_date::timestamp AS order_date FROM public.sales"
)


def arn(kind: str, *parts: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{'/'.join(parts)}"


def create_data_sets(qs: Any, source_database: dict[str, Any], prefix: str) -> tuple[str, str]:
    """A source and the ``sales`` and ``customers`` datasets; their ARNs."""
    source = qs.create_data_source(
        AwsAccountId=ACCOUNT,
        DataSourceId=f"{prefix}-warehouse",
        Name="warehouse",
        Type="POSTGRESQL",
        DataSourceParameters={
            "PostgreSqlParameters": {
                "Host": source_database["host"],
                "Port": source_database["port"],
                "Database": source_database["database"],
            }
        },
        Credentials={"CredentialPair": {"Username": source_database["user"], "Password": PASSWORD}},
        SslProperties={"DisableSsl": True},
    )["Arn"]
    found = []
    for name, sql in (
        ("sales", SALES_SQL),
        ("customers", "SELECT customer_id AS name FROM public.customers"),
    ):
        created = qs.create_data_set(
            AwsAccountId=ACCOUNT,
            DataSetId=f"{prefix}-{name}",
            Name=name,
            ImportMode="DIRECT_QUERY",
            PhysicalTableMap={
                "t": {"CustomSql": {"DataSourceArn": source, "Name": name, "SqlQuery": sql}}
            },
        )
        found.append(str(created["Arn"]))
    return found[0], found[1]
