"""Delivery of outbox events to subscribers: at least once, in commit order.

Each subscriber has a persisted cursor (the position of the last event it handled). An
event is handled in the same transaction that advances the cursor, so a handler that only
writes to the database sees each event exactly once in effect; one with outside side
effects sees it at least once and must be idempotent. The cursor row is locked while an
event is handled, so several worker processes can run the same subscriber without
handling one event twice at the same time.

A delivery transaction handles a run of consecutive events, for up to
``DELIVERY_TIME_BUDGET`` seconds: one transaction per event made the worker's own
transaction overhead its main cost, and holding the write lock longer would make
requests wait. If a handler fails, the events before it are delivered on their own and
the cursor stops at the failing one.

An idle dispatcher does not poll the store: it sleeps until a commit that wrote events
wakes it (``Database.new_events``). On the embedded store the unit of work rings that bell
in this process; on PostgreSQL the transaction sends a NOTIFY, which a listener thread on
a connection of its own turns into a ring in every worker process. A slow poll
(``POLL_INTERVAL``) finds what no bell announced: events written by another process on
SQLite (the CLI), or committed while the listener was reconnecting.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sightgate.platform.db import Database, Wakeup
from sightgate.platform.events import (
    EVENTS_CHANNEL,
    SYSTEM,
    StoredEvent,
    event_cursors_table,
    read_events,
)
from sightgate.platform.uow import UnitOfWork

log = logging.getLogger(__name__)

DELIVERY_TIME_BUDGET = 0.01
"""Seconds of handling after which a delivery transaction commits the events it has."""

POLL_INTERVAL = 1.0
"""Seconds an idle dispatcher waits, unless woken, before looking for new events anyway."""

LISTEN_CHECK_INTERVAL = 0.5
"""Seconds between the PostgreSQL listener's checks whether it should stop."""

RECONNECT_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)
"""Seconds the listener waits before reconnecting after consecutive failures (then the last)."""


class Subscriber(Protocol):
    """A consumer of domain events (e.g. provisioning). Handlers must be idempotent."""

    @property
    def name(self) -> str:
        """Stable name; it keys the subscriber's cursor."""
        ...

    def handle(self, event: StoredEvent, uow: UnitOfWork) -> None:
        """React to one event inside ``uow``'s transaction, which moves the cursor and may
        also hold the events just before and after this one."""
        ...


@dataclass(frozen=True)
class CursorState:
    """Where a subscriber stands."""

    subscriber: str
    position: int
    last_error: str | None


class HandlerFailed(Exception):
    """A handler raised on the ``index``-th event of a delivery."""

    def __init__(self, index: int, event: StoredEvent, error: Exception) -> None:
        super().__init__(f"{event.position}: {error!r}")
        self.index = index
        self.event = event
        self.error = error


