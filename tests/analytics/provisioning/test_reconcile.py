"""reconcile: differences from the identity store, dry-run and repair; after any sequence
of identity changes handled by the worker, reconcile finds nothing."""

from __future__ import annotations

import random

import pytest

from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from sightgate.platform.events import PROVISIONING, Actor
from tests.analytics.conftest import ACCOUNT, ACTOR
from tests.analytics.provisioning.conftest import NAMESPACED_RULES, Idp, analytics_user, run_worker


def test_dry_run_lists_and_repair_fixes(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    red = idp.user("red-customer-reader-1", "qs-reader-grp", "red-customer-grp")
    idp.user("internal-admin-1", "qs-admin-grp")
    service = services.provisioning.service
    planned = service.reconcile(ACCOUNT, dry_run=True)
    kinds = sorted({d.kind for d in planned})
    assert kinds == ["add-member", "create-group", "register"]
    assert {d.name for d in planned if d.kind == "register"} == {
        "red-customer-reader-1",
        "internal-admin-1",
    }
    assert analytics_user(services, red) is None  # a dry run changes nothing

    repaired = service.reconcile(ACCOUNT)
    assert repaired == planned
    assert analytics_user(services, red) is not None
    assert service.reconcile(ACCOUNT, dry_run=True) == []


def test_reconcile_repairs_drift(services: Services, idp: Idp, linked: AccountSubscription) -> None:
    user_id = idp.user("u", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    user = analytics_user(services, user_id)
    assert user is not None
    # drift: someone removed the membership behind provisioning's back
    services.directory.memberships.delete(
        ACCOUNT,
        "default",
        "red-customer-grp",
        "u",
        actor=PROVISIONING,  # a bug, or a restored backup
    )
    planned = services.provisioning.service.reconcile(ACCOUNT, dry_run=True)
    assert [(d.kind, d.name, d.detail) for d in planned] == [
        ("add-member", "u", "to group red-customer-grp")
    ]
    services.provisioning.service.reconcile(ACCOUNT)
    assert services.provisioning.service.reconcile(ACCOUNT, dry_run=True) == []


def test_unlinking_the_instance_deactivates_everyone(
    services: Services, idp: Idp, linked: AccountSubscription, store_id: str
) -> None:
    user_id = idp.user("u", "qs-reader-grp")
    run_worker(services)
    instance = services.instances.get_by_identity_store(store_id)
    services.instances.delete(instance.instance_id, Actor("test", "admin"))
    run_worker(services)
    user = analytics_user(services, user_id)
    assert user is not None and not user.active


GROUPS = ["qs-admin-grp", "qs-author-grp", "qs-reader-grp", "red-customer-grp", "blue-customer-grp"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_any_sequence_of_events_reconcile_finds_nothing(
    services: Services, idp: Idp, linked: AccountSubscription, seed: int
) -> None:
    rng = random.Random(seed)
    if seed % 2:
        services.provisioning.rules.set_text(ACCOUNT, NAMESPACED_RULES, actor=ACTOR)
    users: list[str] = []
    groups = list(GROUPS)
    for step in range(40):
        action = rng.choice(
            ["create", "join", "join", "leave", "leave", "active", "rename", "delete", "group"]
        )
        if action == "create" or not users:
            users.append(idp.user(f"user-{step}", *rng.sample(groups, rng.randint(0, 3))))
        elif action == "join":
            idp.join(rng.choice(users), rng.choice(groups))
        elif action == "leave":
            idp.leave(rng.choice(users), rng.choice(groups))
        elif action == "active":
            idp.set_active(rng.choice(users), rng.random() < 0.5)
        elif action == "rename":
            idp.rename_user(rng.choice(users), f"renamed-{step}")
        elif action == "delete":
            idp.delete_user(users.pop(rng.randrange(len(users))))
        elif action == "group" and "navy-grp" not in groups:
            idp.rename_group("blue-customer-grp", "navy-grp")
            groups[groups.index("blue-customer-grp")] = "navy-grp"
        if rng.random() < 0.3:
            run_worker(services)
    run_worker(services)
    assert services.provisioning.service.reconcile(ACCOUNT, dry_run=True) == []
