"""Fixtures of the folder tests: a subscribed account with a few users and groups."""

from __future__ import annotations

from typing import Any

import pytest

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.permissions import Resource, ResourcePermission
from sightgate.analytics.assets.folders import FolderService
from sightgate.analytics.assets.model import Folder
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from tests.analytics.conftest import ACCOUNT, ACTOR, REGION

FOLDER = STANDARD[ResourceType.FOLDER]
DASHBOARD = STANDARD[ResourceType.DASHBOARD]


def arn(kind: str, *parts: str, account: str = ACCOUNT) -> str:
    """A QuickSight ARN of the test account's region."""
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{'/'.join(parts)}"


def dashboard(dashboard_id: str) -> Resource:
    """A dashboard of the test account."""
    return Resource(ACCOUNT, ResourceType.DASHBOARD, arn("dashboard", dashboard_id))


def bare_asset(name: str) -> dict[str, Any]:
    """CreateDashboard's or CreateAnalysis's input: nothing drawn, no grants, over a
    dataset that need not exist (LENIENT reports it rather than refusing)."""
    declared = {"Identifier": "sales", "DataSetArn": arn("dataset", "sales")}
    return {
        "Name": name,
        "Definition": {"DataSetIdentifierDeclarations": [declared]},
        "ValidationStrategy": {"Mode": "LENIENT"},
    }


def stored_dashboards(services: Services, *dashboard_ids: str) -> None:
    """Dashboards of the test account (a folder holds only assets that exist)."""
    for dashboard_id in dashboard_ids:
        services.dashboards.create(ACCOUNT, dashboard_id, bare_asset(dashboard_id), actor=ACTOR)


def grant(principal: str, actions: frozenset[str]) -> ResourcePermission:
    """A permission entry."""
    return ResourcePermission(principal, actions)


def make(
    folders: FolderService, folder_id: str, parent: Folder | None = None, **fields: Any
) -> Folder:
    """A folder of the test account, under ``parent``."""
    return folders.create(
        ACCOUNT,
        folder_id,
        actor=ACTOR,
        name=fields.pop("name", folder_id),
        parent_arn=parent.arn if parent else None,
        **fields,
    )


@pytest.fixture
def folders(services: Services, account: AccountSubscription) -> FolderService:
    """The folder service, over a subscribed account."""
    return services.folders
