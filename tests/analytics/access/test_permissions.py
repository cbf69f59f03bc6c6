"""Resource permissions: grant and revoke semantics, limits, principals resolved to rows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.permissions import (
    PERMISSIONS_UPDATED,
    Resource,
    ResourcePermission,
    inherited_actions,
    parse_permissions,
    passing_down,
)
from sightgate.analytics.access.tables import grant_actions, resource_permissions
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from sightgate.platform.db import Database
from sightgate.platform.errors import ValidationError
from sightgate.platform.uow import UnitOfWork
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    REGION,
    events_after,
    last_position,
    register,
    subscribe,
)

DASHBOARD = Resource(
    ACCOUNT, ResourceType.DASHBOARD, f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dashboard/sales"
)
VIEWER = STANDARD[ResourceType.DASHBOARD].viewer
OWNER = STANDARD[ResourceType.DASHBOARD].owner


def user_arn(name: str, namespace: str = "default", account: str = ACCOUNT) -> str:
    return f"arn:aws:quicksight:{REGION}:{account}:user/{namespace}/{name}"


def group_arn(name: str, namespace: str = "default") -> str:
    return f"arn:aws:quicksight:{REGION}:{ACCOUNT}:group/{namespace}/{name}"


def perm(principal: str, actions: frozenset[str]) -> ResourcePermission:
    return ResourcePermission(principal, actions)


@pytest.fixture
def people(services: Services, account: AccountSubscription) -> None:
    register(services.directory, "alice")
    register(services.directory, "bob")
    services.directory.groups.create(ACCOUNT, "default", "readers", actor=ACTOR)


def test_grant_adds_actions_and_revoke_removes_them(services: Services, people: None) -> None:
    permissions = services.access.permissions
    after = permissions.update(
        DASHBOARD,
        grant=[perm(user_arn("alice"), VIEWER), perm(group_arn("readers"), VIEWER)],
        actor=ACTOR,
    )
    assert after == [perm(group_arn("readers"), VIEWER), perm(user_arn("alice"), VIEWER)]
    after = permissions.update(DASHBOARD, grant=[perm(user_arn("alice"), OWNER)], actor=ACTOR)
    assert perm(user_arn("alice"), OWNER) in after
    after = permissions.update(
        DASHBOARD, revoke=[perm(user_arn("alice"), OWNER - VIEWER)], actor=ACTOR
    )
    assert perm(user_arn("alice"), VIEWER) in after
    after = permissions.update(DASHBOARD, revoke=[perm(group_arn("readers"), OWNER)], actor=ACTOR)
    assert after == [perm(user_arn("alice"), VIEWER)]
    assert permissions.describe(DASHBOARD) == after


def test_revoke_then_grant_leaves_exactly_the_granted_actions(
    services: Services, people: None
) -> None:
    permissions = services.access.permissions
    permissions.update(DASHBOARD, grant=[perm(user_arn("bob"), OWNER)], actor=ACTOR)
    after = permissions.update(
        DASHBOARD,
        revoke=[perm(user_arn("bob"), OWNER)],
        grant=[perm(user_arn("bob"), VIEWER)],
        actor=ACTOR,
    )
    assert after == [perm(user_arn("bob"), VIEWER)]


def test_each_real_change_is_one_event_and_a_no_op_is_none(
    services: Services, db: Database, people: None
) -> None:
    permissions = services.access.permissions
    before = last_position(db)
    permissions.update(DASHBOARD, grant=[perm(user_arn("alice"), VIEWER)], actor=ACTOR)
    permissions.update(DASHBOARD, grant=[perm(user_arn("alice"), VIEWER)], actor=ACTOR)
    (event,) = events_after(db, before)
    assert event.type == PERMISSIONS_UPDATED and event.scope == ACCOUNT
    assert event.payload["ResourceArn"] == DASHBOARD.arn


@pytest.mark.parametrize(
    "principal",
    [
        user_arn("nobody"),
        group_arn("nogroup"),
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:namespace/missing",
        user_arn("alice", account=OTHER_ACCOUNT),
        f"arn:aws:quicksight:ap-south-1:{ACCOUNT}:user/default/alice",  # another region
        "arn:aws:iam::111122223333:root",
        "not an arn",
        "arn:aws:quicksight:us-east-1:111122223333:user/default/x' OR '1'='1",
    ],
)
def test_a_principal_must_be_a_user_group_or_namespace_of_the_account(
    services: Services, db: Database, people: None, principal: str
) -> None:
    subscribe(services.directory, OTHER_ACCOUNT, name="other")
    register(services.directory, "alice", account_id=OTHER_ACCOUNT)
    before = last_position(db)
    with pytest.raises(ValidationError, match="is not a user, group or namespace"):
        services.access.permissions.update(
            DASHBOARD,
            grant=[perm(user_arn("alice"), VIEWER), perm(principal, VIEWER)],
            actor=ACTOR,
        )
    assert services.access.permissions.describe(DASHBOARD) == []
    assert last_position(db) == before


def test_deleting_a_principal_deletes_its_grants_and_a_namesake_gets_none(
    services: Services, people: None
) -> None:
    permissions = services.access.permissions
    permissions.update(
        DASHBOARD,
        grant=[perm(user_arn("alice"), VIEWER), perm(group_arn("readers"), VIEWER)],
        actor=ACTOR,
    )
    services.directory.users.delete(ACCOUNT, "default", "alice", actor=ACTOR)
    services.directory.groups.delete(ACCOUNT, "default", "readers", actor=ACTOR)
    assert permissions.describe(DASHBOARD) == []
    register(services.directory, "alice")
    assert permissions.describe(DASHBOARD) == []


def test_deleting_a_namespace_or_account_deletes_its_grants(
    services: Services, account: AccountSubscription
) -> None:
    services.directory.namespaces.create(ACCOUNT, "tenant", actor=ACTOR)
    register(services.directory, "carol", "tenant")
    services.access.permissions.update(
        DASHBOARD,
        grant=[
            perm(user_arn("carol", "tenant"), VIEWER),
            perm(f"arn:aws:quicksight:{REGION}:{ACCOUNT}:namespace/tenant", VIEWER),
        ],
        actor=ACTOR,
    )
    services.directory.namespaces.delete(ACCOUNT, "tenant", actor=ACTOR)
    assert services.access.permissions.describe(DASHBOARD) == []


def _entries(count: int) -> list[dict[str, Any]]:
    return [
        {"Principal": user_arn(f"u{i}"), "Actions": ["quicksight:DescribeDashboard"]}
        for i in range(count)
    ]


def test_parse_permissions_keeps_the_api_limits() -> None:
    assert len(parse_permissions(ResourceType.DASHBOARD, _entries(100), "GrantPermissions")) == 100
    with pytest.raises(ValidationError, match="at most 100"):
        parse_permissions(ResourceType.DASHBOARD, _entries(101), "GrantPermissions")
    with pytest.raises(ValidationError, match="at most 64"):
        parse_permissions(ResourceType.FOLDER, _entries(65), "GrantPermissions")
    actions = [f"quicksight:{a.removeprefix('quicksight:')}" for a in sorted(OWNER)] * 3
    with pytest.raises(ValidationError, match="1 to 20 actions"):
        parse_permissions(
            ResourceType.DASHBOARD, [{"Principal": user_arn("a"), "Actions": actions}], "G"
        )
    with pytest.raises(ValidationError, match="1 to 20 actions"):
        parse_permissions(
            ResourceType.DASHBOARD, [{"Principal": user_arn("a"), "Actions": []}], "G"
        )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"Principal": "", "Actions": ["quicksight:DescribeDashboard"]}, "1 to 256"),
        ({"Principal": "a" * 257, "Actions": ["quicksight:DescribeDashboard"]}, "1 to 256"),
        ({"Principal": 5, "Actions": ["quicksight:DescribeDashboard"]}, "1 to 256"),
        ({"Principal": "p", "Actions": "quicksight:DescribeDashboard"}, "list of actions"),
        (
            {"Principal": "p", "Actions": ["quicksight:DescribeDataSet"]},
            "not an action of a dashboard",
        ),
        ({"Principal": "p", "Actions": ["quicksight:*"]}, "not an action"),
        ({"Principal": "p", "Actions": [7]}, "not an action"),
        ("just text", "must be an object"),
    ],
)
def test_parse_permissions_names_what_is_wrong(entry: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        parse_permissions(ResourceType.DASHBOARD, [entry], "GrantPermissions")
    assert caught.value.field.startswith("GrantPermissions[0]")


def test_actions_are_matched_in_any_letter_case_and_returned_canonical() -> None:
    (parsed,) = parse_permissions(
        ResourceType.DASHBOARD,
        [{"Principal": "p", "Actions": ["QuickSight:describedashboard"]}],
        "GrantPermissions",
    )
    assert parsed.actions == frozenset({"quicksight:DescribeDashboard"})


def test_passing_down_inverts_inherited_actions_for_every_folder_grant() -> None:
    """The folder sets SQL tests for (``passing_down``) admit exactly the folder grants
    whose ``inherited_actions`` hold the action: every subset of the folder's actions,
    every action of every type."""
    folder_actions = sorted(STANDARD[ResourceType.FOLDER].owner)
    grants = [
        frozenset(a for bit, a in enumerate(folder_actions) if mask >> bit & 1)
        for mask in range(1 << len(folder_actions))
    ]
    for resource_type in ResourceType:
        for action in STANDARD[resource_type].owner:
            needed = passing_down(resource_type, action)
            for granted in grants:
                passes = action in inherited_actions(resource_type, granted)
                assert passes == any(n <= granted for n in needed), (resource_type, action)


def _grant_actions(services: Services) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """The grant-action rows, and those the permissions' actions say there should be."""
    columns = ("resource_arn", "principal_arn", "user_id", "group_id", "namespace_id")
    with services.db.read() as conn:
        stored = {
            tuple(row)
            for row in conn.execute(
                select(*(grant_actions.c[c] for c in columns), grant_actions.c.action)
            )
        }
        wanted = {
            (*(row[c] for c in columns), action)
            for row in conn.execute(select(resource_permissions)).mappings()
            for action in row["actions"]
        }
    return stored, wanted


