"""Two processes racing to create the same user name: exactly one wins, every time."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import func, select

from sightgate.bootstrap import Services
from sightgate.identity import tables as t
from sightgate.identity.directory import IdentityStoreService
from sightgate.identity.model import Email, ExternalId, UserFields
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError
from sightgate.platform.events import Actor, read_events

ROUNDS = 40
pytestmark = pytest.mark.e2e


def racer(
    url: str, store_id: str, upper: bool, barrier: Barrier, results: multiprocessing.Queue[str]
) -> None:
    """Create ``racerN`` (in this process's letter case) in step with the other process."""
    db = Database(url)
    service = IdentityStoreService(db)
    tag = "B" if upper else "a"
    for round_ in range(ROUNDS):
        name = f"RACER{round_}" if upper else f"racer{round_}"
        draft = UserFields(
            user_name=name,
            emails=(Email(f"{tag}{round_}@example.com"),),
            external_ids=(ExternalId("race", f"{tag}{round_}"),),
        )
        barrier.wait()
        try:
            service.create_user(store_id, draft, Actor("race", tag))
            results.put(f"{round_}:won:{tag}")
        except ConflictError as error:
            results.put(f"{round_}:conflict:{error.field}")
    db.dispose()


def test_concurrent_creates_in_different_case_have_one_winner(
    services: Services, database_url: str, store_id: str
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results: multiprocessing.Queue[str] = context.Queue()
    processes = [
        context.Process(target=racer, args=(database_url, store_id, upper, barrier, results))
        for upper in (False, True)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in range(2 * ROUNDS)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    by_round: dict[int, list[str]] = {}
    for outcome in outcomes:
        round_, rest = outcome.split(":", 1)
        by_round.setdefault(int(round_), []).append(rest)
    for number, pair in by_round.items():
        assert sorted(p.split(":")[0] for p in pair) == ["conflict", "won"], (number, pair)
        assert "conflict:UserName" in pair

    db: Database = services.db
    with db.read() as conn:
        users = conn.execute(select(t.users.c.user_name, t.users.c.user_id)).all()
        emails = conn.execute(select(func.count()).select_from(t.user_emails)).scalar_one()
        externals = conn.execute(select(func.count()).select_from(t.external_ids)).scalar_one()
        created = [e for e in read_events(conn, limit=10_000) if e.type == "identity.UserCreated"]
    assert len(users) == ROUNDS
    assert emails == externals == ROUNDS  # the loser's e-mail and external id are not there
    assert len(created) == ROUNDS
    winners = {o.split(":", 1)[0]: o.rsplit(":", 1)[1] for o in outcomes if ":won:" in o}
    for user_name, _ in users:
        round_ = user_name.lower().removeprefix("racer")
        assert user_name == (f"RACER{round_}" if winners[round_] == "B" else f"racer{round_}")
