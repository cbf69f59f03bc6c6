"""Where an operation runs: bounded ones in place on the event loop (unless a lock they
need is taken, or the deployment turned it off), scans on a worker thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
from sqlalchemy import text

from sightgate.platform.db import Database
from sightgate.platform.execution import BOUNDED_INPUT_BYTES, Cost, Execution


def _count_one(db: Database) -> None:
    with db.write() as conn:
        conn.execute(text("UPDATE counter SET n = n + 1"))


def where(db: Database, cost: Cost, input_bytes: int = 0, *, write: bool = False) -> str:
    """``in place`` or ``thread``: where ``Execution.run`` ran an operation."""

    def operation() -> int:
        if write:
            _count_one(db)
        return threading.get_ident()

    async def main() -> str:
        loop_thread = threading.get_ident()
        ran_on = await Execution(db).run(operation, cost, input_bytes)
        return "in place" if ran_on == loop_thread else "thread"

    return anyio.run(main)


@contextmanager
def writer_holding_the_lock(db: Database, seconds: float) -> Iterator[None]:
    """Another thread of this process in a write transaction of the counter for
    ``seconds``."""
    began = threading.Event()

    def hold() -> None:
        with db.write() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
            began.set()
            threading.Event().wait(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    began.wait()
    try:
        yield
    finally:
        holder.join()


def test_a_bounded_operation_runs_in_place(counter: Database) -> None:
    db = counter
    assert where(db, Cost.BOUNDED) == "in place"
    assert where(db, Cost.BOUNDED, write=True) == "in place"
    assert where(db, Cost.BOUNDED, BOUNDED_INPUT_BYTES) == "in place"


def test_a_scan_or_a_large_input_runs_on_a_worker_thread(db: Database) -> None:
    assert where(db, Cost.SCAN) == "thread"
    assert where(db, Cost.BOUNDED, BOUNDED_INPUT_BYTES + 1) == "thread"


def test_with_in_place_off_every_operation_runs_on_a_worker_thread(db: Database) -> None:
    """``SIGHTGATE_IN_PLACE=false``: for a database far away."""
    far = Database(db.url, in_place=False)
    try:
        assert where(far, Cost.BOUNDED) == "thread"
    finally:
        far.dispose()


def test_a_bounded_write_that_would_wait_runs_on_a_worker_thread_once(counter: Database) -> None:
    db = counter
    with writer_holding_the_lock(db, 0.2):
        assert where(db, Cost.BOUNDED, write=True) == "thread"
    with db.read() as conn:
        # the holder's write and the operation's, which ran on the thread only
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 2


def test_bookkeeping_is_skipped_while_the_lock_is_taken(counter: Database) -> None:
    db = counter
    ran: list[int] = []

    def bookkeeping() -> None:
        _count_one(db)
        ran.append(threading.get_ident())

    execution = Execution(db)
    with writer_holding_the_lock(db, 0.2):
        anyio.run(execution.run_unless_busy, bookkeeping)
    assert ran == []
    anyio.run(execution.run_unless_busy, bookkeeping)
    assert len(ran) == 1