def test_grant_actions_follow_every_change_of_the_permissions(
    services: Services, people: None
) -> None:
    """The table SQL decides actions on is the database's copy of each grant's actions:
    granted, partly revoked, re-granted, and gone with the principal or the resource."""
    permissions = services.access.permissions
    other = Resource(ACCOUNT, ResourceType.DASHBOARD, DASHBOARD.arn + "-2")
    for resource in (DASHBOARD, other):
        permissions.update(
            resource,
            grant=[perm(user_arn("alice"), OWNER), perm(group_arn("readers"), VIEWER)],
            actor=ACTOR,
        )
    permissions.update(DASHBOARD, revoke=[perm(user_arn("alice"), OWNER - VIEWER)], actor=ACTOR)
    permissions.update(DASHBOARD, grant=[perm(user_arn("bob"), VIEWER)], actor=ACTOR)
    stored, wanted = _grant_actions(services)
    assert stored == wanted and len(stored) == 2 * len(VIEWER) + len(OWNER) + 2 * len(VIEWER)
    services.directory.users.delete(ACCOUNT, "default", "alice", actor=ACTOR)
    with UnitOfWork(services.db, ACTOR) as uow:
        permissions.delete_resource(uow, other.arn)
    stored, wanted = _grant_actions(services)
    assert stored == wanted and len(stored) == 2 * len(VIEWER)
