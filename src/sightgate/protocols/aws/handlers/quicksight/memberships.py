"""QuickSight group memberships."""

from __future__ import annotations

from sightgate.analytics.directory.memberships import GroupMembershipService
from sightgate.analytics.directory.model import GroupMember
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_named_account


def member_json(member: GroupMember) -> Output:
    """A QuickSight ``GroupMember``."""
    return {"Arn": member.arn, "MemberName": member.member_name}


def create_group_membership(
    memberships: GroupMembershipService, ctx: RequestContext, params: Params
) -> Output:
    """CreateGroupMembership."""
    member = memberships.create(
        params["AwsAccountId"],
        params["Namespace"],
        params["GroupName"],
        params["MemberName"],
        actor=ctx.actor,
    )
    return {"GroupMember": member_json(member), **OK}


def delete_group_membership(
    memberships: GroupMembershipService, ctx: RequestContext, params: Params
) -> Output:
    """DeleteGroupMembership."""
    memberships.delete(
        params["AwsAccountId"],
        params["Namespace"],
        params["GroupName"],
        params["MemberName"],
        actor=ctx.actor,
    )
    return OK


def describe_group_membership(
    memberships: GroupMembershipService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeGroupMembership."""
    member = memberships.describe(
        params["AwsAccountId"], params["Namespace"], params["GroupName"], params["MemberName"]
    )
    return {"GroupMember": member_json(member), **OK}


def list_group_memberships(
    memberships: GroupMembershipService, ctx: RequestContext, params: Params
) -> Output:
    """ListGroupMemberships."""
    limit, after = page_request(ctx)
    page = memberships.list(
        params["AwsAccountId"], params["Namespace"], params["GroupName"], limit=limit, after=after
    )
    return {
        "GroupMemberList": [member_json(m) for m in page.items],
        **next_token(ctx, page),
        **OK,
    }


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.directory.memberships,
    (
        Operation("CreateGroupMembership", create_group_membership, in_named_account),
        Operation("DeleteGroupMembership", delete_group_membership, in_named_account),
        Operation("DescribeGroupMembership", describe_group_membership, in_named_account),
        Operation("ListGroupMemberships", list_group_memberships, in_named_account),
    ),
)
