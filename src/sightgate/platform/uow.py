"""The unit of work: one transaction per command, with its events in the same commit."""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection

from sightgate.platform.db import Database
from sightgate.platform.events import Actor, DomainEvent, append_events


class UnitOfWork:
    """A write transaction that collects domain events and stores them on commit.

    Use as ``with UnitOfWork(db, actor) as uow:``; a clean exit commits the change and its
    events together, an exception rolls both back, so no event describes a change that
    did not happen and no change goes unrecorded.
    """

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db = db
        self.actor = actor
        self._events: list[DomainEvent] = []
        self._conn: Connection | None = None
        self._transaction: AbstractContextManager[Connection] | None = None

    def __enter__(self) -> Self:
        transaction = self.db.write()
        self._conn = transaction.__enter__()
        self._transaction = transaction
        return self

    @property
    def conn(self) -> Connection:
        """The transaction's connection (only inside the ``with`` block)."""
        if self._conn is None:
            raise RuntimeError("unit of work used outside its with-block")
        return self._conn

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.conn.dialect.name

    def emit(self, event: DomainEvent) -> None:
        """Record an event to be stored with this transaction's commit."""
        self._events.append(event)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, transaction = self.conn, self._transaction
        if transaction is None:
            raise RuntimeError("unit of work exited without being entered")
        self._conn = self._transaction = None
        events, self._events = self._events, []
        if exc_type is None:
            try:
                append_events(conn, self.actor, events)
            except BaseException as error:
                transaction.__exit__(type(error), error, error.__traceback__)
                raise
        transaction.__exit__(exc_type, exc, tb)
        if exc_type is None and events:
            self.db.events_committed()
