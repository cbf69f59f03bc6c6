"""Where an operation runs: the one rule every adapter on an event loop follows.

The store's calls block (SQLAlchemy Core, sync drivers), and an event loop must not wait
on them for long. Handing every call to a worker thread is the usual answer; it costs
more CPU than a lookup it carries (the hand-off, and the GIL contended between the loop
and the threads: measured, half a lookup's CPU on PostgreSQL), and requests on threads
fall behind those the loop serves. So an adapter declares what an operation costs, and
``Execution`` decides:

- ``Cost.BOUNDED`` (one row, one index lookup, a small input) runs in place on the event
  loop, inside ``Database.without_waiting``: a statement that would wait for a lock (on
  SQLite the write lock; on PostgreSQL another transaction's row or table lock) raises
  before anything was written, so the operation runs again on a worker thread. What it
  still waits for is the store's own work and, on PostgreSQL, the network's round trips:
  a server whose database is far away turns this off (``Database.in_place``, the
  ``SIGHTGATE_IN_PLACE`` setting), so requests overlap their waits on threads;
- ``Cost.SCAN`` (lists and searches that may scan the store, batches) runs on a worker
  thread, where it cannot hold up the loop;
- ``Cost.ANALYTICAL`` (a dataset query: DuckDB or a data source, seconds of work) runs on
  a worker thread under a limiter of its own (``analytical_workers`` at once), so however
  many slow queries wait, the store's operations never wait behind them.

See docs/architecture.md, "Where a request runs".
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from enum import Enum
from typing import TypeVar

from anyio import CapacityLimiter, to_thread

from sightgate.platform.db import Database, WouldWaitError

T = TypeVar("T")

BOUNDED_INPUT_BYTES = 16 * 1024
"""An input (request body) larger than this makes any operation a ``SCAN``: a big body is
a big operation (many members, many attributes)."""


class Cost(Enum):
    """What an operation may cost the store, as the operation declares it."""

    BOUNDED = "bounded"
    """One row or one index lookup."""
    SCAN = "scan"
    """May scan the store: lists and searches, batches."""
    ANALYTICAL = "analytical"
    """A dataset query: its own engine, its own bounded pool of threads."""


class Execution:
    """Runs operations where their cost says (see the module docstring)."""

    def __init__(self, db: Database, analytical_workers: int = 4) -> None:
        self.db = db
        self.analytical = CapacityLimiter(analytical_workers)

    def in_place(self, cost: Cost, input_bytes: int = 0) -> bool:
        """Whether an operation of ``cost`` with an input of ``input_bytes`` runs on the
        event loop (first; it moves to a thread if it would wait for a lock)."""
        return self.db.in_place and cost is Cost.BOUNDED and input_bytes <= BOUNDED_INPUT_BYTES

    async def run(self, call: Callable[[], T], cost: Cost, input_bytes: int = 0) -> T:
        """``call()`` where ``cost`` (and the input's size) says it runs."""
        if cost is Cost.ANALYTICAL:
            return await to_thread.run_sync(call, limiter=self.analytical)
        if self.in_place(cost, input_bytes):
            try:
                with self.db.without_waiting():
                    return call()
            except WouldWaitError:
                pass  # nothing was written: run it again where waiting is fine
        return await to_thread.run_sync(call)

    async def run_unless_busy(self, call: Callable[[], object]) -> None:
        """A bounded write worth doing only if it need not wait (bookkeeping such as a
        token's last use): in place, it is skipped while another writer holds the lock it
        needs; with ``in_place`` off it runs on a worker thread."""
        if not self.db.in_place:
            await to_thread.run_sync(call)
            return
        with suppress(WouldWaitError), self.db.without_waiting():
            call()
