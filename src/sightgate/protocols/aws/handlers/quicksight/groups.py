"""QuickSight groups of a namespace."""

from __future__ import annotations

from sightgate.analytics.directory.groups import GroupService
from sightgate.analytics.directory.model import Group, GroupSearchFilter
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.registry import (
    CREATED,
    OK,
    Handlers,
    Operation,
    Output,
    Params,
)
from sightgate.protocols.aws.handlers.rules import in_named_account


def group_json(group: Group) -> Output:
    """A QuickSight ``Group``."""
    return {
        "Arn": group.arn,
        "GroupName": group.group_name,
        "Description": group.description,
        "PrincipalId": group.principal_id,
    }


def create_group(groups: GroupService, ctx: RequestContext, params: Params) -> Output:
    """CreateGroup."""
    group = groups.create(
        params["AwsAccountId"],
        params["Namespace"],
        params["GroupName"],
        actor=ctx.actor,
        description=params.get("Description"),
    )
    return {"Group": group_json(group), **CREATED}


def describe_group(groups: GroupService, ctx: RequestContext, params: Params) -> Output:
    """DescribeGroup."""
    group = groups.describe(params["AwsAccountId"], params["Namespace"], params["GroupName"])
    return {"Group": group_json(group), **OK}


def update_group(groups: GroupService, ctx: RequestContext, params: Params) -> Output:
    """UpdateGroup (its description)."""
    group = groups.update(
        params["AwsAccountId"],
        params["Namespace"],
        params["GroupName"],
        description=params.get("Description"),
        actor=ctx.actor,
    )
    return {"Group": group_json(group), **OK}


def delete_group(groups: GroupService, ctx: RequestContext, params: Params) -> Output:
    """DeleteGroup."""
    groups.delete(params["AwsAccountId"], params["Namespace"], params["GroupName"], actor=ctx.actor)
    return OK


def list_groups(groups: GroupService, ctx: RequestContext, params: Params) -> Output:
    """ListGroups."""
    limit, after = page_request(ctx)
    page = groups.list(params["AwsAccountId"], params["Namespace"], limit=limit, after=after)
    return {"GroupList": [group_json(g) for g in page.items], **next_token(ctx, page), **OK}


def search_groups(groups: GroupService, ctx: RequestContext, params: Params) -> Output:
    """SearchGroups."""
    limit, after = page_request(ctx)
    filters = [GroupSearchFilter(f["Operator"], f["Name"], f["Value"]) for f in params["Filters"]]
    page = groups.search(
        params["AwsAccountId"], params["Namespace"], filters, limit=limit, after=after
    )
    return {"GroupList": [group_json(g) for g in page.items], **next_token(ctx, page), **OK}


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.directory.groups,
    (
        Operation("CreateGroup", create_group, in_named_account),
        Operation("DescribeGroup", describe_group, in_named_account),
        Operation("UpdateGroup", update_group, in_named_account),
        Operation("DeleteGroup", delete_group, in_named_account),
        Operation("ListGroups", list_groups, in_named_account),
        Operation("SearchGroups", search_groups, in_named_account),
    ),
)