class Dispatcher:
    """Feeds outbox events to subscribers, a run of events per transaction."""

    def __init__(self, db: Database, subscribers: Sequence[Subscriber], batch_size: int = 200):
        self.db = db
        self.subscribers = list(subscribers)
        self.batch_size = batch_size

    def run_once(self) -> int:
        """Deliver every pending event to every subscriber; return how many were handled."""
        handled = 0
        for subscriber in self.subscribers:
            while batch := self._deliver_batch(subscriber):
                handled += batch
        return handled

    def run_forever(self, stop: threading.Event, poll_interval: float = POLL_INTERVAL) -> None:
        """Deliver until ``stop`` is set; when idle, sleep until new events are announced,
        at most ``poll_interval`` seconds. It delivers what is pending at once, so a worker
        that starts catches up on what it missed."""
        bell = self.db.new_events
        with _rung_when_set(stop, bell), _notifications_ring(self.db, bell, stop):
            while not stop.is_set():
                seen = bell.rings
                try:
                    if self.run_once() == 0:
                        bell.wait(seen, poll_interval)
                except Exception:  # a failing handler must not kill the worker
                    log.exception("event delivery failed; retrying")
                    stop.wait(max(poll_interval, 1.0))

    def _deliver_batch(self, subscriber: Subscriber) -> int:
        start = self._ensure_cursor(subscriber.name)
        with self.db.read() as conn:
            pending = read_events(conn, after=start, limit=self.batch_size)
        handled = 0
        while handled < len(pending):
            try:
                delivered = self._deliver(subscriber, pending[handled:])
            except HandlerFailed as failure:
                if failure.index == 0:
                    self._record_error(subscriber.name, str(failure))
                    raise failure.error from failure
                # Commit the events before the failing one; the next round stops at it.
                delivered = self._deliver(subscriber, pending[handled : handled + failure.index])
            if delivered == 0:
                return handled  # another worker moved the cursor; re-read from there
            handled += delivered
        return handled

    def _deliver(self, subscriber: Subscriber, events: Sequence[StoredEvent]) -> int:
        """Handle events from the start of ``events`` in one transaction, for up to
        ``DELIVERY_TIME_BUDGET`` seconds; how many (0 if the cursor has moved past them)."""
        cursors = event_cursors_table
        with UnitOfWork(self.db, SYSTEM) as uow:
            position = uow.conn.execute(
                select(cursors.c.position)
                .where(cursors.c.subscriber == subscriber.name)
                .with_for_update()
            ).scalar_one()
            if position >= events[0].position:
                return 0
            deadline = time.monotonic() + DELIVERY_TIME_BUDGET
            handled = 0
            for event in events:
                try:
                    subscriber.handle(event, uow)
                except Exception as error:
                    raise HandlerFailed(handled, event, error) from error
                handled += 1
                if time.monotonic() >= deadline:
                    break
            uow.conn.execute(
                update(cursors)
                .where(cursors.c.subscriber == subscriber.name)
                .values(
                    position=events[handled - 1].position,
                    updated_at=datetime.now(UTC),
                    last_error=None,
                )
            )
        return handled

    def _ensure_cursor(self, name: str) -> int:
        cursors = event_cursors_table
        with self.db.read() as conn:
            position = conn.execute(
                select(cursors.c.position).where(cursors.c.subscriber == name)
            ).scalar_one_or_none()
        if position is not None:
            return int(position)
        try:
            with UnitOfWork(self.db, SYSTEM) as uow:
                uow.conn.execute(
                    cursors.insert().values(
                        subscriber=name, position=0, updated_at=datetime.now(UTC)
                    )
                )
        except IntegrityError:
            pass  # another worker created it first
        return 0

    def _record_error(self, name: str, message: str) -> None:
        with UnitOfWork(self.db, SYSTEM) as uow:
            uow.conn.execute(
                update(event_cursors_table)
                .where(event_cursors_table.c.subscriber == name)
                .values(last_error=message[:2000], updated_at=datetime.now(UTC))
            )


@contextmanager
def _rung_when_set(stop: threading.Event, bell: Wakeup) -> Iterator[None]:
    """Wake the dispatcher sleeping on ``bell`` when ``stop`` is set (SIGTERM, say)."""

    def ring_on_stop() -> None:
        stop.wait()
        bell.ring()

    threading.Thread(target=ring_on_stop, name="sightgate-dispatch-stop", daemon=True).start()
    yield


@contextmanager
def _notifications_ring(db: Database, bell: Wakeup, stop: threading.Event) -> Iterator[None]:
    """On PostgreSQL, a listener thread ringing ``bell`` for each NOTIFY of new events."""
    if db.dialect == "postgresql":
        threading.Thread(
            target=_listen, args=(db, bell, stop), name="sightgate-dispatch-listen", daemon=True
        ).start()
    yield


def _listen(db: Database, bell: Wakeup, stop: threading.Event) -> None:
    """LISTEN on a connection of its own and ring ``bell`` for every notification, until
    ``stop``. After each (re)connect it rings too: what was committed while nobody
    listened is pending. A lost connection is reopened, waiting longer after each failure
    in a row; meanwhile the dispatcher's slow poll keeps delivery going."""
    import psycopg
    from psycopg import sql

    failures = 0
    while not stop.is_set():
        try:
            args, kwargs = db.engine.dialect.create_connect_args(db.engine.url)
            with psycopg.connect(*args, **kwargs, autocommit=True) as conn:
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(EVENTS_CHANNEL)))
                failures = 0
                bell.ring()
                while not stop.is_set():
                    for _ in conn.notifies(timeout=LISTEN_CHECK_INTERVAL):
                        bell.ring()
        except psycopg.Error as error:
            delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
            failures += 1
            log.warning("listening for new events failed (%s); retrying in %.1f s", error, delay)
            stop.wait(delay)


def cursor_states(db: Database) -> list[CursorState]:
    """Every subscriber's cursor, for status displays."""
    with db.read() as conn:
        rows = conn.execute(select(event_cursors_table).order_by("subscriber")).mappings()
        return [CursorState(r["subscriber"], r["position"], r["last_error"]) for r in rows]


def load_subscriber(spec: str) -> Subscriber:
    """Build a subscriber from ``module:factory`` (a callable returning a subscriber)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"subscriber spec {spec!r} is not of the form module:factory")
    factory = getattr(importlib.import_module(module_name), attribute)
    subscriber: Subscriber = factory()
    return subscriber
