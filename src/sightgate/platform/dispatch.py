"""Delivery of outbox events to subscribers: at least once, in commit order.

Each subscriber has a persisted cursor (the position of the last event it handled). An
event is handled in the same transaction that advances the cursor, so a handler that only
writes to the database sees each event exactly once in effect; one with outside side
effects sees it at least once and must be idempotent. The cursor row is locked while an
event is handled, so several worker processes can run the same subscriber without
handling one event twice at the same time.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sightgate.platform.db import Database
from sightgate.platform.events import SYSTEM, StoredEvent, event_cursors_table, read_events
from sightgate.platform.uow import UnitOfWork

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.05
"""Seconds an idle dispatcher waits before looking for new events: two cheap indexed reads,
and the bulk of provisioning's propagation delay after a SCIM call."""


class Subscriber(Protocol):
    """A consumer of domain events (e.g. provisioning). Handlers must be idempotent."""

    @property
    def name(self) -> str:
        """Stable name; it keys the subscriber's cursor."""
        ...

    def handle(self, event: StoredEvent, uow: UnitOfWork) -> None:
        """React to one event inside ``uow``'s transaction (which also moves the cursor)."""
        ...


@dataclass(frozen=True)
class CursorState:
    """Where a subscriber stands."""

    subscriber: str
    position: int
    last_error: str | None


class Dispatcher:
    """Feeds outbox events to subscribers, one transaction per event."""

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
        """Deliver until ``stop`` is set, sleeping ``poll_interval`` when idle."""
        while not stop.is_set():
            try:
                if self.run_once() == 0:
                    stop.wait(poll_interval)
            except Exception:  # a failing handler must not kill the worker
                log.exception("event delivery failed; retrying")
                stop.wait(max(poll_interval, 1.0))

    def _deliver_batch(self, subscriber: Subscriber) -> int:
        start = self._ensure_cursor(subscriber.name)
        with self.db.read() as conn:
            pending = read_events(conn, after=start, limit=self.batch_size)
        handled = 0
        for event in pending:
            try:
                if not self._deliver(subscriber, event):
                    return handled  # another worker moved the cursor; re-read from there
            except Exception as error:
                self._record_error(subscriber.name, f"{event.position}: {error!r}")
                raise
            handled += 1
        return handled

    def _deliver(self, subscriber: Subscriber, event: StoredEvent) -> bool:
        cursors = event_cursors_table
        with UnitOfWork(self.db, SYSTEM) as uow:
            position = uow.conn.execute(
                select(cursors.c.position)
                .where(cursors.c.subscriber == subscriber.name)
                .with_for_update()
            ).scalar_one()
            if position >= event.position:
                return False
            subscriber.handle(event, uow)
            uow.conn.execute(
                update(cursors)
                .where(cursors.c.subscriber == subscriber.name)
                .values(position=event.position, updated_at=datetime.now(UTC), last_error=None)
            )
        return True

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
