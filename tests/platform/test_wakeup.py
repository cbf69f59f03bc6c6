"""An idle dispatcher sleeps until a commit announces new events, and is woken at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text

from sightgate.platform.db import Database
from sightgate.platform.dispatch import Dispatcher
from sightgate.platform.events import Actor, DomainEvent, StoredEvent
from sightgate.platform.uow import UnitOfWork

ACTOR = Actor("test", "wakeup")
LONG_POLL = 30.0
"""A poll interval no test waits for: only a wake-up can explain a prompt delivery."""


class Recorder:
    """Remembers when each event arrived."""

    name = "wakeup-recorder"

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    def handle(self, event: StoredEvent, uow: UnitOfWork) -> None:
        self.arrived[event.aggregate_id] = time.monotonic()


def emit(db: Database, aggregate_id: str) -> float:
    """Commit one event; when the commit returned."""
    with UnitOfWork(db, ACTOR) as uow:
        uow.emit(DomainEvent("test.Happened", "Thing", aggregate_id, "scope"))
    return time.monotonic()


@contextmanager
def running(
    db: Database, recorder: Recorder, **kwargs: float
) -> Iterator[tuple[threading.Event, threading.Thread]]:
    """A dispatcher in a thread, idle (caught up) when the block starts."""
    stop = threading.Event()
    thread = threading.Thread(
        target=Dispatcher(db, [recorder]).run_forever, args=(stop,), kwargs=kwargs
    )
    thread.start()
    try:
        time.sleep(0.5)  # its first round, and (PostgreSQL) its LISTEN
        yield stop, thread
    finally:
        stop.set()
        thread.join(10)


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_an_idle_dispatcher_makes_few_store_queries(db: Database) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    with running(db, Recorder()):
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            time.sleep(2.0)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    # The slow poll looks about twice in 2 s (a few statements each); polling every 50 ms
    # made well over a hundred.
    assert len(statements) <= 20, statements


def test_a_commit_wakes_the_idle_dispatcher_at_once(db: Database) -> None:
    recorder = Recorder()
    with running(db, recorder, poll_interval=LONG_POLL):
        committed = emit(db, "a")
        assert wait_until(lambda: "a" in recorder.arrived, 5), "not delivered"
    assert recorder.arrived["a"] - committed < 0.5


def test_a_commit_of_another_process_wakes_it_on_postgresql(db: Database) -> None:
    """A second Database stands for another process: only the NOTIFY can reach it."""
    if db.embedded:
        pytest.skip("on SQLite another process's events are found by the slow poll")
    recorder = Recorder()
    other = Database(db.url)
    try:
        with running(db, recorder, poll_interval=LONG_POLL):
            committed = emit(other, "b")
            assert wait_until(lambda: "b" in recorder.arrived, 5), "not delivered"
    finally:
        other.dispose()
    assert recorder.arrived["b"] - committed < 0.5


def test_events_no_commit_announced_are_found_by_the_slow_poll(db: Database) -> None:
    recorder = Recorder()
    other = Database(db.url)
    try:
        with running(db, recorder, poll_interval=0.3):
            # An announcement this process never hears (another process on SQLite, a
            # NOTIFY lost on PostgreSQL): the event committed without a ring or a NOTIFY.
            with other.write() as conn:
                conn.execute(
                    text(
                        "INSERT INTO events (event_id, type, aggregate_type, aggregate_id,"
                        " scope, actor, occurred_at, payload) VALUES ('e-unannounced',"
                        " 'test.Happened', 'Thing', 'c', 'scope', 'test:wakeup',"
                        " CURRENT_TIMESTAMP, '{}')"
                    )
                )
            assert wait_until(lambda: "c" in recorder.arrived, 3), "the poll did not find it"
    finally:
        other.dispose()


def test_a_starting_dispatcher_catches_up_on_what_it_missed(db: Database) -> None:
    emit(db, "before")
    recorder = Recorder()
    with running(db, recorder, poll_interval=LONG_POLL):
        assert "before" in recorder.arrived


def test_stop_wakes_a_sleeping_dispatcher_promptly(db: Database) -> None:
    with running(db, Recorder(), poll_interval=LONG_POLL) as (stop, thread):
        stopped = time.monotonic()
        stop.set()
        thread.join(5)
        assert not thread.is_alive()
        assert time.monotonic() - stopped < 0.5


def _listener_pids(db: Database) -> set[int]:
    with db.read() as conn:
        rows = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND query LIKE 'LISTEN%'"
            )
        )
        return {int(pid) for pid in rows.scalars()}


def test_a_dropped_listen_connection_is_reopened(db: Database) -> None:
    if db.embedded:
        pytest.skip("only PostgreSQL has a LISTEN connection")
    recorder = Recorder()
    with running(db, recorder, poll_interval=LONG_POLL):
        assert wait_until(lambda: len(_listener_pids(db)) == 1, 5)
        (dropped,) = _listener_pids(db)
        with db.read() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        assert wait_until(lambda: _listener_pids(db) - {dropped} != set(), 5), "no reconnect"
        committed = emit(db, "d")
        assert wait_until(lambda: "d" in recorder.arrived, 5), "not delivered"
    assert recorder.arrived["d"] - committed < 0.5
