"""The visual tests' datasets on both engines: ``backend`` is parametrized over SPICE
(DuckDB) and DIRECT_QUERY (a scratch PostgreSQL database ``sg_visuals_*``, with
SIGHTGATE_TEST_DATABASE_URL; skipped cleanly without it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from psycopg import sql

from sightgate.analytics.assets.visuals import SheetData, VisualData, VisualDataService
from sightgate.analytics.data.model import DataSet, ImportMode, PostgresConnection
from sightgate.analytics.data.query.security import Viewer
from tests.analytics.data.query.support import (
    SOURCE_ARN,
    Catalog,
    service,
    spice_data_set,
    table_data_set,
    user,
)

from .support import NOW, SALES, SALES_ROWS, STORES, STORES_ROWS

READER = "sg_visuals_reader"


@dataclass
class Backend:
    """One engine's datasets, the service over them, and ``reference(sql, params)``:
    hand-written SQL run directly on the engine (``{sales}``/``{stores}`` name the
    tables; ``?`` marks a parameter)."""

    name: str
    data_sets: dict[str, DataSet]
    service: VisualDataService
    run_sql: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

    def reference(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.run_sql(text, params)

    def sheet(
        self, definition: dict[str, Any], viewer: Viewer | None = None, **kw: Any
    ) -> SheetData:
        return self.service.sheet(viewer or user("viewer"), definition, self.data_sets, **kw)

    def visual(self, definition: dict[str, Any], visual_id: str, **kw: Any) -> VisualData:
        found = [v for v in self.sheet(definition, **kw).visuals if v.visual_id == visual_id]
        assert len(found) == 1
        return found[0]


@pytest.fixture(scope="session")
def spice(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    directory: Path = tmp_path_factory.mktemp("visuals")
    sales = spice_data_set(directory, "sales", SALES, SALES_ROWS)
    stores = spice_data_set(directory, "stores", STORES, STORES_ROWS)
    catalog = Catalog()
    catalog.add(sales, stores)
    files = {"sales": sales, "stores": stores}

    def reference(text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        conn = duckdb.connect()
        try:
            for name, data_set in files.items():
                assert data_set.spice_version is not None
                conn.execute(f"ATTACH '{data_set.spice_version.path}' AS {name} (READ_ONLY)")
            query = text.format(sales="sales.data", stores="stores.data")
            return [tuple(r) for r in conn.execute(query, list(params)).fetchall()]
        finally:
            conn.close()

    return Backend("duckdb", files, VisualDataService(service(catalog), now=lambda: NOW), reference)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Backend]:
    entry = os.environ.get("SIGHTGATE_TEST_DATABASE_URL")
    if not entry:
        pytest.skip("SIGHTGATE_TEST_DATABASE_URL is not set")
    name = f"sg_visuals_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(entry, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (READER,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(READER)))
        host, port = conn.info.host, conn.info.port
    admin = psycopg.conninfo.make_conninfo(entry, dbname=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE sales (customer TEXT, region TEXT, segment TEXT, "
            "revenue DOUBLE PRECISION, units BIGINT, order_date TIMESTAMP)"
        )
        conn.execute("CREATE TABLE stores (region TEXT, manager TEXT, budget DOUBLE PRECISION)")
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO sales VALUES (%s, %s, %s, %s, %s, %s)", SALES_ROWS)
            cursor.executemany("INSERT INTO stores VALUES (%s, %s, %s)", STORES_ROWS)
        conn.execute(sql.SQL("GRANT SELECT ON sales, stores TO {}").format(sql.Identifier(READER)))
    reader = PostgresConnection(
        host=host, port=port, database=name, user=READER, password=None, ssl=False
    )
    catalog = Catalog(sources={SOURCE_ARN: reader})
    files = {
        "sales": table_data_set("sales", SALES, mode=ImportMode.DIRECT_QUERY),
        "stores": table_data_set("stores", STORES, mode=ImportMode.DIRECT_QUERY),
    }
    catalog.add(*files.values())

    def reference(text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        query = text.format(sales="sales", stores="stores").replace("?", "%s")
        with psycopg.connect(admin) as conn:
            return [tuple(r) for r in conn.execute(query, list(params)).fetchall()]

    try:
        yield Backend(
            "postgres", files, VisualDataService(service(catalog), now=lambda: NOW), reference
        )
    finally:
        with psycopg.connect(entry, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=["duckdb", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each engine in turn."""
    fixture = "spice" if request.param == "duckdb" else "postgres"
    found: Backend = request.getfixturevalue(fixture)
    return found
