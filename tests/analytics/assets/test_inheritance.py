"""Who may see what through folders: a folder's permissions are its own plus its
ancestors'; an asset in a folder inherits them; a revocation anywhere above is seen by
the very next decision below, warm cache or not; namespaces isolate."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from sightgate.analytics.access.actions import PREFIX, ResourceType
from sightgate.analytics.access.authorizer import Decision
from sightgate.analytics.access.permissions import Resource
from sightgate.analytics.assets.folders import FolderService
from sightgate.analytics.assets.model import Folder
from sightgate.bootstrap import Services
from sightgate.platform.errors import ValidationError
from tests.analytics.assets.conftest import (
    DASHBOARD,
    FOLDER,
    arn,
    dashboard,
    grant,
    make,
    stored_dashboards,
)
from tests.analytics.conftest import ACCOUNT, ACTOR, register

VIEW = PREFIX + "DescribeDashboard"
GROUP = arn("group", "default", "red-customer-grp")


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
def tree(services: Services, folders: FolderService) -> tuple[Folder, Folder, Folder]:
    """red (shared with red-customer-grp as viewer) > managers > reports, holding the
    dashboard ``d1``; ``reader`` is in the group."""
    directory = services.directory
    register(directory, "reader")
    register(directory, "outsider")
    directory.groups.create(ACCOUNT, "default", "red-customer-grp", actor=ACTOR)
    directory.memberships.create(ACCOUNT, "default", "red-customer-grp", "reader", actor=ACTOR)
    root = make(folders, "red", permissions=[grant(GROUP, FOLDER.viewer)])
    middle = make(folders, "managers", root)
    leaf = make(folders, "reports", middle)
    stored_dashboards(services, "d1")
    folders.add_member(ACCOUNT, "reports", "DASHBOARD", "d1", actor=ACTOR)
    return root, middle, leaf


def decide(
    services: Services, action: str = VIEW, target: Resource | None = None, user: str = "reader"
) -> Decision:
    return services.access.authorizer.authorize_user(
        ACCOUNT, "default", user, action, target or dashboard("d1")
    )


def folder(folder_id: str) -> Resource:
    return Resource(ACCOUNT, ResourceType.FOLDER, arn("folder", folder_id))


def test_a_grant_at_the_top_reaches_three_levels_down(
    services: Services, tree: tuple[Folder, Folder, Folder]
) -> None:
    root = tree[0]
    on_leaf = decide(services, PREFIX + "DescribeFolder", folder("reports"))
    assert on_leaf.allowed, on_leaf.reason
    assert on_leaf.via[1] == f"group {GROUP}"
    assert on_leaf.via[2] == f"grant on {root.arn}: {PREFIX}DescribeFolder"

    on_dashboard = decide(services)
    assert on_dashboard.allowed, on_dashboard.reason
    assert on_dashboard.via[-1].startswith(f"inherited by {arn('dashboard', 'd1')}")
    assert not decide(services, PREFIX + "UpdateDashboard").allowed
    assert not decide(services, target=dashboard("d2")).allowed  # in no folder
    assert not decide(services, user="outsider").allowed
    assert not decide(services, PREFIX + "UpdateFolder", folder("reports")).allowed


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        ("owner", DASHBOARD.owner, frozenset()),
        (
            "contributor",
            DASHBOARD.owner - {PREFIX + "UpdateDashboardPermissions"},
            frozenset({PREFIX + "UpdateDashboardPermissions"}),
        ),
        ("viewer", DASHBOARD.viewer, DASHBOARD.owner - DASHBOARD.viewer),
        ("partial", DASHBOARD.viewer, DASHBOARD.owner - DASHBOARD.viewer),
    ],
)
def test_an_asset_gets_the_standard_set_of_the_folder_role(
    services: Services,
    folders: FolderService,
    tree: tuple[Folder, Folder, Folder],
    role: str,
    allowed: frozenset[str],
    denied: frozenset[str],
) -> None:
    actions = {
        "owner": FOLDER.owner,
        "contributor": FOLDER.contributor,
        "viewer": FOLDER.viewer,
        "partial": FOLDER.viewer | {PREFIX + "UpdateFolder", PREFIX + "DeleteFolder"},
    }[role]
    assert actions is not None
    reader = arn("user", "default", "reader")
    folders.update_permissions(ACCOUNT, "managers", grant=[grant(reader, actions)], actor=ACTOR)
    folders.update_permissions(ACCOUNT, "red", revoke=[grant(GROUP, FOLDER.viewer)], actor=ACTOR)
    for action in allowed:
        assert decide(services, action).allowed, action
    for action in denied:
        assert not decide(services, action).allowed, action


def test_a_revocation_at_the_top_is_seen_by_the_next_decision_below(
    services: Services, folders: FolderService, tree: tuple[Folder, Folder, Folder]
) -> None:
    for _ in range(3):
        assert decide(services).allowed
    with counted(services) as statements:
        assert decide(services).allowed
    assert len(statements) == 1  # warm: the epochs only

    folders.update_permissions(ACCOUNT, "red", revoke=[grant(GROUP, FOLDER.viewer)], actor=ACTOR)
    assert not decide(services).allowed
    assert not decide(services, PREFIX + "DescribeFolder", folder("reports")).allowed

    folders.update_permissions(ACCOUNT, "red", grant=[grant(GROUP, FOLDER.viewer)], actor=ACTOR)
    assert decide(services).allowed
    folders.remove_member(ACCOUNT, "reports", "DASHBOARD", "d1", actor=ACTOR)
    assert not decide(services).allowed
    folders.add_member(ACCOUNT, "reports", "DASHBOARD", "d1", actor=ACTOR)
    assert decide(services).allowed
    services.directory.memberships.delete(
        ACCOUNT, "default", "red-customer-grp", "reader", actor=ACTOR
    )
    assert not decide(services).allowed


def test_a_cold_decision_reads_folder_grants_in_the_same_statement(
    services: Services, tree: tuple[Folder, Folder, Folder]
) -> None:
    with counted(services) as statements:
        assert decide(services).allowed
    grants = [s for s in statements if "analytics_resource_permissions" in s]
    assert len(grants) == 1 and "analytics_folder_paths" in grants[0]


def test_what_a_user_may_see_comes_through_folders_in_one_statement(
    services: Services, folders: FolderService, tree: tuple[Folder, Folder, Folder]
) -> None:
    stored_dashboards(services, "d0")
    folders.add_member(ACCOUNT, "red", "DASHBOARD", "d0", actor=ACTOR)
    services.access.permissions.update(
        dashboard("direct"),
        grant=[grant(arn("user", "default", "reader"), DASHBOARD.viewer)],
        actor=ACTOR,
    )
    authorizer = services.access.authorizer
    user = authorizer.user(ACCOUNT, "default", "reader")
    with counted(services) as statements:
        seen = authorizer.visible(user, ResourceType.DASHBOARD, VIEW)
    assert len(statements) == 1
    assert seen == sorted(arn("dashboard", d) for d in ("d0", "d1", "direct"))
    assert authorizer.visible(user, ResourceType.DASHBOARD, PREFIX + "UpdateDashboard") == []
    assert authorizer.visible(user, ResourceType.FOLDER, PREFIX + "DescribeFolder") == sorted(
        arn("folder", f) for f in ("managers", "red", "reports")
    )
    outsider = authorizer.user(ACCOUNT, "default", "outsider")
    assert authorizer.visible(outsider, ResourceType.DASHBOARD, VIEW) == []


def test_namespaces_isolate_folders(services: Services, folders: FolderService) -> None:
    directory = services.directory
    for namespace in ("ns-a", "ns-b"):
        directory.namespaces.create(ACCOUNT, namespace, actor=ACTOR)
        register(directory, "pat", namespace=namespace)
        directory.groups.create(ACCOUNT, namespace, "team", actor=ACTOR)
        directory.memberships.create(ACCOUNT, namespace, "team", "pat", actor=ACTOR)
    shared = make(
        folders, "b-only", permissions=[grant(arn("group", "ns-b", "team"), FOLDER.owner)]
    )
    make(folders, "b-child", shared)
    stored_dashboards(services, "b-dash")
    folders.add_member(ACCOUNT, "b-child", "DASHBOARD", "b-dash", actor=ACTOR)
    authorizer = services.access.authorizer

    def sees(namespace: str) -> list[str]:
        user = authorizer.user(ACCOUNT, namespace, "pat")
        return authorizer.visible(user, ResourceType.DASHBOARD, VIEW) + authorizer.visible(
            user, ResourceType.FOLDER, PREFIX + "DescribeFolder"
        )

    assert sees("ns-a") == []
    assert sees("ns-b") == [
        arn("dashboard", "b-dash"),
        arn("folder", "b-child"),
        arn("folder", "b-only"),
    ]
    for target in (dashboard("b-dash"), folder("b-child"), folder("b-only")):
        action = VIEW if target.type is ResourceType.DASHBOARD else PREFIX + "DescribeFolder"
        assert not authorizer.authorize_user(ACCOUNT, "ns-a", "pat", action, target).allowed
        assert authorizer.authorize_user(ACCOUNT, "ns-b", "pat", action, target).allowed


def test_resolved_permissions_merge_the_ancestors(
    services: Services, folders: FolderService, tree: tuple[Folder, Folder, Folder]
) -> None:
    reader = arn("user", "default", "reader")
    assert FOLDER.contributor is not None
    folders.update_permissions(
        ACCOUNT, "managers", grant=[grant(reader, FOLDER.contributor)], actor=ACTOR
    )
    resolved = folders.resolved_permissions(ACCOUNT, "reports").permissions
    assert [(p.principal, p.actions) for p in resolved] == [
        (GROUP, FOLDER.viewer),
        (reader, FOLDER.contributor),
    ]
    assert folders.describe_permissions(ACCOUNT, "reports").permissions == []
    assert folders.resolved_permissions(ACCOUNT, "red").permissions[0].principal == GROUP
    assert folders.resolved_permissions(ACCOUNT, "reports", namespace="other").permissions == []


def test_search_answers_principal_filters_from_the_authorizer(
    services: Services, folders: FolderService, tree: tuple[Folder, Folder, Folder]
) -> None:
    reader = arn("user", "default", "reader")
    make(folders, "own", permissions=[grant(reader, FOLDER.owner)])
    make(
        folders, "shared-own", permissions=[grant(reader, FOLDER.owner), grant(GROUP, FOLDER.owner)]
    )

    def ids(*filters: tuple[str, str, str]) -> list[str]:
        page = folders.search(
            ACCOUNT, [{"Name": n, "Operator": o, "Value": v} for n, o, v in filters]
        )
        return [f.folder_id for f in page.items]

    eq = "StringEquals"
    assert ids(("QUICKSIGHT_VIEWER_OR_OWNER", eq, reader)) == [
        "managers",
        "own",
        "red",
        "reports",
        "shared-own",
    ]
    assert ids(("QUICKSIGHT_OWNER", eq, reader)) == ["own", "shared-own"]
    assert ids(("DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", eq, reader)) == ["own", "shared-own"]
    assert ids(("DIRECT_QUICKSIGHT_SOLE_OWNER", eq, reader)) == ["own"]
    assert ids(("DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", eq, GROUP)) == ["red", "shared-own"]
    assert ids(("QUICKSIGHT_VIEWER_OR_OWNER", eq, GROUP)) == [
        "managers",
        "red",
        "reports",
        "shared-own",
    ]
    assert ids(("QUICKSIGHT_VIEWER_OR_OWNER", eq, arn("user", "default", "nobody"))) == []
    assert ids(("PARENT_FOLDER_ARN", eq, arn("folder", "red"))) == ["managers"]
    assert ids(("PARENT_FOLDER_ARN", eq, "")) == ["own", "red", "shared-own"]
    assert ids(("FOLDER_NAME", "StringLike", "OWN")) == ["own", "shared-own"]
    assert ids(("FOLDER_NAME", eq, "own")) == ["own"]
    assert ids(
        ("QUICKSIGHT_VIEWER_OR_OWNER", eq, reader), ("PARENT_FOLDER_ARN", eq, arn("folder", "red"))
    ) == ["managers"]
    assert ids(("PARENT_FOLDER_ARN", eq, arn("folder", "missing"))) == []


@pytest.mark.parametrize(
    "filters",
    [
        [],
        [{"Name": "FOLDER_ID", "Operator": "StringEquals", "Value": "x"}],
        [{"Name": "QUICKSIGHT_OWNER", "Operator": "StringLike", "Value": "x"}],
        [{"Name": "QUICKSIGHT_OWNER", "Operator": "StringEquals", "Value": "not-an-arn"}],
        [{"Name": "QUICKSIGHT_OWNER", "Operator": "StringEquals", "Value": arn("namespace", "x")}],
        [{"Name": "FOLDER_NAME", "Operator": "StringLike", "Value": ""}],
    ],
)
def test_bad_search_filters_are_refused(folders: FolderService, filters: list[Any]) -> None:
    with pytest.raises(ValidationError):
        folders.search(ACCOUNT, filters)


def test_visible_agrees_with_the_decisions_for_every_action(
    services: Services, folders: FolderService, tree: tuple[Folder, Folder, Folder]
) -> None:
    """SQL decides which grants give an action (direct, partial, through folder roles);
    for every action of dashboards and folders, visible is what the decisions allow."""
    reader = arn("user", "default", "reader")
    permissions = services.access.permissions
    assert FOLDER.contributor is not None
    contributed = make(folders, "contributed", permissions=[grant(reader, FOLDER.contributor)])
    owned = make(folders, "owned", permissions=[grant(GROUP, FOLDER.owner)])
    make(folders, "owned-child", owned)
    partial = {PREFIX + "UpdateFolder", PREFIX + "DeleteFolder"}
    make(folders, "partial", permissions=[grant(reader, frozenset(partial))])
    make(folders, "partial-child", contributed, permissions=[grant(reader, frozenset(partial))])
    stored_dashboards(services, "d2", "d3", "d4", "d5")
    for folder_id, dashboard_id in [
        ("contributed", "d2"),
        ("owned-child", "d3"),
        ("partial", "d4"),
        ("partial-child", "d5"),
    ]:
        folders.add_member(ACCOUNT, folder_id, "DASHBOARD", dashboard_id, actor=ACTOR)
    permissions.update(
        dashboard("d6"), grant=[grant(reader, frozenset({PREFIX + "UpdateDashboard"}))], actor=ACTOR
    )
    permissions.update(
        dashboard("d7"), grant=[grant(arn("namespace", "default"), DASHBOARD.viewer)], actor=ACTOR
    )
    permissions.update(dashboard("d8"), grant=[grant(GROUP, DASHBOARD.owner)], actor=ACTOR)
    folder_ids = "red managers reports contributed owned owned-child partial partial-child"
    targets = [dashboard(f"d{n}") for n in range(1, 10)] + [folder(f) for f in folder_ids.split()]
    authorizer = services.access.authorizer
    user = authorizer.user(ACCOUNT, "default", "reader")
    for kind in (ResourceType.DASHBOARD, ResourceType.FOLDER):
        for action in sorted((DASHBOARD if kind is ResourceType.DASHBOARD else FOLDER).owner):
            allowed = sorted(
                t.arn
                for t in targets
                if t.type is kind
                and authorizer.authorize_user(ACCOUNT, "default", "reader", action, t).allowed
            )
            assert authorizer.visible(user, kind, action) == allowed, action
