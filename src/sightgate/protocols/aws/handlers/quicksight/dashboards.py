"""QuickSight dashboards: versions, the published one, definitions, permissions, search.

``UpdateDashboard`` carries ``Status`` in the body (its model says so); the serializer
puts it there. Definitions are returned as stored, member for member.
"""

from __future__ import annotations

from sightgate.analytics.assets.dashboards import (
    Dashboard,
    DashboardPermissions,
    DashboardService,
    DashboardVersion,
    Saved,
)
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_of, page_request, summaries
from sightgate.protocols.aws.handlers.quicksight.tags import tags_of
from sightgate.protocols.aws.handlers.registry import (
    CREATED,
    OK,
    Handlers,
    Operation,
    Output,
    Params,
)
from sightgate.protocols.aws.handlers.rules import in_named_account


def summary_json(dashboard: Dashboard) -> Output:
    """A ``DashboardSummary``."""
    return {
        "Arn": dashboard.arn,
        "DashboardId": dashboard.dashboard_id,
        "Name": dashboard.name,
        "CreatedTime": dashboard.created,
        "LastUpdatedTime": dashboard.updated,
        "PublishedVersionNumber": dashboard.published_version,
        "LastPublishedTime": dashboard.published,
    }


def version_json(version: DashboardVersion) -> Output:
    """A ``DashboardVersion`` (``Errors`` only when there are some: the model's list
    holds at least one)."""
    content = version.content
    return {
        "CreatedTime": version.created,
        "Errors": content.errors or None,
        "VersionNumber": version.number,
        "Status": version.status,
        "Arn": version.arn,
        "SourceEntityArn": content.source_entity_arn,
        "DataSetArns": content.data_set_arns,
        "Description": version.description,
        "ThemeArn": content.theme_arn,
        "Sheets": content.sheets,
    }


def dashboard_json(saved: Saved) -> Output:
    """A ``Dashboard`` with the version described."""
    dashboard = saved.dashboard
    return {
        "DashboardId": dashboard.dashboard_id,
        "Arn": dashboard.arn,
        "Name": dashboard.name,
        "Version": version_json(saved.version),
        "CreatedTime": dashboard.created,
        "LastPublishedTime": dashboard.published,
        "LastUpdatedTime": dashboard.updated,
    }


def _saved(saved: Saved) -> Output:
    return {
        "Arn": saved.dashboard.arn,
        "VersionArn": saved.version.arn,
        "DashboardId": saved.dashboard.dashboard_id,
        "CreationStatus": saved.version.status,
    }


def create_dashboard(dashboards: DashboardService, ctx: RequestContext, params: Params) -> Output:
    """CreateDashboard."""
    saved = dashboards.create(
        params["AwsAccountId"],
        params["DashboardId"],
        params,
        tags=tags_of(params),
        actor=ctx.actor,
    )
    return {**_saved(saved), **CREATED}


def update_dashboard(dashboards: DashboardService, ctx: RequestContext, params: Params) -> Output:
    """UpdateDashboard: a new version (``Status`` in the body)."""
    saved = dashboards.update(
        params["AwsAccountId"], params["DashboardId"], params, actor=ctx.actor
    )
    return {**_saved(saved), **OK}


def describe_dashboard(dashboards: DashboardService, ctx: RequestContext, params: Params) -> Output:
    """DescribeDashboard: the published version unless one is named."""
    saved = dashboards.describe(
        params["AwsAccountId"],
        params["DashboardId"],
        version_number=params.get("VersionNumber"),
        alias_name=params.get("AliasName"),
    )
    return {"Dashboard": dashboard_json(saved), **OK}


