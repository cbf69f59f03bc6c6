"""Fixtures of the catalog tests: a subscribed account, a reachable PostgreSQL source
(the test server of SIGHTGATE_TEST_DATABASE_URL), a closed port, and moto's S3."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import make_url

from sightgate.analytics.data.services import Data
from sightgate.analytics.data.sources import DataSourceService
from sightgate.bootstrap import Services
from sightgate.platform.db import Database

SECRET = b"test server secret, not for production use"
PASSWORD = "Pa55-w0rd'; DROP TABLE x; --"
"""Every test source's password: it must never show up in an answer, event or message."""


def free_port() -> int:
    """A TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def data(services: Services) -> Data:
    """The data context's services over the test store."""
    return services.data


@pytest.fixture
def sources(data: Data) -> DataSourceService:
    return data.sources


def pg_target() -> dict[str, Any]:
    """Host, port, database and user of the PostgreSQL test server (skips without it)."""
    entry = os.environ.get("SIGHTGATE_TEST_DATABASE_URL")
    if not entry:
        pytest.skip("SIGHTGATE_TEST_DATABASE_URL is not set")
    url = make_url(entry)
    return {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "database": url.database or "postgres",
        "user": url.username or "postgres",
    }


def pg_request(
    data_source_id: str,
    *,
    host: str | None = None,
    port: int | None = None,
    database: str | None = None,
    disable_ssl: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A CreateDataSource request for a POSTGRESQL source (the test server by default)."""
    target = pg_target() if host is None or database is None else {}
    return {
        "DataSourceId": data_source_id,
        "Name": f"source {data_source_id}",
        "Type": "POSTGRESQL",
        "DataSourceParameters": {
            "PostgreSqlParameters": {
                "Host": host or target["host"],
                "Port": port or target.get("port", 5432),
                "Database": database or target["database"],
            }
        },
        "Credentials": {
            "CredentialPair": {"Username": target.get("user", "postgres"), "Password": PASSWORD}
        },
        "SslProperties": {"DisableSsl": disable_ssl},
        **extra,
    }


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 in server mode, on a port of its own."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_sources(db: Database, services: Services, s3_endpoint: str) -> DataSourceService:
    """A data source service reading S3 at moto's endpoint."""
    return DataSourceService(
        db,
        services.access.permissions,
        services.access.authorizer,
        lambda: SECRET,
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
    )


def s3_client(endpoint: str) -> Any:
    """A boto3 S3 client of moto's (any credentials work there)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIAMOTO",
        aws_secret_access_key="moto-secret",
    )


SOURCE_DATABASE = "sg_catalog_source"
"""The database the catalog tests' PostgreSQL sources read (beside the test database)."""

SOURCE_SCHEMA = """
DROP TABLE IF EXISTS public.sales, public.customers, public.rules, public.rules_no_user,
    public.rules_extra, public.canary;
CREATE TABLE public.sales (
    id integer, region text, customer text, revenue numeric(12, 2), order_date date,
    paid boolean
);
CREATE TABLE public.customers (customer_id text, segment text);
CREATE TABLE public.rules ("UserName" text, "GroupName" text, customer text);
CREATE TABLE public.rules_no_user (customer text);
CREATE TABLE public.rules_extra ("UserName" text, planet text);
CREATE TABLE public.canary (id integer);
INSERT INTO public.canary VALUES (1);
"""


@pytest.fixture(scope="session")
def source_database() -> dict[str, Any]:
    """A database with the tables the test datasets read (skips without PostgreSQL)."""
    import psycopg

    target = pg_target()
    admin = dict(host=target["host"], port=target["port"], user=target["user"])
    with psycopg.connect(dbname=target["database"], autocommit=True, **admin) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (SOURCE_DATABASE,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{SOURCE_DATABASE}"')
    with psycopg.connect(dbname=SOURCE_DATABASE, autocommit=True, **admin) as conn:
        conn.execute(SOURCE_SCHEMA)
    return {**target, "database": SOURCE_DATABASE}


def canary_rows(source: dict[str, Any]) -> int:
    """The rows of the canary table (a test that injects SQL must leave it as it was)."""
    import psycopg

    with psycopg.connect(
        host=source["host"], port=source["port"], user=source["user"], dbname=source["database"]
    ) as conn:
        row = conn.execute("SELECT count(*) FROM public.canary").fetchone()
    assert row is not None
    return int(row[0])
