"""SPICE ingestions through boto3 against a real server: a SPICE dataset's first
ingestion, CreateIngestion, DescribeIngestion, ListIngestions (paged), CancelIngestion,
and their AWS errors."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.analytics.data.catalog.conftest import (  # noqa: F401 -- source_database: a fixture
    PASSWORD,
    source_database,
)
from tests.e2e.aws.conftest import (  # noqa: F401 -- fixtures
    ACCOUNT,
    REGION,
    aws_server,
    code_of,
    key,
    qs,
    subscribed,
)

SLOW_ROWS = 60
"""Rows of the slow dataset: one a second."""


def source_request(source_database: dict[str, Any], data_source_id: str) -> dict[str, Any]:  # noqa: F811
    return {
        "AwsAccountId": ACCOUNT,
        "DataSourceId": data_source_id,
        "Name": data_source_id,
        "Type": "POSTGRESQL",
        "DataSourceParameters": {
            "PostgreSqlParameters": {
                "Host": source_database["host"],
                "Port": source_database["port"],
                "Database": source_database["database"],
            }
        },
        "Credentials": {
            "CredentialPair": {"Username": source_database["user"], "Password": PASSWORD}
        },
        "SslProperties": {"DisableSsl": True},
    }


def spice_members(data_set_id: str, source_arn: str, sql: str) -> dict[str, Any]:
    """A SPICE dataset of one custom query."""
    return {
        "AwsAccountId": ACCOUNT,
        "DataSetId": data_set_id,
        "Name": data_set_id,
        "ImportMode": "SPICE",
        "PhysicalTableMap": {
            "q": {"CustomSql": {"DataSourceArn": source_arn, "Name": "q", "SqlQuery": sql}}
        },
    }


def rows_sql(rows: int, *, seconds_per_row: float = 0) -> str:
    """A query of ``rows`` sales rows, taking ``seconds_per_row`` for each."""
    # Correlated with g, so it runs for each row (an uncorrelated one would run once).
    sleep = (
        f", LATERAL (SELECT pg_sleep({seconds_per_row} + g * 0)) AS s" if seconds_per_row else ""
    )
    # The test's own numbers; the text is the dataset's definition, run at the source.
    select = "SELECT g AS id, CASE WHEN g % 2 = 0 THEN 'red_customer' ELSE 'blue_customer' END"
    return f"{select} AS customer, g * 1.5 AS revenue FROM generate_series(1, {rows}) AS g{sleep}"


def wait_for(
    client: Any, data_set_id: str, ingestion_id: str, *statuses: str, timeout: float = 60
) -> dict[str, Any]:
    """The ingestion once its status is one of ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        ingestion: dict[str, Any] = client.describe_ingestion(
            AwsAccountId=ACCOUNT, DataSetId=data_set_id, IngestionId=ingestion_id
        )["Ingestion"]
        if ingestion["IngestionStatus"] in statuses:
            return ingestion
        assert time.monotonic() < deadline, ingestion
        time.sleep(0.1)


@pytest.fixture(scope="module")
def warehouse(qs: Any, subscribed: str, source_database: dict[str, Any]) -> str:  # noqa: F811
    created = qs.create_data_source(**source_request(source_database, "spice-warehouse"))
    assert created["CreationStatus"] == "CREATION_SUCCESSFUL"
    return str(created["Arn"])


def test_a_spice_dataset_is_ingested_and_refreshed(qs: Any, warehouse: str) -> None:  # noqa: F811
    created = qs.create_data_set(**spice_members("sales", warehouse, rows_sql(1000)))
    first = created["IngestionId"]
    assert created["IngestionArn"] == (
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dataset/sales/ingestion/{first}"
    )
    done = wait_for(qs, "sales", first, "COMPLETED", "FAILED")
    assert done["IngestionStatus"] == "COMPLETED", done
    assert done["RequestType"] == "INITIAL_INGESTION"
    assert done["RequestSource"] == "MANUAL"
    assert done["RowInfo"] == {"RowsIngested": 1000, "RowsDropped": 0, "TotalRowsInDataset": 1000}
    assert done["IngestionSizeInBytes"] > 0
    assert done["IngestionTimeInSeconds"] >= 0

    refresh = qs.create_ingestion(
        AwsAccountId=ACCOUNT,
        DataSetId="sales",
        IngestionId="refresh-1",
        IngestionType="FULL_REFRESH",
    )
    assert refresh["Status"] == 201 and refresh["IngestionStatus"] in (
        "QUEUED",
        "RUNNING",
        "COMPLETED",
    )
    assert refresh["Arn"].endswith(":dataset/sales/ingestion/refresh-1")
    assert wait_for(qs, "sales", "refresh-1", "COMPLETED")["RequestType"] == "FULL_REFRESH"
    assert (
        code_of(
            lambda: qs.create_ingestion(
                AwsAccountId=ACCOUNT, DataSetId="sales", IngestionId="refresh-1"
            )
        )
        == "ResourceExistsException"
    )

    listed = qs.list_ingestions(AwsAccountId=ACCOUNT, DataSetId="sales", MaxResults=1)
    assert [i["IngestionId"] for i in listed["Ingestions"]] == ["refresh-1"]
    rest = qs.list_ingestions(
        AwsAccountId=ACCOUNT, DataSetId="sales", NextToken=listed["NextToken"]
    )
    assert [i["IngestionId"] for i in rest["Ingestions"]] == [first]
    assert "NextToken" not in rest

    assert (
        code_of(
            lambda: qs.cancel_ingestion(AwsAccountId=ACCOUNT, DataSetId="sales", IngestionId=first)
        )
        == "InvalidParameterValueException"
    )


