"""Access epochs: what makes a cached access answer safe to reuse, in every process.

Every change to the directory, the identity store, provisioning rules or permissions
writes its events in its own transaction, each scoped to an account id or an identity
store id. The epoch of a scope is the position of its newest event. An answer computed
from a scope's state is reused only while the scope's epoch is unchanged; a request reads
the epochs it needs in one statement, so a change committed before the request starts
(in any process) moves an epoch and the answer is computed afresh: no stale window.
On PostgreSQL outbox positions become visible in commit order (see platform/events.py),
so an epoch never moves backwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, bindparam, func, select

from sightgate.platform.db import Database
from sightgate.platform.events import events_table
from sightgate.platform.lru import Lru

Epochs = tuple[int, ...]
K = TypeVar("K")
V = TypeVar("V")


@functools.cache
def epochs_statement(count: int) -> Select[Any]:
    """``SELECT (max position of scope s0), (… s1), …``, built once per scope count."""
    e = events_table
    return select(
        *(
            select(func.coalesce(func.max(e.c.position), 0))
            .where(e.c.scope == bindparam(f"s{index}"))
            .scalar_subquery()
            .label(f"e{index}")
            for index in range(count)
        )
    )


def read_epochs(db: Database, scopes: Sequence[str]) -> Epochs:
    """The newest event position of each scope (0 for a scope without events), as of
    now: one statement of index lookups (``events (scope, position)``) that sees every
    commit made before it, in any process, and costs one round trip on PostgreSQL
    (``Database.latest_row``: no transaction of its own, which would cost three more)."""
    if not scopes:
        return ()
    params = {f"s{index}": scope for index, scope in enumerate(scopes)}
    row = db.latest_row(epochs_statement(len(scopes)), params)
    return tuple(int(value) for value in row)


class EpochCache(Generic[K, V]):
    """A bounded, thread-safe LRU of values valid for the epochs they were computed at.

    The epochs stored with a value are always read *before* the value was computed, so a
    change committed while computing leaves the stored epochs behind, and the next call
    recomputes. A value whose scopes were not known before computing (the first call for
    a key with no ``expected`` scopes, or its scopes changed) is stored without epochs:
    the next call recomputes it with epochs read first, and the calls after that reuse it.
    """

    def __init__(self, db: Database, max_entries: int = 10_000) -> None:
        self.db = db
        self._entries: Lru[K, tuple[tuple[str, ...], Epochs | None, V]] = Lru(max_entries)

    def get(
        self,
        key: K,
        compute: Callable[[], tuple[V, tuple[str, ...]]],
        expected: tuple[str, ...] = (),
    ) -> V:
        """The value for ``key``: the cached one while the epochs of its scopes have not
        moved, else ``compute()``, which returns the value and the scopes it depends on.

        ``expected``: the scopes a value for a new key will likely depend on (a decision
        about a user: the user's). Their epochs are read before computing, so the value
        is stored ready for reuse instead of being computed twice."""
        cached = self._entries.get(key)
        scopes: tuple[str, ...] = expected
        epochs: Epochs | None = None
        if cached is not None:
            scopes, stored, value = cached
            epochs = read_epochs(self.db, scopes)
            if epochs == stored:
                return value
        elif scopes:
            epochs = read_epochs(self.db, scopes)
        value, needed = compute()
        self._entries.put(key, (needed, epochs if needed == scopes else None, value))
        return value

    def scopes(self, key: K) -> tuple[str, ...]:
        """The scopes the value cached for ``key`` depends on (none if there is none)."""
        cached = self._entries.get(key)
        return () if cached is None else cached[0]

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
