"""Write transactions: queueing, and the no-wait scope the server uses on its event loop
(on SQLite the write lock; on PostgreSQL another transaction's row or table lock)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Connection, create_engine, text

from sightgate.platform.db import Database, WouldWaitError


def _total(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(text("SELECT sum(n) FROM counter")).scalar_one())


def _add_one(conn: Connection) -> None:
    conn.execute(text("UPDATE counter SET n = n + 1"))


def _hold_write_lock(db: Database, held: threading.Event, release: threading.Event) -> None:
    with db.write() as conn:
        _add_one(conn)
        held.set()
        release.wait(10)


def _while_another_writes(db: Database) -> tuple[threading.Event, threading.Thread]:
    """Another thread in a write transaction that holds the lock until the event is set."""
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db, held, release))
    holder.start()
    assert held.wait(10)
    return release, holder


def test_a_write_that_would_wait_raises_before_doing_anything(counter: Database) -> None:
    db = counter
    release, holder = _while_another_writes(db)
    try:
        started = time.monotonic()
        with pytest.raises(WouldWaitError), db.without_waiting(), db.write() as conn:
            _add_one(conn)
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        holder.join()
    assert _total(db) == 1  # the holder's write only


def test_another_process_holding_the_lock_is_noticed_too(counter: Database) -> None:
    """A second Database stands for another process: our in-process lock cannot see it."""
    db = counter
    other = Database(db.url)
    release, holder = _while_another_writes(other)
    try:
        with pytest.raises(WouldWaitError), db.without_waiting(), db.write() as conn:
            _add_one(conn)
    finally:
        release.set()
        holder.join()
        other.dispose()
    # Outside the scope, writers wait again (the busy timeout was restored).
    with db.write() as conn:
        _add_one(conn)
    assert _total(db) == 2


def test_only_the_first_write_of_the_scope_refuses_to_wait(counter: Database) -> None:
    db = counter
    with db.without_waiting():
        with db.write() as conn:
            _add_one(conn)
        release, holder = _while_another_writes(db)
        threading.Timer(0.2, release.set).start()
        with db.write() as conn:  # waits for the holder instead of raising
            _add_one(conn)
        holder.join()
    assert _total(db) == 3


def test_without_waiting_changes_nothing_when_the_lock_is_free(counter: Database) -> None:
    db = counter
    with db.without_waiting(), db.write() as conn:
        _add_one(conn)
    assert _total(db) == 1


def test_a_read_that_would_wait_for_a_lock_raises_on_postgresql(counter: Database) -> None:
    """A migration's ALTER TABLE holds the table for as long as it runs: a read in the
    scope gives up instead of holding up the event loop; outside it, reads wait."""
    db = counter
    if db.embedded:
        pytest.skip("SQLite reads never wait (WAL)")
    held, release = threading.Event(), threading.Event()

    def migrate() -> None:
        with db.write() as conn:
            conn.execute(text("LOCK TABLE counter IN ACCESS EXCLUSIVE MODE"))
            held.set()
            release.wait(10)

    holder = threading.Thread(target=migrate)
    holder.start()
    assert held.wait(10)
    try:
        started = time.monotonic()
        with pytest.raises(WouldWaitError), db.without_waiting():
            _total(db)
        assert time.monotonic() - started < 1.0
    finally:
        threading.Timer(0.2, release.set).start()
        assert _total(db) == 0  # waited for the holder
        holder.join()


def test_the_scope_runs_on_connections_of_its_own_on_postgresql(db: Database) -> None:
    """The event loop never waits for a pooled connection the worker threads hold: its
    scope opens one of its own instead."""
    if db.embedded:
        pytest.skip("PostgreSQL only")
    with db.read() as outside, db.without_waiting(), db.read() as inside:
        assert _backend_pid(inside) != _backend_pid(outside)
        lock_timeout = inside.execute(text("SHOW lock_timeout")).scalar_one()
    assert lock_timeout == "20ms"


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
