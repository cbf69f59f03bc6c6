"""IdentityStore group memberships."""

from __future__ import annotations

from sightgate.identity.directory import IdentityStoreService
from sightgate.identity.presenters import membership_to_dict
from sightgate.platform.errors import ConflictError, NotFoundError
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.identitystore.identifiers import resource_ids
from sightgate.protocols.aws.handlers.paging import next_token, page_of, page_request
from sightgate.protocols.aws.handlers.registry import Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_store


def membership_ids(store_id: str, membership_id: str) -> Output:
    """A membership's id members."""
    return resource_ids(store_id, "Membership", membership_id)


def create_group_membership(
    identity: IdentityStoreService, ctx: RequestContext, params: Params
) -> Output:
    """CreateGroupMembership; a second one for the same member is a conflict."""
    store = params["IdentityStoreId"]
    user_id = params["MemberId"]["UserId"]
    created = identity.add_members(store, params["GroupId"], [user_id], ctx.actor)
    if not created:
        raise ConflictError("GroupMembership", "MemberId", user_id)
    return membership_ids(store, created[0].membership_id)


def delete_group_membership(
    identity: IdentityStoreService, ctx: RequestContext, params: Params
) -> Output:
    """DeleteGroupMembership."""
    store = params["IdentityStoreId"]
    membership = identity.get_membership(store, params["MembershipId"])
    identity.remove_members(store, membership.group_id, [membership.user_id], ctx.actor)
    return {}


def describe_group_membership(
    identity: IdentityStoreService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeGroupMembership."""
    store = params["IdentityStoreId"]
    membership = identity.get_membership(store, params["MembershipId"])
    return {**membership_to_dict(membership), **membership_ids(store, membership.membership_id)}


def get_group_membership_id(
    identity: IdentityStoreService, ctx: RequestContext, params: Params
) -> Output:
    """GetGroupMembershipId."""
    store = params["IdentityStoreId"]
    user_id = params["MemberId"]["UserId"]
    for membership in identity.list_groups_of_user(store, user_id):
        if membership.group_id == params["GroupId"]:
            return membership_ids(store, membership.membership_id)
    raise NotFoundError("GroupMembership", f"{user_id} in {params['GroupId']}")


def list_group_memberships(
    identity: IdentityStoreService, ctx: RequestContext, params: Params
) -> Output:
    """ListGroupMemberships."""
    limit, after = page_request(ctx)
    page = identity.list_members(
        params["IdentityStoreId"], params["GroupId"], limit=limit, after=after
    )
    return {
        "GroupMemberships": [membership_to_dict(m) for m in page.items],
        **next_token(ctx, page),
    }


def list_group_memberships_for_member(
    identity: IdentityStoreService, ctx: RequestContext, params: Params
) -> Output:
    """ListGroupMembershipsForMember (a user's groups are few: paged in memory)."""
    memberships = identity.list_groups_of_user(
        params["IdentityStoreId"], params["MemberId"]["UserId"]
    )
    page, token = page_of(ctx, memberships, key=lambda m: m.group_id)
    return {"GroupMemberships": [membership_to_dict(m) for m in page], **token}


def is_member_in_groups(
    identity: IdentityStoreService, ctx: RequestContext, params: Params
) -> Output:
    """IsMemberInGroups."""
    user_id = params["MemberId"]["UserId"]
    groups = {m.group_id for m in identity.list_groups_of_user(params["IdentityStoreId"], user_id)}
    return {
        "Results": [
            {"GroupId": g, "MemberId": {"UserId": user_id}, "MembershipExists": g in groups}
            for g in params["GroupIds"]
        ]
    }


HANDLERS = Handlers(
    "identitystore",
    lambda services: services.identity,
    (
        Operation("CreateGroupMembership", create_group_membership, in_store),
        Operation("DeleteGroupMembership", delete_group_membership, in_store),
        Operation("DescribeGroupMembership", describe_group_membership, in_store),
        Operation("GetGroupMembershipId", get_group_membership_id, in_store),
        Operation("ListGroupMemberships", list_group_memberships, in_store),
        Operation("ListGroupMembershipsForMember", list_group_memberships_for_member, in_store),
        Operation("IsMemberInGroups", is_member_in_groups, in_store),
    ),
)
