"""PrincipalReader: who a user is now. Revocation holds the moment the identity store
commits it, before the provisioning worker has run; the groups that count are the
identity store's now; loading takes a bounded number of statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from sightgate.analytics.directory.model import AccountSubscription, Role
from sightgate.analytics.principals.model import UserPrincipal
from sightgate.bootstrap import Services
from sightgate.platform.errors import NotFoundError, ValidationError
from tests.analytics.conftest import ACCOUNT, ACTOR, OTHER_ACCOUNT, register, subscribe
from tests.analytics.provisioning.conftest import NAMESPACED_RULES, Idp, run_worker


@pytest.fixture
def provisioned(services: Services, idp: Idp, linked: AccountSubscription) -> str:
    """A provisioned reader of the red customer (default namespace: no rules)."""
    user_id = idp.user("red-customer-reader-1", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    return user_id


def load(
    services: Services, namespace: str = "default", name: str = "red-customer-reader-1"
) -> UserPrincipal:
    return services.access.authorizer.principals.user(ACCOUNT, namespace, name)


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    """The SQL statements run inside the block (not transaction control)."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SET")):
            statements.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)


def test_a_provisioned_user_has_the_identity_role_and_groups(
    services: Services, provisioned: str
) -> None:
    principal = load(services)
    assert principal.allowed, principal.reason
    assert principal.role is Role.READER and principal.namespace == "default"
    assert {g.name for g in principal.groups} == {"qs-reader-grp", "red-customer-grp"}
    assert principal.identity_store_user_id == provisioned
    store_id = services.instances.get(linked_arn(services)).identity_store_id
    assert principal.scopes == (ACCOUNT, store_id)


def linked_arn(services: Services) -> str:
    arn = services.directory.accounts.describe(ACCOUNT).iam_identity_center_instance_arn
    assert arn is not None
    return arn


def test_removal_from_the_last_role_group_denies_before_the_worker_runs(
    services: Services, idp: Idp, provisioned: str
) -> None:
    idp.leave(provisioned, "qs-reader-grp")
    principal = load(services)  # no worker in between
    assert not principal.allowed and "role group" in principal.reason


def test_leaving_an_identity_group_takes_it_away_before_the_worker_runs(
    services: Services, idp: Idp, provisioned: str
) -> None:
    idp.leave(provisioned, "red-customer-grp")
    assert {g.name for g in load(services).groups} == {"qs-reader-grp"}


def test_deactivation_and_deletion_deny_at_once(
    services: Services, idp: Idp, provisioned: str
) -> None:
    idp.set_active(provisioned, False)
    assert "deactivated" in load(services).reason
    idp.set_active(provisioned, True)
    assert load(services).allowed
    idp.delete_user(provisioned)
    principal = load(services)
    assert not principal.allowed and "deleted" in principal.reason
    assert principal.groups == ()


def test_a_demotion_applies_at_once(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    user_id = idp.user("boss", "qs-admin-grp", "qs-reader-grp")
    run_worker(services)
    assert load(services, name="boss").role is Role.ADMIN
    idp.leave(user_id, "qs-admin-grp")
    assert load(services, name="boss").role is Role.READER


def test_a_customer_move_denies_the_old_namespace_at_once(
    services: Services, idp: Idp, linked: AccountSubscription
) -> None:
    services.provisioning.rules.set_text(ACCOUNT, NAMESPACED_RULES, actor=ACTOR)
    user_id = idp.user("c1", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    assert load(services, "red-customer", "c1").allowed
    idp.leave(user_id, "red-customer-grp")
    idp.join(user_id, "blue-customer-grp")
    principal = load(services, "red-customer", "c1")
    assert not principal.allowed and "blue-customer" in principal.reason
    run_worker(services)
    assert load(services, "blue-customer", "c1").allowed


def test_a_deactivated_analytics_user_is_denied(
    services: Services, idp: Idp, provisioned: str
) -> None:
    idp.leave(provisioned, "qs-reader-grp")
    run_worker(services)
    idp.join(provisioned, "qs-reader-grp")  # back in the IdP, but not yet reprovisioned
    principal = load(services)
    assert not principal.allowed and "deactivated" in principal.reason


def test_unknown_accounts_namespaces_and_users_are_not_found(
    services: Services, provisioned: str
) -> None:
    services.directory.namespaces.create(ACCOUNT, "elsewhere", actor=ACTOR)
    subscribe(services.directory, OTHER_ACCOUNT, name="other-analytics")
    reader = services.access.authorizer.principals
    for account_id, namespace, name in [
        (ACCOUNT, "elsewhere", "red-customer-reader-1"),
        (ACCOUNT, "no-such-namespace", "red-customer-reader-1"),
        (OTHER_ACCOUNT, "default", "red-customer-reader-1"),
        ("999999999999", "default", "x"),
        (ACCOUNT, "default", "nobody"),
    ]:
        with pytest.raises(NotFoundError):
            reader.user(account_id, namespace, name)
    with pytest.raises(ValidationError):
        reader.user(ACCOUNT, "bad name!", "x")


def test_api_users_count_their_api_groups_while_active(services: Services) -> None:
    subscribe(services.directory)
    register(services.directory, "alice")
    services.directory.groups.create(ACCOUNT, "default", "analysts", actor=ACTOR)
    services.directory.memberships.create(ACCOUNT, "default", "analysts", "alice", actor=ACTOR)
    principal = load(services, name="alice")
    assert principal.allowed and principal.role is Role.READER
    assert [g.name for g in principal.groups] == ["analysts"]
    assert principal.scopes == (ACCOUNT,)
    services.directory.users.update(
        ACCOUNT, "default", "alice", _deactivate(services, "alice"), actor=ACTOR
    )
    assert not load(services, name="alice").allowed


def _deactivate(services: Services, name: str) -> Any:
    from sightgate.analytics.directory.model import UserUpdate

    user = services.directory.users.describe(ACCOUNT, "default", name)
    return UserUpdate(email=user.email, role=user.role.value, active=False)


@pytest.mark.parametrize("group_count", [1, 50])
def test_loading_takes_the_same_few_statements_whatever_the_number_of_groups(
    services: Services, idp: Idp, linked: AccountSubscription, group_count: int
) -> None:
    groups = [f"team-{i}" for i in range(group_count)]
    idp.user("busy", "qs-reader-grp", *groups)
    subscribe(services.directory, OTHER_ACCOUNT, name="api-analytics")
    register(services.directory, "api-user", account_id=OTHER_ACCOUNT)
    for group in groups:
        services.directory.groups.create(OTHER_ACCOUNT, "default", group, actor=ACTOR)
        services.directory.memberships.create(
            OTHER_ACCOUNT, "default", group, "api-user", actor=ACTOR
        )
    run_worker(services)
    reader = services.access.authorizer.principals
    with counted(services) as identity_statements:
        principal = reader.user(ACCOUNT, "default", "busy")
    assert len(principal.groups) == group_count + 1
    with counted(services) as api_statements:
        assert len(reader.user(OTHER_ACCOUNT, "default", "api-user").groups) == group_count
    assert len(identity_statements) <= 10, identity_statements
    assert len(api_statements) <= 4, api_statements
