"""The actions a resource permission can grant, per resource type, and the standard sets.

QuickSight grants ``quicksight:<Operation>`` actions to user, group and namespace ARNs.
Its console shares assets with fixed sets of them ("viewer", "owner", and for folders
"contributor"); the API accepts any subset of a type's actions. The sets below are the
ones the console and AWS's examples use (see docs/access.md for the sources).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sightgate.platform.errors import ValidationError

PREFIX = "quicksight:"


class ResourceType(StrEnum):
    """The resource types that carry permissions, named as in their ARNs."""

    DASHBOARD = "dashboard"
    ANALYSIS = "analysis"
    DATASET = "dataset"
    DATASOURCE = "datasource"
    FOLDER = "folder"
    TEMPLATE = "template"
    THEME = "theme"


@dataclass(frozen=True)
class ActionSets:
    """A resource type's standard sets; ``owner`` holds every action the type grants."""

    viewer: frozenset[str]
    owner: frozenset[str]
    contributor: frozenset[str] | None = None
    max_entries: int = 64
    """Entries one Update*Permissions call may grant or revoke (the botocore model's limit)."""


def _actions(*names: str) -> frozenset[str]:
    return frozenset(PREFIX + name for name in names)


_DASHBOARD_VIEWER = _actions("DescribeDashboard", "ListDashboardVersions", "QueryDashboard")
_ANALYSIS_VIEWER = _actions("DescribeAnalysis", "QueryAnalysis")
_DATASET_VIEWER = _actions(
    "DescribeDataSet",
    "DescribeDataSetPermissions",
    "PassDataSet",
    "DescribeIngestion",
    "ListIngestions",
)
_DATASOURCE_VIEWER = _actions(
    "DescribeDataSource", "DescribeDataSourcePermissions", "PassDataSource"
)
_FOLDER_VIEWER = _actions("DescribeFolder")
_FOLDER_CONTRIBUTOR = _FOLDER_VIEWER | _actions(
    "CreateFolder", "CreateFolderMembership", "DeleteFolderMembership", "DescribeFolderPermissions"
)
_TEMPLATE_VIEWER = _actions(
    "DescribeTemplate", "DescribeTemplateAlias", "ListTemplateAliases", "ListTemplateVersions"
)
_THEME_VIEWER = _actions(
    "DescribeTheme", "DescribeThemeAlias", "ListThemeAliases", "ListThemeVersions"
)

STANDARD: dict[ResourceType, ActionSets] = {
    ResourceType.DASHBOARD: ActionSets(
        viewer=_DASHBOARD_VIEWER,
        owner=_DASHBOARD_VIEWER
        | _actions(
            "UpdateDashboard",
            "DeleteDashboard",
            "UpdateDashboardPermissions",
            "DescribeDashboardPermissions",
            "UpdateDashboardPublishedVersion",
        ),
        max_entries=100,
    ),
    ResourceType.ANALYSIS: ActionSets(
        viewer=_ANALYSIS_VIEWER,
        owner=_ANALYSIS_VIEWER
        | _actions(
            "UpdateAnalysis",
            "DeleteAnalysis",
            "RestoreAnalysis",
            "UpdateAnalysisPermissions",
            "DescribeAnalysisPermissions",
        ),
        max_entries=100,
    ),
    ResourceType.DATASET: ActionSets(
        viewer=_DATASET_VIEWER,
        owner=_DATASET_VIEWER
        | _actions(
            "UpdateDataSet",
            "DeleteDataSet",
            "CreateIngestion",
            "CancelIngestion",
            "UpdateDataSetPermissions",
        ),
    ),
    ResourceType.DATASOURCE: ActionSets(
        viewer=_DATASOURCE_VIEWER,
        owner=_DATASOURCE_VIEWER
        | _actions("UpdateDataSource", "DeleteDataSource", "UpdateDataSourcePermissions"),
    ),
    ResourceType.FOLDER: ActionSets(
        viewer=_FOLDER_VIEWER,
        contributor=_FOLDER_CONTRIBUTOR,
        owner=_FOLDER_CONTRIBUTOR
        | _actions("UpdateFolder", "DeleteFolder", "UpdateFolderPermissions"),
    ),
    ResourceType.TEMPLATE: ActionSets(
        viewer=_TEMPLATE_VIEWER,
        owner=_TEMPLATE_VIEWER
        | _actions(
            "UpdateTemplate",
            "DeleteTemplate",
            "CreateTemplateAlias",
            "UpdateTemplateAlias",
            "DeleteTemplateAlias",
            "DescribeTemplatePermissions",
            "UpdateTemplatePermissions",
        ),
        max_entries=100,
    ),
    ResourceType.THEME: ActionSets(
        viewer=_THEME_VIEWER,
        owner=_THEME_VIEWER
        | _actions(
            "UpdateTheme",
            "DeleteTheme",
            "CreateThemeAlias",
            "UpdateThemeAlias",
            "DeleteThemeAlias",
            "DescribeThemePermissions",
            "UpdateThemePermissions",
        ),
        max_entries=100,
    ),
}

MAX_ACTIONS_PER_ENTRY = 20


def validate_actions(
    resource_type: ResourceType, actions: Iterable[object], field: str
) -> frozenset[str]:
    """1 to 20 actions, each one ``resource_type`` grants (``quicksight:`` in any letter
    case, as IAM compares action names); returned in their canonical spelling."""
    given = list(actions)
    if not 1 <= len(given) <= MAX_ACTIONS_PER_ENTRY:
        raise ValidationError(field, f"must list 1 to {MAX_ACTIONS_PER_ENTRY} actions")
    canonical = {action.lower(): action for action in STANDARD[resource_type].owner}
    found: set[str] = set()
    for action in given:
        known = canonical.get(action.lower()) if isinstance(action, str) else None
        if known is None:
            shown = action if isinstance(action, str) else type(action).__name__
            raise ValidationError(
                field, f"{str(shown)[:80]!r} is not an action of a {resource_type.value}"
            )
        found.add(known)
    return frozenset(found)
