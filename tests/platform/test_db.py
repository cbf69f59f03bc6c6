"""Write transactions: queueing, and the no-wait scope the server uses on its event loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, text

from sightgate.platform.db import Database, WriteWouldWaitError


def _count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(text("SELECT count(*) FROM scratch")).scalar_one())


@pytest.fixture
def scratch(db: Database) -> Iterator[Database]:
    with db.write() as conn:
        conn.execute(text("CREATE TABLE scratch (n INTEGER)"))
    yield db
    with db.write() as conn:
        conn.execute(text("DROP TABLE scratch"))


def _insert(conn: Connection) -> None:
    conn.execute(text("INSERT INTO scratch (n) VALUES (1)"))


def _hold_write_lock(db: Database, held: threading.Event, release: threading.Event) -> None:
    with db.write() as conn:
        _insert(conn)
        held.set()
        release.wait(10)


def test_a_write_that_would_wait_raises_before_doing_anything(scratch: Database) -> None:
    db = scratch
    if not db.embedded:
        pytest.skip("only the embedded store runs writes in place")
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db, held, release))
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        with pytest.raises(WriteWouldWaitError), db.without_waiting(), db.write() as conn:
            _insert(conn)
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        holder.join()
    assert _count(db) == 1  # the holder's row only


def test_another_process_holding_the_lock_is_noticed_too(scratch: Database) -> None:
    """A second Database stands for another process: our in-process lock cannot see it."""
    db = scratch
    if not db.embedded:
        pytest.skip("only the embedded store runs writes in place")
    other = Database(db.url)
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(other, held, release))
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(WriteWouldWaitError), db.without_waiting(), db.write() as conn:
            _insert(conn)
    finally:
        release.set()
        holder.join()
        other.dispose()
    # Outside the scope, writers wait again (the busy timeout was restored).
    with db.write() as conn:
        _insert(conn)
    assert _count(db) == 2


def test_only_the_first_write_of_the_scope_refuses_to_wait(scratch: Database) -> None:
    db = scratch
    held, release = threading.Event(), threading.Event()
    with db.without_waiting():
        with db.write() as conn:
            _insert(conn)
        holder = threading.Thread(target=_hold_write_lock, args=(db, held, release))
        holder.start()
        assert held.wait(10)
        threading.Timer(0.2, release.set).start()
        with db.write() as conn:  # waits for the holder instead of raising
            _insert(conn)
        holder.join()
    assert _count(db) == 3


def test_without_waiting_changes_nothing_when_the_lock_is_free(scratch: Database) -> None:
    db = scratch
    with db.without_waiting(), db.write() as conn:
        _insert(conn)
    assert _count(db) == 1


def _backend_pid(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(db: Database, *pids: int) -> None:
    """End backends from a connection of another engine (the pools must not notice)."""
    admin = create_engine(db.url)
    try:
        with admin.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def test_on_postgresql_reads_run_outside_a_transaction(db: Database) -> None:
    """A read on PostgreSQL costs no BEGIN and COMMIT (module docstring of platform.db)."""
    if db.embedded:
        pytest.skip("SQLite reads are read transactions")
    with db.read() as conn:
        state = conn.execute(text("SELECT now() = statement_timestamp()")).scalar_one()
    assert state is True  # inside a transaction now() is the transaction's start


def test_on_postgresql_an_idle_connection_whose_server_went_away_is_replaced(
    db: Database,
) -> None:
    """No ping at every checkout, but one after ``PING_IF_IDLE_S`` of idleness: a read and a
    write after a dropped backend (a restart, an idle timeout) still succeed."""
    if db.embedded:
        pytest.skip("PostgreSQL only")
    from sightgate.platform.db import PING_IF_IDLE_S

    with db.read() as conn:
        reader = _backend_pid(conn)
    with db.write() as conn:
        writer = _backend_pid(conn)
    _terminate(db, reader, writer)
    time.sleep(PING_IF_IDLE_S + 0.2)
    with db.read() as conn:
        assert _backend_pid(conn) != reader
    with db.write() as conn:
        assert _backend_pid(conn) != writer
