"""``Explainer.explain``: the authorizer's decision and the path behind it, through
groups and three levels of folders, for every kind of denial."""

from __future__ import annotations

import pytest

from sightgate.analytics.access.actions import PREFIX
from sightgate.analytics.access.explain import Explainer, Explanation, Step
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

GROUP = arn("group", "default", "red-customer-grp")
READER = arn("user", "default", "reader")
D1 = arn("dashboard", "d1")


@pytest.fixture
def tree(services: Services, folders: FolderService) -> tuple[Folder, Folder, Folder]:
    """red (viewer: red-customer-grp) > managers > reports holding ``d1``; ``reader`` is
    in the group, and is also granted ``d1``'s owner set directly."""
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


def explain(services: Services, user: str = "reader", resource: str = D1, **kw: str) -> Explanation:
    return Explainer(services.access.authorizer).explain(ACCOUNT, "default", user, resource, **kw)


def path(found: Explanation) -> list[tuple[str, str]]:
    assert found.deciding is not None
    return [(step.kind, step.arn) for step in found.deciding.steps]


def test_the_path_runs_user_group_folders_dashboard(
    services: Services, tree: tuple[Folder, Folder, Folder]
) -> None:
    root, middle, leaf = tree
    found = explain(services)
    assert found.allowed and found.action == PREFIX + "DescribeDashboard"
    assert found.groups == (GROUP,)
    assert path(found) == [
        ("user", READER),
        ("group", GROUP),
        ("folder", root.arn),
        ("folder", middle.arn),
        ("folder", leaf.arn),
        ("dashboard", D1),
    ]
    assert found.deciding is not None
    steps = found.deciding.steps
    assert steps[2].actions == (PREFIX + "DescribeFolder",)
    assert set(steps[-1].actions) == DASHBOARD.viewer
    decision = services.access.authorizer.authorize_user(
        ACCOUNT, "default", "reader", found.action, found.resource
    )
    assert (found.allowed, found.reason) == (decision.allowed, decision.reason)


def test_a_folder_is_explained_through_its_ancestors(
    services: Services, tree: tuple[Folder, Folder, Folder]
) -> None:
    root, middle, leaf = tree
    found = explain(services, resource=leaf.arn)
    assert found.allowed
    assert path(found)[2:] == [("folder", root.arn), ("folder", middle.arn), ("folder", leaf.arn)]


def test_every_grant_that_reaches_is_listed_and_the_deciding_one_first(
    services: Services, tree: tuple[Folder, Folder, Folder]
) -> None:
    services.access.permissions.update(
        dashboard("d1"), grant=[grant(READER, DASHBOARD.owner)], actor=ACTOR
    )
    found = explain(services, action="quicksight:updatedashboard")  # any letter case
    assert found.allowed and found.action == PREFIX + "UpdateDashboard"
    assert path(found) == [("user", READER), ("dashboard", D1)]
    assert [r.grants_action for r in found.routes] == [True, False]
    assert found.routes[1].steps[1] == Step("group", GROUP, (), "member")


def test_denials_say_why(
    services: Services, folders: FolderService, tree: tuple[Folder, Folder, Folder]
) -> None:
    owner_only = explain(services, action=PREFIX + "UpdateDashboard")
    assert not owner_only.allowed and owner_only.deciding is None
    assert [r.grants_action for r in owner_only.routes] == [False]  # the viewer route
    assert "no permission grants quicksight:UpdateDashboard" in owner_only.reason

    outsider = explain(services, user="outsider")
    assert not outsider.allowed and outsider.routes == ()

    nobody = explain(services, user="nobody")
    assert not nobody.allowed and nobody.user_arn is None and "nobody" in nobody.reason

    folders.update_permissions(ACCOUNT, "red", revoke=[grant(GROUP, FOLDER.viewer)], actor=ACTOR)
    assert not explain(services).allowed  # revoked at the top: seen at once


@pytest.mark.parametrize(
    ("resource", "action", "field"),
    [
        ("not-an-arn", None, "ResourceArn"),
        (arn("user", "default", "reader"), None, "ResourceArn"),
        (arn("dashboard", "d1", account="444455556666"), None, "ResourceArn"),
        (D1, PREFIX + "DescribeFolder", "Action"),
    ],
)
def test_bad_input(
    services: Services,
    tree: tuple[Folder, Folder, Folder],
    resource: str,
    action: str | None,
    field: str,
) -> None:
    with pytest.raises(ValidationError) as raised:
        explain(services, resource=resource, **({"action": action} if action else {}))
    assert raised.value.field == field
