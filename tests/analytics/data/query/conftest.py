"""A scratch PostgreSQL database for DIRECT_QUERY tests (with SIGHTGATE_TEST_DATABASE_URL):
created per session beside the entry database, with a login role that may only read,
as a data source's credentials should be."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from sightgate.analytics.data.model import PostgresConnection

READER = "sg_engine_reader"


@dataclass(frozen=True)
class ScratchDatabase:
    """``admin`` is a superuser connection string; ``reader`` the data source's."""

    admin: str
    reader: PostgresConnection


@pytest.fixture(scope="session")
def scratch_pg() -> Iterator[ScratchDatabase]:
    entry = os.environ.get("SIGHTGATE_TEST_DATABASE_URL")
    if not entry:
        pytest.skip("SIGHTGATE_TEST_DATABASE_URL is not set")
    name = f"sg_engine_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(entry, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (READER,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(READER)))
        host, port = conn.info.host, conn.info.port
    admin = psycopg.conninfo.make_conninfo(entry, dbname=name)
    reader = PostgresConnection(
        host=host, port=port, database=name, user=READER, password=None, ssl=False
    )
    try:
        yield ScratchDatabase(admin, reader)
    finally:
        with psycopg.connect(entry, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
