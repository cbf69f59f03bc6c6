"""The seed scenario's data half, end to end: ``common-sales`` with its row-level rules.

The IdP pushes the scenario over SCIM and a worker provisions it; the ISV creates a
PostgreSQL data source, the rules dataset and ``common-sales`` (on SPICE and on
DIRECT_QUERY) with boto3; the operator asks ``sightgate datasets preview --as-user`` what
each user sees. Then the IdP removes ``red-customer-reader-1`` from ``red-customer-grp``
and their very next preview is empty: no cache window, no worker needed.

The source tables live in a scratch PostgreSQL database of their own; the store is the
embedded one (or PostgreSQL with ``SIGHTGATE_TEST_DATABASE_URL``, like every e2e test).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

from sightgate.demo.sales import sales_rows
from sightgate.platform.db import normalize_url
from tests.e2e.helpers import run_cli, run_json
from tests.e2e.provisioning.conftest import (
    Deployment,
    Scenario,
    deployment,
    run_worker_once,
    stop_worker,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PG_ENTRY_URL = os.environ.get("SIGHTGATE_TEST_DATABASE_URL")
RULES = [
    ("qs-admin-grp", None),
    ("red-customer-grp", "red_customer"),
    ("blue-customer-grp", "blue_customer"),
]
SALES_COLUMNS = [
    {"Name": "customer", "Type": "STRING"},
    {"Name": "region", "Type": "STRING"},
    {"Name": "product", "Type": "STRING"},
    {"Name": "order_date", "Type": "DATETIME"},
    {"Name": "quantity", "Type": "INTEGER"},
    {"Name": "revenue", "Type": "DECIMAL"},
]


@pytest.fixture(scope="module")
def source_db() -> Iterator[dict[str, Any]]:
    """A scratch PostgreSQL database holding ``common_sales`` and ``rls_rules``."""
    if not PG_ENTRY_URL:
        pytest.skip("SIGHTGATE_TEST_DATABASE_URL is not set")
    entry = make_url(normalize_url(PG_ENTRY_URL))
    name = f"sg_seed_source_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        host=entry.host,
        port=entry.port,
        user=entry.username,
        dbname=entry.database,
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(
            host=entry.host, port=entry.port, user=entry.username, dbname=name
        ) as conn:
            conn.execute(
                "CREATE TABLE common_sales (customer text, region text, product text, "
                "order_date date, quantity integer, revenue numeric(12, 2))"
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO common_sales VALUES (%s, %s, %s, %s, %s, %s)",
                    list(sales_rows(rows_per_customer=40)),
                )
            conn.execute('CREATE TABLE rls_rules ("GroupName" text, customer text)')
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO rls_rules VALUES (%s, %s)", RULES)
        yield {
            "host": entry.host,
            "port": entry.port or 5432,
            "database": name,
            "user": entry.username or "postgres",
        }
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def create_source(d: Deployment, source: dict[str, Any]) -> str:
    """CreateDataSource for the scratch database; its ARN."""
    created = d.client("quicksight").create_data_source(
        AwsAccountId=d.account_id,
        DataSourceId="sales-db",
        Name="Sales database",
        Type="POSTGRESQL",
        DataSourceParameters={
            "PostgreSqlParameters": {
                "Host": source["host"],
                "Port": source["port"],
                "Database": source["database"],
            }
        },
        Credentials={"CredentialPair": {"Username": source["user"], "Password": "unused"}},
        SslProperties={"DisableSsl": True},
    )
    assert created["CreationStatus"] == "CREATION_SUCCESSFUL", created
    return str(created["Arn"])


def create_data_set(d: Deployment, data_set_id: str, **members: Any) -> dict[str, Any]:
    response: dict[str, Any] = d.client("quicksight").create_data_set(
        AwsAccountId=d.account_id, DataSetId=data_set_id, Name=data_set_id, **members
    )
    return response


def relational(source_arn: str, table: str, columns: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "t": {
            "RelationalTable": {
                "DataSourceArn": source_arn,
                "Schema": "public",
                "Name": table,
                "InputColumns": columns,
            }
        }
    }


def wait_ingested(d: Deployment, data_set_id: str, ingestion_id: str) -> None:
    qs = d.client("quicksight")

    def status() -> str | None:
        found = qs.describe_ingestion(
            AwsAccountId=d.account_id, DataSetId=data_set_id, IngestionId=ingestion_id
        )["Ingestion"]
        assert found["IngestionStatus"] not in ("FAILED", "CANCELLED"), found
        return "done" if found["IngestionStatus"] == "COMPLETED" else None

    wait_for(status, f"{data_set_id}'s ingestion", timeout=60)


def preview(d: Deployment, data_set_id: str, *who: str) -> dict[str, Any]:
    """``sightgate datasets preview --json`` as ``who`` (``--as-user NAME`` or tags)."""
    found: dict[str, Any] = run_json(
        d.env,
        "datasets",
        "preview",
        "--account-id",
        d.account_id,
        "--data-set-id",
        data_set_id,
        "--limit",
        "1000",
        *who,
    )
    return found


def customers(found: dict[str, Any]) -> set[str]:
    names = [column["Name"] for column in found["Columns"]]
    at = names.index("customer")
    return {row[at] for row in found["Rows"]}


@dataclass(frozen=True)
class Seeded:
    """The provisioned scenario, its PostgreSQL data source and its rules dataset."""

    d: Deployment
    source_arn: str
    rules_arn: str


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, scenario: Scenario, source_db: dict[str, Any]
) -> Iterator[Seeded]:
    """One deployment for the module (each test makes datasets of its own): the scenario
    pushed over SCIM and provisioned, the source created, the rules ingested."""
    with deployment(tmp_path_factory.mktemp("seed-data"), scenario) as d:
        d.subscribe(scenario)
        d.push_scenario(scenario)
        run_worker_once(d.env)
        source_arn = create_source(d, source_db)
        yield Seeded(d, source_arn, rules_data_set(d, source_arn))


def rules_data_set(d: Deployment, source_arn: str) -> str:
    """The scenario's rules as a SPICE dataset (a worker builds its ingestion)."""
    d.start_worker()
    created = create_data_set(
        d,
        "sales-rls-rules",
        ImportMode="SPICE",
        PhysicalTableMap=relational(
            source_arn,
            "rls_rules",
            [{"Name": "GroupName", "Type": "STRING"}, {"Name": "customer", "Type": "STRING"}],
        ),
        UseAs="RLS_RULES",
    )
    wait_ingested(d, "sales-rls-rules", created["IngestionId"])
    return str(created["Arn"])


