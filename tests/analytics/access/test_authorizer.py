"""The authorizer: who may do what on which resource, why, and how a cached answer never
outlives a change that takes access away (in this process or another)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.authorizer import (
    AccountResource,
    IdentitySource,
    IdentityStoreResource,
)
from sightgate.analytics.access.permissions import Resource, ResourcePermission
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.analytics.principals.model import AccountCaller, ScimClient
from sightgate.bootstrap import Services
from sightgate.platform.errors import AccessDeniedError
from tests.analytics.conftest import ACCOUNT, ACTOR, OTHER_ACCOUNT, REGION, register, subscribe
from tests.analytics.provisioning.conftest import Idp, run_worker

VIEW = "quicksight:DescribeDashboard"
VIEWER = STANDARD[ResourceType.DASHBOARD].viewer


def dashboard(name: str, account: str = ACCOUNT) -> Resource:
    arn = f"arn:aws:quicksight:{REGION}:{account}:dashboard/{name}"
    return Resource(account, ResourceType.DASHBOARD, arn)


def group_arn(name: str, namespace: str = "default") -> str:
    return f"arn:aws:quicksight:{REGION}:{ACCOUNT}:group/{namespace}/{name}"


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


@pytest.fixture
def reader(services: Services, idp: Idp, linked: AccountSubscription) -> str:
    """A provisioned reader in ``red-customer-grp``, which may view ``red-sales``."""
    user_id = idp.user("red-reader", "qs-reader-grp", "red-customer-grp")
    run_worker(services)
    services.access.permissions.update(
        dashboard("red-sales"),
        grant=[ResourcePermission(group_arn("red-customer-grp"), VIEWER)],
        actor=ACTOR,
    )
    return user_id


def decide(services: Services, name: str = "red-reader", resource: str = "red-sales") -> Any:
    return services.access.authorizer.authorize_user(
        ACCOUNT, "default", name, VIEW, dashboard(resource)
    )


def test_a_grant_to_a_group_allows_its_members_and_says_through_what(
    services: Services, reader: str
) -> None:
    decision = decide(services)
    assert decision.allowed, decision.reason
    assert decision.via[0] == f"user arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/red-reader"
    assert decision.via[1] == f"group {group_arn('red-customer-grp')}"
    assert decision.via[2].startswith("grant on arn:aws:quicksight:")
    assert not decide(services, resource="blue-sales").allowed
    assert "no permission grants" in decide(services, resource="blue-sales").reason


def test_an_action_outside_the_grant_is_denied(services: Services, reader: str) -> None:
    decision = services.access.authorizer.authorize_user(
        ACCOUNT, "default", "red-reader", "quicksight:DeleteDashboard", dashboard("red-sales")
    )
    assert not decision.allowed


def test_another_accounts_resource_and_unknown_users_are_denied(
    services: Services, reader: str
) -> None:
    subscribe(services.directory, OTHER_ACCOUNT, name="other")
    foreign = services.access.authorizer.authorize_user(
        ACCOUNT, "default", "red-reader", VIEW, dashboard("red-sales", OTHER_ACCOUNT)
    )
    assert not foreign.allowed and "another account" in foreign.reason
    assert not decide(services, name="nobody").allowed


def test_a_warm_decision_costs_one_statement_and_revocation_is_seen_at_once(
    services: Services, idp: Idp, reader: str
) -> None:
    assert decide(services).allowed  # cold
    assert decide(services).allowed  # fills the cache with epochs read first
    with counted(services) as statements:
        assert decide(services).allowed
    assert len(statements) == 1 and "max" in statements[0].lower()

    idp.leave(reader, "red-customer-grp")  # the identity store only: no worker runs
    assert not decide(services).allowed
    idp.join(reader, "red-customer-grp")
    assert decide(services).allowed
    services.access.permissions.update(
        dashboard("red-sales"),
        revoke=[ResourcePermission(group_arn("red-customer-grp"), VIEWER)],
        actor=ACTOR,
    )
    assert not decide(services).allowed


def test_a_first_decision_about_a_known_user_is_warm_the_next_time(
    services: Services, reader: str
) -> None:
    """Its epochs are read before it is computed (it depends on the user's scopes), so it
    is not computed twice: the second decision about another dashboard is warm."""
    decide(services)
    decide(services)  # the user is known, with epochs
    assert not decide(services, resource="blue-sales").allowed  # a new key
    with counted(services) as statements:
        assert not decide(services, resource="blue-sales").allowed
    assert len(statements) == 1 and "max" in statements[0].lower()
    services.access.permissions.update(
        dashboard("blue-sales"),
        grant=[ResourcePermission(group_arn("red-customer-grp"), VIEWER)],
        actor=ACTOR,
    )
    assert decide(services, resource="blue-sales").allowed  # the grant moved the epoch


def test_a_revocation_committed_by_another_process_is_seen_by_the_next_decision(
    services: Services, database_url: str, idp: Idp, reader: str
) -> None:
    for _ in range(3):
        assert decide(services).allowed
    store_id = idp.store_id
    script = textwrap.dedent(
        f"""
        from sightgate.identity.directory import IdentityStoreService
        from sightgate.platform.db import Database
        from sightgate.platform.events import Actor
        identity = IdentityStoreService(Database({database_url!r}))
        group = identity.find_group({store_id!r}, "red-customer-grp")
        identity.remove_members({store_id!r}, group.group_id, [{reader!r}], Actor("scim", "idp"))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    decision = decide(services)
    assert not decision.allowed, decision.reason


def test_an_access_key_acts_on_its_own_account_and_the_stores_that_serve_it(
    services: Services, linked: AccountSubscription, idp: Idp
) -> None:
    authorizer = services.access.authorizer
    own, other = AccountCaller(ACCOUNT), AccountCaller(OTHER_ACCOUNT)
    assert authorizer.authorize(own, "quicksight:ListUsers", AccountResource(ACCOUNT)).allowed
    denied = authorizer.authorize(other, "quicksight:ListUsers", AccountResource(ACCOUNT))
    assert not denied.allowed and OTHER_ACCOUNT in denied.reason
    store = IdentityStoreResource(idp.store_id)
    assert authorizer.authorize(own, "identitystore:ListUsers", store).allowed
    assert not authorizer.authorize(other, "identitystore:ListUsers", store).allowed
    assert not authorizer.authorize(
        own, "identitystore:ListUsers", IdentityStoreResource("d-0000000000")
    ).allowed
    arn = linked.iam_identity_center_instance_arn
    assert arn is not None
    assert authorizer.authorize(
        own, "quicksight:CreateAccountSubscription", IdentitySource(arn)
    ).allowed
    with pytest.raises(AccessDeniedError, match="does not serve account"):
        authorizer.require(other, "quicksight:CreateAccountSubscription", IdentitySource(arn))


def test_a_scim_token_acts_on_its_own_store_only(services: Services, idp: Idp) -> None:
    authorizer = services.access.authorizer
    client = ScimClient(idp.store_id, "token-1")
    assert authorizer.authorize(client, "scim:GetUser", IdentityStoreResource(idp.store_id)).allowed
    assert not authorizer.authorize(
        client, "scim:GetUser", IdentityStoreResource("d-0123456789")
    ).allowed
    assert not authorizer.authorize(client, "scim:GetUser", AccountResource(ACCOUNT)).allowed


def test_a_user_in_no_group_is_allowed_by_their_own_grant_or_their_namespaces(
    services: Services, account: AccountSubscription
) -> None:
    register(services.directory, "loner")
    services.directory.groups.create(ACCOUNT, "default", "g", actor=ACTOR)
    user = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/loner"
    namespace = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:namespace/default"
    update = services.access.permissions.update
    update(dashboard("own"), grant=[ResourcePermission(user, VIEWER)], actor=ACTOR)
    update(dashboard("everyone"), grant=[ResourcePermission(namespace, VIEWER)], actor=ACTOR)
    update(dashboard("group-only"), grant=[ResourcePermission(group_arn("g"), VIEWER)], actor=ACTOR)
    assert decide(services, "loner", "own").allowed
    assert decide(services, "loner", "everyone").via[1] == f"namespace {namespace}"
    assert not decide(services, "loner", "group-only").allowed