def test_a_source_that_goes_away_mid_ingestion_fails_it_and_keeps_the_version(
    qs: Any,  # noqa: F811
    warehouse: str,
    source_database: dict[str, Any],  # noqa: F811
) -> None:
    import psycopg

    created = qs.create_data_set(**spice_members("vanishing", warehouse, rows_sql(3)))
    wait_for(qs, "vanishing", created["IngestionId"], "COMPLETED")
    updated = qs.update_data_set(
        **spice_members("vanishing", warehouse, rows_sql(SLOW_ROWS, seconds_per_row=1))
    )
    running = updated["IngestionId"]
    wait_for(qs, "vanishing", running, "RUNNING")
    killed = 0
    deadline = time.monotonic() + 30
    with psycopg.connect(
        host=source_database["host"],
        port=source_database["port"],
        user=source_database["user"],
        dbname=source_database["database"],
        autocommit=True,
    ) as admin:
        while True:  # the source goes away: every session of the build is cut off
            row = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name = 'sightgate' "
                "AND pid <> pg_backend_pid()",
                (source_database["database"],),
            ).fetchone()
            killed += row[0] if row else 0
            failed = qs.describe_ingestion(
                AwsAccountId=ACCOUNT, DataSetId="vanishing", IngestionId=running
            )["Ingestion"]
            if failed["IngestionStatus"] != "RUNNING" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert killed >= 1
    assert failed["IngestionStatus"] == "FAILED", failed
    assert failed["ErrorInfo"]["Type"] in ("DATA_SOURCE_CONNECTION_FAILED", "SQL_EXCEPTION")
    assert PASSWORD not in failed["ErrorInfo"]["Message"]
    described = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId="vanishing")["DataSet"]
    assert described["ConsumedSpiceCapacityInBytes"] > 0  # version 1 is still served


def test_a_running_ingestion_is_cancelled(qs: Any, warehouse: str) -> None:  # noqa: F811
    created = qs.create_data_set(**spice_members("slow", warehouse, rows_sql(2)))
    wait_for(qs, "slow", created["IngestionId"], "COMPLETED")
    updated = qs.update_data_set(
        **spice_members("slow", warehouse, rows_sql(SLOW_ROWS, seconds_per_row=1))
    )
    running = updated["IngestionId"]
    wait_for(qs, "slow", running, "RUNNING")
    queued = qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId="slow", IngestionId="behind")
    assert queued["IngestionStatus"] == "QUEUED"
    behind = qs.describe_ingestion(AwsAccountId=ACCOUNT, DataSetId="slow", IngestionId="behind")
    assert behind["Ingestion"]["QueueInfo"] == {
        "WaitingOnIngestion": "behind",
        "QueuedIngestion": running,
    }
    assert (
        code_of(
            lambda: qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId="slow", IngestionId="third")
        )
        == "LimitExceededException"
    )

    cancelled = qs.cancel_ingestion(AwsAccountId=ACCOUNT, DataSetId="slow", IngestionId=running)
    assert cancelled["Status"] == 200 and cancelled["IngestionId"] == running
    gone = wait_for(qs, "slow", running, "CANCELLED")
    assert gone["ErrorInfo"]["Type"] == "INGESTION_CANCELED"
    # The queued one runs next, over the (slow) new definition; cancel it too.
    wait_for(qs, "slow", "behind", "RUNNING")
    qs.cancel_ingestion(AwsAccountId=ACCOUNT, DataSetId="slow", IngestionId="behind")
    wait_for(qs, "slow", "behind", "CANCELLED")


def test_errors(qs: Any, warehouse: str) -> None:  # noqa: F811
    assert (
        code_of(
            lambda: qs.describe_ingestion(
                AwsAccountId=ACCOUNT, DataSetId="sales", IngestionId="nope"
            )
        )
        == "ResourceNotFoundException"
    )
    assert (
        code_of(
            lambda: qs.create_ingestion(AwsAccountId=ACCOUNT, DataSetId="missing", IngestionId="x")
        )
        == "ResourceNotFoundException"
    )
    assert (
        code_of(lambda: qs.list_ingestions(AwsAccountId=ACCOUNT, DataSetId="missing"))
        == "ResourceNotFoundException"
    )
    assert (
        code_of(
            lambda: qs.cancel_ingestion(AwsAccountId=ACCOUNT, DataSetId="sales", IngestionId="nope")
        )
        == "ResourceNotFoundException"
    )
