"""Epochs: the newest outbox position of a scope, and a cache that never serves an answer
computed before a change it did not see."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import IO, Any

import pytest
from psycopg.pq import Trace
from sqlalchemy import event, text
from sqlalchemy.pool import Pool

from sightgate.analytics.access.epoch import EpochCache, read_epochs
from sightgate.platform.db import Database
from sightgate.platform.events import Actor, DomainEvent
from sightgate.platform.uow import UnitOfWork

ACTOR = Actor("test", "epochs")


def change(db: Database, scope: str) -> None:
    """Commit one event in ``scope`` (what every change to it does)."""
    with UnitOfWork(db, ACTOR) as uow:
        uow.emit(DomainEvent("test.Changed", "Thing", "t", scope))


def epochs(db: Database, *scopes: str) -> tuple[int, ...]:
    return read_epochs(db, scopes)


def test_an_epoch_is_the_newest_position_of_its_scope(db: Database) -> None:
    assert epochs(db, "a", "b") == (0, 0)
    assert epochs(db) == ()
    change(db, "a")
    first = epochs(db, "a", "b")
    assert first[0] > 0 and first[1] == 0
    change(db, "b")
    second = epochs(db, "a", "b")
    assert second[0] == first[0] and second[1] > first[0]
    assert epochs(db, "b", "a") == (second[1], second[0])


def test_a_value_is_reused_until_one_of_its_scopes_changes(db: Database) -> None:
    cache: EpochCache[str, int] = EpochCache(db)
    computed: list[int] = []

    def compute() -> tuple[int, tuple[str, ...]]:
        computed.append(1)
        return len(computed), ("a", "b")

    assert [cache.get("k", compute) for _ in range(4)] == [1, 2, 2, 2]
    change(db, "unrelated")
    assert cache.get("k", compute) == 2
    change(db, "b")
    assert cache.get("k", compute) == 3
    assert cache.get("k", compute) == 3


def test_a_change_committed_while_computing_is_seen_by_the_next_call(db: Database) -> None:
    cache: EpochCache[str, str] = EpochCache(db)
    state = {"value": "before"}

    def compute_then_change() -> tuple[str, tuple[str, ...]]:
        seen = state["value"]
        state["value"] = "after"
        change(db, "a")  # committed after the read above: the answer is already stale
        return seen, ("a",)

    assert cache.get("k", lambda: (state["value"], ("a",))) == "before"
    assert cache.get("k", compute_then_change) == "before"  # epochs read, then computed
    assert cache.get("k", lambda: (state["value"], ("a",))) == "after"


def test_the_cache_is_bounded(db: Database) -> None:
    cache: EpochCache[int, int] = EpochCache(db, max_entries=3)
    calls: list[int] = []

    def compute(key: int) -> tuple[int, tuple[str, ...]]:
        calls.append(key)
        return key, ()

    for key in (1, 2, 3, 4):
        cache.get(key, partial(compute, key))
        cache.get(key, partial(compute, key))
    before = len(calls)
    cache.get(1, partial(compute, 1))  # evicted: computed again
    assert len(calls) == before + 1


# -- on PostgreSQL: one round trip, and a dropped connection is no error -------------------


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url)
    yield database
    database.dispose()


class Wire:
    """What the PostgreSQL connections opened while it listens send (libpq's trace)."""

    def __init__(self, trace: IO[str]) -> None:
        self._trace = trace

    def __call__(self, dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.pgconn.trace(self._trace.fileno())
        dbapi_conn.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)

    def round_trips(self) -> list[str]:
        """The messages sent so far that each wait for the server: a simple ``Query``
        or the ``Sync`` ending an extended-protocol statement (Parse/Bind/Execute)."""
        self._trace.seek(0)
        found = []
        for line in self._trace:
            fields = line.split("\t")  # direction, length, message and its contents
            if len(fields) > 2 and fields[0] == "F" and fields[2].split()[0] in {"Query", "Sync"}:
                found.append(line.strip())
        return found


@contextmanager
def wire(db: Database) -> Iterator[Wire]:
    with tempfile.TemporaryFile("w+") as trace:
        listener = Wire(trace)
        db.dispose()  # every connection used in the block is a new, traced one
        event.listen(Pool, "connect", listener)
        try:
            yield listener
        finally:
            event.remove(Pool, "connect", listener)
            db.dispose()


def test_on_postgresql_an_epoch_read_is_one_round_trip(pg: Database) -> None:
    """No ping, no BEGIN, no COMMIT: the statement alone. (A read transaction on the
    main pool sends a ping, BEGIN, the statement and COMMIT.)"""
    change(pg, "a")
    with wire(pg) as sent:
        epochs(pg, "a")  # opens the connection: its set-up is not counted
        before = len(sent.round_trips())
        assert epochs(pg, "a", "b")[0] > 0
        assert len(sent.round_trips()) - before == 1, sent.round_trips()[before:]


def test_on_postgresql_a_connection_the_server_dropped_is_replaced(pg: Database) -> None:
    """Without a ping at checkout, a pooled connection whose backend is gone (a server
    restart) fails its statement; the read then runs again on a new connection."""
    backends: list[int] = []

    def note_backend(conn: Any, *_: Any) -> None:
        backends.append(conn.connection.driver_connection.info.backend_pid)

    change(pg, "a")
    event.listen(pg.engine, "before_cursor_execute", note_backend)
    try:
        first = epochs(pg, "a")
        with pg.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backends[-1]})
            admin.commit()
        assert epochs(pg, "a") == first
    finally:
        event.remove(pg.engine, "before_cursor_execute", note_backend)
    assert len(set(backends)) >= 2  # the read ran again, elsewhere
