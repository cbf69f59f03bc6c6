"""Joining a caller's unit of work: how provisioning changes the directory atomically.

A directory command normally opens its own transaction. Provisioning applies several
commands (register, move, add to groups ...) for one identity event inside the event's
delivery transaction, so that they commit together with the subscriber's cursor (and on
SQLite, where a write transaction holds the database lock, a second one would wait for
the first forever). Commands therefore accept an optional ``uow`` and use it instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sightgate.platform.db import Database
from sightgate.platform.events import Actor
from sightgate.platform.uow import UnitOfWork


@contextmanager
def unit_of_work(db: Database, actor: Actor, uow: UnitOfWork | None) -> Iterator[UnitOfWork]:
    """``uow`` when given (the caller commits it), else a new one committed on exit."""
    if uow is not None:
        yield uow
        return
    with UnitOfWork(db, actor) as own:
        yield own
