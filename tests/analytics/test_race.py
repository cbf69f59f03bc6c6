"""Concurrent writers: limits hold and set operations neither fail nor duplicate."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sightgate.analytics.directory import events as ev
from sightgate.analytics.directory.errors import LimitExceededError
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.analytics.directory.namespaces import NamespaceService
from sightgate.analytics.directory.services import Directory
from sightgate.platform.db import Database
from tests.analytics.conftest import ACCOUNT, ACTOR, last_position, register, types_after

WORKERS = 8


def _run_all(calls: list[Callable[[], object]]) -> list[BaseException | None]:
    def attempt(call: Callable[[], object]) -> BaseException | None:
        try:
            call()
        except Exception as error:
            return error
        return None

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(attempt, calls))


def test_concurrent_creations_never_pass_the_namespace_limit(
    db: Database, account: AccountSubscription
) -> None:
    limited = NamespaceService(db, namespace_limit=4)

    def create(index: int) -> Callable[[], object]:
        return lambda: limited.create(ACCOUNT, f"tenant-{index}", actor=ACTOR)

    outcomes = _run_all([create(i) for i in range(WORKERS)])
    assert sum(o is None for o in outcomes) == 3  # plus "default"
    assert all(o is None or isinstance(o, LimitExceededError) for o in outcomes)
    assert len(limited.list(ACCOUNT).items) == 4


def test_concurrent_adds_of_one_member_make_one_membership(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    register(directory, "jdoe")
    directory.groups.create(ACCOUNT, "default", "team", actor=ACTOR)
    before = last_position(db)

    def add() -> object:
        return directory.memberships.create(ACCOUNT, "default", "team", "jdoe", actor=ACTOR)

    assert _run_all([add] * WORKERS) == [None] * WORKERS
    assert types_after(db, before) == [ev.GROUP_MEMBERSHIP_CREATED]
    assert len(directory.memberships.list(ACCOUNT, "default", "team").items) == 1
