"""PrincipalAccess: revocation holds the moment the identity store commits it, before the
provisioning worker has run; deny by default."""

from __future__ import annotations

import pytest

from sightgate.analytics.access.principal import Decision
from sightgate.analytics.directory.model import AccountSubscription, Role
from sightgate.bootstrap import Services
from tests.analytics.conftest import ACCOUNT, ACTOR, OTHER_ACCOUNT, register, subscribe
from tests.analytics.provisioning.conftest import NAMESPACED_RULES, Idp, run_worker


@pytest.fixture
def provisioned(services: Services, idp: Idp, linked: AccountSubscription) -> str:
    """A provisioned reader of the red customer (default namespace: no rules)."""
    user_id = idp.user("red-customer-reader-1", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    return user_id


def check(
    services: Services, namespace: str = "default", name: str = "red-customer-reader-1"
) -> Decision:
    return services.provisioning.access.check(ACCOUNT, namespace, name)


def test_a_provisioned_user_is_allowed_with_identity_role_and_groups(
    services: Services, provisioned: str
) -> None:
    decision = check(services)
    assert decision.allowed, decision.reason
    assert decision.role is Role.READER and decision.namespace == "default"
    assert decision.groups == frozenset({"qs-reader-grp", "red-customer-grp"})


def test_removal_from_the_last_role_group_denies_before_the_worker_runs(
    services: Services, idp: Idp, provisioned: str
) -> None:
    idp.leave(provisioned, "qs-reader-grp")
    decision = check(services)  # no worker in between
    assert not decision.allowed and "role group" in decision.reason
    assert not services.provisioning.access.check_identity_user(ACCOUNT, provisioned).allowed


def test_deactivation_and_deletion_deny_at_once(
    services: Services, idp: Idp, provisioned: str
) -> None:
    idp.set_active(provisioned, False)
    assert "deactivated" in check(services).reason
    idp.set_active(provisioned, True)
    assert check(services).allowed
    idp.delete_user(provisioned)
    decision = check(services)
    assert not decision.allowed and "deleted" in decision.reason


def test_a_demotion_applies_at_once(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("boss", "qs-admin-grp", "qs-reader-grp")
    run_worker(services)
    assert check(services, name="boss").role is Role.ADMIN
    idp.leave(user_id, "qs-admin-grp")
    assert check(services, name="boss").role is Role.READER


def test_a_customer_move_denies_the_old_namespace_at_once(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    services.provisioning.rules.set_text(ACCOUNT, NAMESPACED_RULES, actor=ACTOR)
    user_id = idp.user("c1", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    assert check(services, "red-customer", "c1").allowed
    idp.leave(user_id, "red-customer-grp")
    idp.join(user_id, "blue-customer-grp")
    decision = check(services, "red-customer", "c1")
    assert not decision.allowed and "blue-customer" in decision.reason
    run_worker(services)
    assert check(services, "blue-customer", "c1").allowed


def test_a_deactivated_analytics_user_is_denied(
    services: Services, idp: Idp, provisioned: str
) -> None:
    idp.leave(provisioned, "qs-reader-grp")
    run_worker(services)
    idp.join(provisioned, "qs-reader-grp")  # back in the IdP, but not yet reprovisioned
    decision = check(services)
    assert not decision.allowed and "deactivated" in decision.reason


def test_other_namespaces_and_accounts_are_denied(services: Services, provisioned: str) -> None:
    services.directory.namespaces.create(ACCOUNT, "elsewhere", actor=ACTOR)
    assert not check(services, "elsewhere").allowed
    assert not check(services, "no-such-namespace").allowed
    subscribe(services.directory, OTHER_ACCOUNT, name="other-analytics")
    assert not services.provisioning.access.check(
        OTHER_ACCOUNT, "default", "red-customer-reader-1"
    ).allowed
    assert not services.provisioning.access.check("999999999999", "default", "x").allowed
    assert not check(services, "default", "nobody").allowed
    assert not services.provisioning.access.check(ACCOUNT, "bad name!", "x").allowed


def test_api_managed_users_are_allowed_while_active(services: Services) -> None:
    subscribe(services.directory)
    register(services.directory, "alice")
    decision = services.provisioning.access.check(ACCOUNT, "default", "alice")
    assert decision.allowed and decision.role is Role.READER
