"""The unit of work: one transaction per command, with its events in the same commit."""

from __future__ import annotations

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

    def __enter__(self) -> Self:
        conn = self.db.engine.connect().execution_options(sqlite_begin="IMMEDIATE")
        conn.begin()
        self._conn = conn
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
        conn = self.conn
        self._conn = None
        try:
            if exc_type is None:
                append_events(conn, self.actor, self._events)
                conn.commit()
            else:
                conn.rollback()
        finally:
            self._events.clear()
            conn.close()