def test_common_sales_rows_follow_the_rules_and_the_idp(seeded: Seeded) -> None:
    d = seeded.d
    rls = {
        "Arn": seeded.rules_arn,
        "PermissionPolicy": "GRANT_ACCESS",
        "FormatVersion": "VERSION_1",
    }
    table = relational(seeded.source_arn, "common_sales", SALES_COLUMNS)
    created = create_data_set(
        d,
        "common-sales",
        ImportMode="SPICE",
        PhysicalTableMap=table,
        RowLevelPermissionDataSet=rls,
    )
    create_data_set(
        d,
        "common-sales-live",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=table,
        RowLevelPermissionDataSet=rls,
    )
    wait_ingested(d, "common-sales", created["IngestionId"])
    for worker in d.workers:  # from here on, nothing runs in the background
        stop_worker(worker)

    for data_set_id in ("common-sales", "common-sales-live"):

        def rows_of(user: str, data_set_id: str = data_set_id) -> dict[str, Any]:
            return preview(d, data_set_id, "--as-user", user)

        assert customers(rows_of("internal-admin-1")) == {"red_customer", "blue_customer"}
        assert customers(rows_of("red-customer-reader-1")) == {"red_customer"}
        assert customers(rows_of("blue-customer-reader-1")) == {"blue_customer"}
        assert rows_of("internal-reader-1")["RowCount"] == 0  # no rule: no rows
        assert rows_of("red-customer-reader-1")["RowCount"] == 40

    d.remove_member("red-customer-grp", "red-customer-reader-1")
    try:
        for data_set_id in ("common-sales", "common-sales-live"):  # no worker ran: at once
            assert preview(d, data_set_id, "--as-user", "red-customer-reader-1")["RowCount"] == 0
    finally:
        d.add_members("red-customer-grp", "red-customer-reader-1")
    assert customers(preview(d, "common-sales", "--as-user", "red-customer-reader-1")) == {
        "red_customer"
    }


def test_column_level_security_hides_revenue_from_readers(seeded: Seeded) -> None:
    d, source_arn = seeded.d, seeded.source_arn
    admins = f"arn:aws:quicksight:us-east-1:{d.account_id}:group/default/qs-admin-grp"
    create_data_set(
        d,
        "sales-cls",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=relational(source_arn, "common_sales", SALES_COLUMNS),
        ColumnLevelPermissionRules=[{"Principals": [admins], "ColumnNames": ["revenue"]}],
    )
    admin = preview(d, "sales-cls", "--as-user", "internal-admin-1")
    reader = preview(d, "sales-cls", "--as-user", "red-customer-reader-1")
    assert "revenue" in [c["Name"] for c in admin["Columns"]]
    assert [c["Name"] for c in reader["Columns"]] == [
        "customer",
        "region",
        "product",
        "order_date",
        "quantity",
    ]
    assert all(len(row) == 5 for row in reader["Rows"])
    assert reader["RowCount"] == admin["RowCount"] == 80


def test_tag_rules_give_each_tag_its_rows(seeded: Seeded) -> None:
    d, source_arn = seeded.d, seeded.source_arn
    create_data_set(
        d,
        "sales-tags",
        ImportMode="DIRECT_QUERY",
        PhysicalTableMap=relational(source_arn, "common_sales", SALES_COLUMNS),
        RowLevelPermissionTagConfiguration={
            "Status": "ENABLED",
            "TagRules": [{"TagKey": "tenant", "ColumnName": "customer"}],
        },
    )
    assert customers(preview(d, "sales-tags", "--tag", "tenant=red_customer")) == {"red_customer"}
    assert customers(preview(d, "sales-tags", "--tag", "tenant=blue_customer")) == {"blue_customer"}
    assert preview(d, "sales-tags", "--tag", "other=x")["RowCount"] == 0  # no tag: no rows
    denied = run_cli(
        d.env,
        "datasets",
        "preview",
        "--account-id",
        d.account_id,
        "--data-set-id",
        "sales-tags",
        "--as-user",
        "nobody-here",
    )
    assert denied.returncode != 0 and "nobody-here" in denied.stderr
