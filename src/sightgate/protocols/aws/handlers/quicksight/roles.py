"""QuickSight role memberships: an identity-provider group gives a role."""

from __future__ import annotations

from sightgate.analytics.directory.roles import RoleMembershipService
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_named_account


def create_role_membership(
    roles: RoleMembershipService, ctx: RequestContext, params: Params
) -> Output:
    """CreateRoleMembership."""
    roles.create(
        params["AwsAccountId"],
        params["Namespace"],
        params["Role"],
        params["MemberName"],
        actor=ctx.actor,
    )
    return OK


def delete_role_membership(
    roles: RoleMembershipService, ctx: RequestContext, params: Params
) -> Output:
    """DeleteRoleMembership."""
    roles.delete(
        params["AwsAccountId"],
        params["Namespace"],
        params["Role"],
        params["MemberName"],
        actor=ctx.actor,
    )
    return OK


def list_role_memberships(
    roles: RoleMembershipService, ctx: RequestContext, params: Params
) -> Output:
    """ListRoleMemberships."""
    limit, after = page_request(ctx)
    page = roles.list(
        params["AwsAccountId"], params["Namespace"], params["Role"], limit=limit, after=after
    )
    return {"MembersList": list(page.items), **next_token(ctx, page), **OK}


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.directory.roles,
    (
        Operation("CreateRoleMembership", create_role_membership, in_named_account),
        Operation("DeleteRoleMembership", delete_role_membership, in_named_account),
        Operation("ListRoleMemberships", list_role_memberships, in_named_account),
    ),
)
