"""Epochs: the newest outbox position of a scope, and a cache that never serves an answer
computed before a change it did not see."""

from __future__ import annotations

from functools import partial

from sightgate.analytics.access.epoch import EpochCache, read_epochs
from sightgate.platform.db import Database
from sightgate.platform.events import Actor, DomainEvent
from sightgate.platform.uow import UnitOfWork

ACTOR = Actor("test", "epochs")


def change(db: Database, scope: str) -> None:
    """Commit one event in ``scope`` (what every change to it does)."""
    with UnitOfWork(db, ACTOR) as uow:
        uow.emit(DomainEvent("test.Changed", "Thing", "t", scope))


def epochs(db: Database, *scopes: str) -> tuple[int, ...]:
    with db.read() as conn:
        return read_epochs(conn, scopes)


def test_an_epoch_is_the_newest_position_of_its_scope(db: Database) -> None:
    assert epochs(db, "a", "b") == (0, 0)
    assert epochs(db) == ()
    change(db, "a")
    first = epochs(db, "a", "b")
    assert first[0] > 0 and first[1] == 0
    change(db, "b")
    second = epochs(db, "a", "b")
    assert second[0] == first[0] and second[1] > first[0]
    assert epochs(db, "b", "a") == (second[1], second[0])


def test_a_value_is_reused_until_one_of_its_scopes_changes(db: Database) -> None:
    cache: EpochCache[str, int] = EpochCache(db)
    computed: list[int] = []

    def compute() -> tuple[int, tuple[str, ...]]:
        computed.append(1)
        return len(computed), ("a", "b")

    assert [cache.get("k", compute) for _ in range(4)] == [1, 2, 2, 2]
    change(db, "unrelated")
    assert cache.get("k", compute) == 2
    change(db, "b")
    assert cache.get("k", compute) == 3
    assert cache.get("k", compute) == 3


def test_a_change_committed_while_computing_is_seen_by_the_next_call(db: Database) -> None:
    cache: EpochCache[str, str] = EpochCache(db)
    state = {"value": "before"}

    def compute_then_change() -> tuple[str, tuple[str, ...]]:
        seen = state["value"]
        state["value"] = "after"
        change(db, "a")  # committed after the read above: the answer is already stale
        return seen, ("a",)

    assert cache.get("k", lambda: (state["value"], ("a",))) == "before"
    assert cache.get("k", compute_then_change) == "before"  # epochs read, then computed
    assert cache.get("k", lambda: (state["value"], ("a",))) == "after"


def test_the_cache_is_bounded(db: Database) -> None:
    cache: EpochCache[int, int] = EpochCache(db, max_entries=3)
    calls: list[int] = []

    def compute(key: int) -> tuple[int, tuple[str, ...]]:
        calls.append(key)
        return key, ()

    for key in (1, 2, 3, 4):
        cache.get(key, partial(compute, key))
        cache.get(key, partial(compute, key))
    before = len(calls)
    cache.get(1, partial(compute, 1))  # evicted: computed again
    assert len(calls) == before + 1