def describe_dashboard_definition(
    dashboards: DashboardService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeDashboardDefinition: the definition as it was given."""
    saved = dashboards.describe(
        params["AwsAccountId"],
        params["DashboardId"],
        version_number=params.get("VersionNumber"),
        alias_name=params.get("AliasName"),
    )
    version = saved.version
    return {
        "DashboardId": saved.dashboard.dashboard_id,
        "Errors": version.content.errors or None,
        "Name": saved.dashboard.name,
        "ResourceStatus": version.status,
        "ThemeArn": version.content.theme_arn,
        "Definition": version.content.definition,
        "DashboardPublishOptions": version.publish_options,
        **OK,
    }


def list_dashboards(dashboards: DashboardService, ctx: RequestContext, params: Params) -> Output:
    """ListDashboards."""
    limit, after = page_request(ctx)
    page = dashboards.list(params["AwsAccountId"], limit=limit, after=after)
    return {**summaries(ctx, page, "DashboardSummaryList", summary_json), **OK}


def list_dashboard_versions(
    dashboards: DashboardService, ctx: RequestContext, params: Params
) -> Output:
    """ListDashboardVersions."""
    limit, after = page_request(ctx)
    _, page = dashboards.versions(
        params["AwsAccountId"], params["DashboardId"], limit=limit, after=after
    )
    return {
        "DashboardVersionSummaryList": [
            {
                "Arn": v.arn,
                "CreatedTime": v.created,
                "VersionNumber": v.number,
                "Status": v.status,
                "SourceEntityArn": v.content.source_entity_arn,
                "Description": v.description,
            }
            for v in page.items
        ],
        **next_token(ctx, page),
        **OK,
    }


def update_dashboard_published_version(
    dashboards: DashboardService, ctx: RequestContext, params: Params
) -> Output:
    """UpdateDashboardPublishedVersion."""
    dashboard = dashboards.publish(
        params["AwsAccountId"], params["DashboardId"], params["VersionNumber"], actor=ctx.actor
    )
    return {"DashboardId": dashboard.dashboard_id, "DashboardArn": dashboard.arn, **OK}


def delete_dashboard(dashboards: DashboardService, ctx: RequestContext, params: Params) -> Output:
    """DeleteDashboard: the whole dashboard, or one version (``version-number``)."""
    dashboard = dashboards.delete(
        params["AwsAccountId"],
        params["DashboardId"],
        version_number=params.get("VersionNumber"),
        actor=ctx.actor,
    )
    return {"Arn": dashboard.arn, "DashboardId": dashboard.dashboard_id, **OK}


def _permissions_output(found: DashboardPermissions, permissions: Output) -> Output:
    return {
        "DashboardId": found.dashboard.dashboard_id,
        "DashboardArn": found.dashboard.arn,
        **permissions,
        "LinkSharingConfiguration": {
            "Permissions": [p.to_json() for p in found.link_permissions] or None
        },
        **OK,
    }


def describe_dashboard_permissions(
    dashboards: DashboardService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeDashboardPermissions (with LinkSharingConfiguration)."""
    found = dashboards.describe_permissions(params["AwsAccountId"], params["DashboardId"])
    entries, _ = page_of(ctx, found.permissions, key=lambda p: p.principal)
    return _permissions_output(found, {"Permissions": [p.to_json() for p in entries]})


def update_dashboard_permissions(
    dashboards: DashboardService, ctx: RequestContext, params: Params
) -> Output:
    """UpdateDashboardPermissions: principals and link sharing, revoke then grant."""
    found = dashboards.update_permissions(
        params["AwsAccountId"],
        params["DashboardId"],
        grant=params.get("GrantPermissions"),
        revoke=params.get("RevokePermissions"),
        grant_link=params.get("GrantLinkPermissions"),
        revoke_link=params.get("RevokeLinkPermissions"),
        actor=ctx.actor,
    )
    return _permissions_output(found, {"Permissions": [p.to_json() for p in found.permissions]})


def search_dashboards(dashboards: DashboardService, ctx: RequestContext, params: Params) -> Output:
    """SearchDashboards (the principal filters are the authorizer's answers)."""
    limit, after = page_request(ctx)
    page = dashboards.search(params["AwsAccountId"], params["Filters"], limit=limit, after=after)
    return {**summaries(ctx, page, "DashboardSummaryList", summary_json), **OK}


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.dashboards,
    (
        Operation("CreateDashboard", create_dashboard, in_named_account),
        Operation("UpdateDashboard", update_dashboard, in_named_account),
        Operation("DescribeDashboard", describe_dashboard, in_named_account),
        Operation("DescribeDashboardDefinition", describe_dashboard_definition, in_named_account),
        Operation("ListDashboards", list_dashboards, in_named_account),
        Operation("ListDashboardVersions", list_dashboard_versions, in_named_account),
        Operation(
            "UpdateDashboardPublishedVersion", update_dashboard_published_version, in_named_account
        ),
        Operation("DeleteDashboard", delete_dashboard, in_named_account),
        Operation("DescribeDashboardPermissions", describe_dashboard_permissions, in_named_account),
        Operation("UpdateDashboardPermissions", update_dashboard_permissions, in_named_account),
        Operation("SearchDashboards", search_dashboards, in_named_account),
    ),
)
