"""Where an operation runs: bounded ones in place on the embedded store (unless their
write would wait), scans and anything on PostgreSQL on a worker thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import pytest
from sqlalchemy import text

from sightgate.platform.db import Database
from sightgate.platform.execution import BOUNDED_INPUT_BYTES, Cost, Execution


def where(db: Database, cost: Cost, input_bytes: int = 0, *, write: bool = False) -> str:
    """``in place`` or ``thread``: where ``Execution.run`` ran an operation."""

    def operation() -> int:
        if write:
            with db.write() as conn:
                conn.execute(text("SELECT 1"))
        return threading.get_ident()

    async def main() -> str:
        loop_thread = threading.get_ident()
        ran_on = await Execution(db).run(operation, cost, input_bytes)
        return "in place" if ran_on == loop_thread else "thread"

    return anyio.run(main)


@contextmanager
def writer_holding_the_lock(db: Database, seconds: float) -> Iterator[None]:
    """Another thread of this process in a write transaction for ``seconds``."""
    began = threading.Event()

    def hold() -> None:
        with db.write() as conn:
            conn.execute(text("SELECT 1"))
            began.set()
            threading.Event().wait(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    began.wait()
    try:
        yield
    finally:
        holder.join()


def test_a_bounded_operation_runs_in_place_on_the_embedded_store_only(db: Database) -> None:
    expected = "in place" if db.embedded else "thread"
    assert where(db, Cost.BOUNDED) == expected
    assert where(db, Cost.BOUNDED, write=True) == expected
    assert where(db, Cost.BOUNDED, BOUNDED_INPUT_BYTES) == expected


def test_a_scan_or_a_large_input_runs_on_a_worker_thread(db: Database) -> None:
    assert where(db, Cost.SCAN) == "thread"
    assert where(db, Cost.BOUNDED, BOUNDED_INPUT_BYTES + 1) == "thread"


def test_a_bounded_write_that_would_wait_runs_on_a_worker_thread(db: Database) -> None:
    if not db.embedded:
        pytest.skip("on PostgreSQL every operation runs on a worker thread")
    with writer_holding_the_lock(db, 0.2):
        assert where(db, Cost.BOUNDED, write=True) == "thread"


def test_bookkeeping_is_skipped_while_the_lock_is_taken_on_the_embedded_store(
    db: Database,
) -> None:
    ran: list[int] = []

    def bookkeeping() -> None:
        with db.write() as conn:
            conn.execute(text("SELECT 1"))
        ran.append(threading.get_ident())

    execution = Execution(db)
    with writer_holding_the_lock(db, 0.2):
        anyio.run(execution.run_unless_busy, bookkeeping)
    assert len(ran) == (0 if db.embedded else 1)
    anyio.run(execution.run_unless_busy, bookkeeping)
    assert len(ran) == (1 if db.embedded else 2)
