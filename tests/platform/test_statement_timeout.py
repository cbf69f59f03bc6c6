"""A statement that runs past the time limit is cancelled with QueryTimeoutError, and the
connection stays usable; migrations are not limited."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import TextClause, text

from sightgate.platform.db import Database
from sightgate.platform.errors import QueryTimeoutError

# About 10^9 steps of SQLite's virtual machine: minutes of work.
SQLITE_ENDLESS = text(
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000)"
    " SELECT count(*) FROM c"
)
SQLITE_HALF_A_SECOND = text(
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :n)"
    " SELECT count(*) FROM c"
)


def slow_query(db: Database, seconds: float) -> tuple[TextClause, dict[str, float]]:
    """A statement that runs about ``seconds`` (on SQLite: far longer)."""
    if db.embedded:
        return (SQLITE_ENDLESS, {})
    return (text("SELECT pg_sleep(:s)"), {"s": seconds})


@pytest.fixture
def limited(database_url: str) -> Iterator[Database]:
    database = Database(database_url, statement_timeout_ms=200)
    yield database
    database.dispose()


def test_a_slow_read_raises_query_timeout_and_the_connection_works_after(
    limited: Database,
) -> None:
    statement, params = slow_query(limited, 30)
    with limited.engine.connect() as conn:
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError) as raised:
            conn.execute(statement, params)
        assert time.monotonic() - started < 3
        assert raised.value.limit_ms == 200
        conn.rollback()
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_reads_are_limited_too(limited: Database) -> None:
    """``read()`` and ``latest_row`` use their own pool on PostgreSQL: same limit, same
    error."""
    statement, params = slow_query(limited, 30)
    with pytest.raises(QueryTimeoutError), limited.read() as conn:
        conn.execute(statement, params)
    with pytest.raises(QueryTimeoutError):
        limited.latest_row(statement, params)
    with limited.read() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_a_slow_write_transaction_is_rolled_back_and_the_lock_released(
    limited: Database,
) -> None:
    statement, params = slow_query(limited, 30)
    with pytest.raises(QueryTimeoutError), limited.write() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS scratch (n INTEGER)"))
        conn.execute(statement, params)
    with limited.write() as conn:  # the next writer is not locked out
        conn.execute(text("CREATE TABLE IF NOT EXISTS scratch (n INTEGER)"))
        conn.execute(text("DROP TABLE scratch"))


def test_fast_statements_are_not_limited_by_earlier_ones(limited: Database) -> None:
    """The limit is per statement, not per connection or transaction."""
    with limited.read() as conn:
        for _ in range(3):
            time.sleep(0.15)
            conn.execute(text("SELECT 1"))


def test_the_maintenance_engine_has_no_time_limit(limited: Database) -> None:
    if limited.embedded:
        statement, params = SQLITE_HALF_A_SECOND, {"n": 3_000_000.0}
    else:
        statement, params = text("SELECT pg_sleep(:s)"), {"s": 0.5}
    with limited.maintenance_engine.connect() as conn:
        started = time.monotonic()
        conn.execute(statement, params)
        assert time.monotonic() - started > 0.2  # it did run past the limit
    with limited.engine.connect() as conn, pytest.raises(QueryTimeoutError):
        conn.execute(*slow_query(limited, 30))


def test_postgresql_sessions_get_the_default_limit(db: Database) -> None:
    if db.embedded:
        pytest.skip("a PostgreSQL setting")
    with db.read() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "30s"
