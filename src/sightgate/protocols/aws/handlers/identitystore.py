"""IdentityStore (and the SSO Admin instance operations) over the identity store's services.

The identity store must serve the caller's account: another account's store is "not
found", exactly as if it did not exist. Attribute updates (``UpdateUser``) use the same
document model as SCIM (``protocols.scim.resources``/``patch``): IdentityStore attribute
paths are SCIM attribute paths, so one set of rules edits a user however it is reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sightgate.bootstrap import Services
from sightgate.identity.directory import Search
from sightgate.identity.model import (
    Email,
    ExternalId,
    GroupFields,
    Instance,
    InstanceType,
    Name,
    User,
    UserFields,
)
from sightgate.identity.presenters import (
    group_to_dict,
    instance_to_dict,
    membership_to_dict,
    user_to_dict,
)
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_of, page_request
from sightgate.protocols.scim.errors import ScimError
from sightgate.protocols.scim.patch import Operation, apply_operations
from sightgate.protocols.scim.resources import user_fields_from_scim, user_to_scim
from sightgate.protocols.scim.schema import ENTERPRISE, USER

StoreOperation = Callable[[Services, RequestContext, dict[str, Any]], dict[str, Any]]


def store_of(services: Services, ctx: RequestContext, store_id: str) -> Instance:
    """The instance owning ``store_id``, if it serves the caller's account."""
    instance = services.instances.get_by_identity_store(store_id)
    if ctx.account_id not in instance.account_ids:
        raise NotFoundError("IdentityStore", store_id)
    return instance


def identity_store_arn(ctx: RequestContext, store_id: str) -> str:
    """The ARN of an identity store."""
    return f"arn:aws:identitystore::{ctx.account_id}:identitystore/{store_id}"


def _user_ids(store_id: str, user_id: str) -> dict[str, str]:
    """A user's id members, with the ARN IdentityStore's model requires."""
    return {
        "IdentityStoreId": store_id,
        "UserId": user_id,
        "UserArn": f"arn:aws:identitystore:::user/{user_id}",
    }


def _group_ids(store_id: str, group_id: str) -> dict[str, str]:
    """A group's id members, with its ARN."""
    return {
        "IdentityStoreId": store_id,
        "GroupId": group_id,
        "GroupArn": f"arn:aws:identitystore:::group/{group_id}",
    }


def _membership_ids(store_id: str, membership_id: str) -> dict[str, str]:
    """A membership's id members, with its ARN."""
    return {
        "IdentityStoreId": store_id,
        "MembershipId": membership_id,
        "MembershipArn": f"arn:aws:identitystore:::membership/{membership_id}",
    }


def _camel(value: dict[str, Any]) -> dict[str, Any]:
    """An IdentityStore-cased value (``StreetAddress``) in SCIM's case."""
    return {k[:1].lower() + k[1:]: v for k, v in value.items() if v is not None}


def user_fields(params: dict[str, Any]) -> UserFields:
    """CreateUser's input as domain fields."""
    name = params.get("Name") or {}
    extra = {
        scim: [_camel(v) for v in params[aws]]
        for aws, scim in (("Addresses", "addresses"), ("PhoneNumbers", "phoneNumbers"))
        if params.get(aws)
    }
    return UserFields(
        user_name=params.get("UserName") or "",
        display_name=params.get("DisplayName"),
        name=Name(
            formatted=name.get("Formatted"),
            family_name=name.get("FamilyName"),
            given_name=name.get("GivenName"),
            middle_name=name.get("MiddleName"),
            honorific_prefix=name.get("HonorificPrefix"),
            honorific_suffix=name.get("HonorificSuffix"),
        ),
        nick_name=params.get("NickName"),
        profile_url=params.get("ProfileUrl"),
        title=params.get("Title"),
        user_type=params.get("UserType"),
        preferred_language=params.get("PreferredLanguage"),
        locale=params.get("Locale"),
        timezone=params.get("Timezone"),
        emails=tuple(
            Email(value=e.get("Value") or "", type=e.get("Type"), primary=bool(e.get("Primary")))
            for e in params.get("Emails") or []
        ),
        extra=extra,
    )


# -- users -------------------------------------------------------------------------------


def create_user(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """CreateUser."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    user = services.identity.create_user(store, user_fields(params), ctx.actor)
    return {**_user_ids(store, user.user_id), "Revision": str(user.version)}


def describe_user(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeUser."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    user = services.identity.get_user(store, params["UserId"])
    return {**user_to_dict(user), **_user_ids(store, user.user_id)}


def update_user(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateUser: each operation replaces (or, with no value, removes) one attribute path."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    operations = [
        Operation(
            "replace" if op.get("AttributeValue") is not None else "remove",
            op["AttributePath"],
            op.get("AttributeValue"),
        )
        for op in params["Operations"]
    ]
    expected = int(params["Revision"]) if str(params.get("Revision") or "").isdigit() else None

    def updated(current: User) -> UserFields:
        document = {k: v for k, v in user_to_scim(current, "").items() if k != "meta"}
        try:
            return user_fields_from_scim(
                apply_operations(document, operations, USER, ENTERPRISE), current
            )
        except ScimError as error:  # the document model's errors are validation errors here
            raise ValidationError("Operations", error.detail) from error

    user = services.identity.update_user(
        store, params["UserId"], updated, ctx.actor, expected_version=expected
    )
    return {**_user_ids(store, user.user_id), "Revision": str(user.version)}


def delete_user(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteUser."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    services.identity.delete_user(store, params["UserId"], ctx.actor)
    return {}


def list_users(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """ListUsers, optionally filtered by ``UserName`` (the only filter AWS still takes)."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    user_name = _single_filter(params, "UserName")
    limit, after = page_request(ctx, params)
    page = services.identity.list_users(store, user_name=user_name, limit=limit, after=after)
    return {"Users": [user_to_dict(u) for u in page.items], **next_token(ctx, page, params)}


def get_user_id(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """GetUserId by external id, ``userName`` or ``emails.value``."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    identifier = params["AlternateIdentifier"]
    if "ExternalId" in identifier:
        found = services.identity.list_users(
            store, external_id=_external_id(identifier), limit=2
        ).items
    else:
        path, value = _unique_attribute(identifier)
        if path == "username":
            found = services.identity.list_users(store, user_name=str(value), limit=2).items
        elif path == "emails.value":
            expression = f'emails.value eq "{_quoted(value)}"'
            found = services.identity.search_users(store, Search(filter=expression, count=2)).items
        else:
            raise ValidationError("AlternateIdentifier", "use userName, emails.value or ExternalId")
    if len(found) != 1:
        raise NotFoundError("User", "matching AlternateIdentifier")
    return _user_ids(store, found[0].user_id)


# -- groups ------------------------------------------------------------------------------


def create_group(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """CreateGroup."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    group = services.identity.create_group(
        store,
        GroupFields(
            display_name=params.get("DisplayName") or "", description=params.get("Description")
        ),
        ctx.actor,
    )
    return {**_group_ids(store, group.group_id), "Revision": str(group.version)}


def describe_group(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeGroup."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    group = services.identity.get_group(store, params["GroupId"])
    return {**group_to_dict(group), **_group_ids(store, group.group_id)}


def update_group(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateGroup: ``displayName`` and ``description``."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    changes: dict[str, Any] = {}
    for op in params["Operations"]:
        path = str(op["AttributePath"]).lower()
        if path not in ("displayname", "description"):
            raise ValidationError("AttributePath", f"{op['AttributePath']!r} cannot be updated")
        changes["display_name" if path == "displayname" else "description"] = op.get(
            "AttributeValue"
        )
    expected = int(params["Revision"]) if str(params.get("Revision") or "").isdigit() else None
    group = services.identity.update_group(
        store,
        params["GroupId"],
        lambda current: GroupFields(
            display_name=changes.get("display_name", current.display_name),
            description=changes.get("description", current.description),
            external_ids=current.external_ids,
        ),
        ctx.actor,
        expected_version=expected,
    )
    return {**_group_ids(store, group.group_id), "Revision": str(group.version)}


def delete_group(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteGroup."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    services.identity.delete_group(store, params["GroupId"], ctx.actor)
    return {}


def list_groups(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """ListGroups, optionally filtered by ``DisplayName``."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    display_name = _single_filter(params, "DisplayName")
    limit, after = page_request(ctx, params)
    page = services.identity.list_groups(store, display_name=display_name, limit=limit, after=after)
    return {"Groups": [group_to_dict(g) for g in page.items], **next_token(ctx, page, params)}


def get_group_id(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """GetGroupId by external id or ``displayName``."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    identifier = params["AlternateIdentifier"]
    if "ExternalId" in identifier:
        found = services.identity.list_groups(
            store, external_id=_external_id(identifier), limit=2
        ).items
    else:
        path, value = _unique_attribute(identifier)
        if path != "displayname":
            raise ValidationError("AlternateIdentifier", "use displayName or ExternalId")
        found = services.identity.list_groups(store, display_name=str(value), limit=2).items
    if len(found) != 1:
        raise NotFoundError("Group", "matching AlternateIdentifier")
    return _group_ids(store, found[0].group_id)


# -- memberships -------------------------------------------------------------------------


def create_group_membership(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """CreateGroupMembership; a second one for the same member is a conflict."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    user_id = params["MemberId"]["UserId"]
    created = services.identity.add_members(store, params["GroupId"], [user_id], ctx.actor)
    if not created:
        raise ConflictError("GroupMembership", "MemberId", user_id)
    return _membership_ids(store, created[0].membership_id)


def delete_group_membership(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DeleteGroupMembership."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    membership = services.identity.get_membership(store, params["MembershipId"])
    services.identity.remove_members(store, membership.group_id, [membership.user_id], ctx.actor)
    return {}


def describe_group_membership(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeGroupMembership."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    membership = services.identity.get_membership(store, params["MembershipId"])
    return {**membership_to_dict(membership), **_membership_ids(store, membership.membership_id)}


def get_group_membership_id(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """GetGroupMembershipId."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    user_id = params["MemberId"]["UserId"]
    for membership in services.identity.list_groups_of_user(store, user_id):
        if membership.group_id == params["GroupId"]:
            return _membership_ids(store, membership.membership_id)
    raise NotFoundError("GroupMembership", f"{user_id} in {params['GroupId']}")


def list_group_memberships(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListGroupMemberships."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    limit, after = page_request(ctx, params)
    page = services.identity.list_members(store, params["GroupId"], limit=limit, after=after)
    return {
        "GroupMemberships": [membership_to_dict(m) for m in page.items],
        **next_token(ctx, page, params),
    }


def list_group_memberships_for_member(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListGroupMembershipsForMember (a user's groups are few: paged in memory)."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    memberships = services.identity.list_groups_of_user(store, params["MemberId"]["UserId"])
    page, token = page_of(ctx, params, memberships, key=lambda m: m.group_id)
    return {"GroupMemberships": [membership_to_dict(m) for m in page], **token}


def is_member_in_groups(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """IsMemberInGroups."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    user_id = params["MemberId"]["UserId"]
    groups = {m.group_id for m in services.identity.list_groups_of_user(store, user_id)}
    return {
        "Results": [
            {"GroupId": g, "MemberId": {"UserId": user_id}, "MembershipExists": g in groups}
            for g in params["GroupIds"]
        ]
    }


# -- identity stores ---------------------------------------------------------------------


def describe_identity_store(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeIdentityStore."""
    store = store_of(services, ctx, params["IdentityStoreId"]).identity_store_id
    return {"IdentityStoreId": store, "IdentityStoreArn": identity_store_arn(ctx, store)}


def list_identity_stores(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListIdentityStores: the stores serving the caller's account."""
    instances = services.instances.list(ctx.account_id)
    page, token = page_of(ctx, params, instances, key=lambda i: i.identity_store_id)
    return {
        "IdentityStores": [
            {
                "IdentityStoreId": i.identity_store_id,
                "IdentityStoreArn": identity_store_arn(ctx, i.identity_store_id),
            }
            for i in page
        ],
        **token,
    }


# -- SSO Admin: instances ----------------------------------------------------------------


def _own_instance(services: Services, ctx: RequestContext, arn: str) -> Instance:
    instance = services.instances.get(arn)
    if ctx.account_id not in instance.account_ids:
        raise NotFoundError("Instance", arn)
    return instance


def create_instance(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """CreateInstance: an account instance of the caller's account."""
    instance = services.instances.create(
        type_=InstanceType.ACCOUNT,
        owner_account_id=ctx.account_id,
        actor=ctx.actor,
        name=params.get("Name"),
    )
    return {"InstanceArn": instance.instance_arn}


def describe_instance(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeInstance."""
    return instance_to_dict(_own_instance(services, ctx, params["InstanceArn"]))


def list_instances(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListInstances: those serving the caller's account."""
    instances = services.instances.list(ctx.account_id)
    page, token = page_of(ctx, params, instances, key=lambda i: i.instance_arn)
    return {"Instances": [instance_to_dict(i) for i in page], **token}


def update_instance(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """UpdateInstance (its name)."""
    instance = _own_instance(services, ctx, params["InstanceArn"])
    if params.get("Name"):
        services.instances.rename(instance.instance_id, params["Name"], ctx.actor)
    return {}


def delete_instance(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DeleteInstance, with its identity store."""
    instance = _own_instance(services, ctx, params["InstanceArn"])
    services.instances.delete(instance.instance_id, ctx.actor)
    return {}


# -- helpers -----------------------------------------------------------------------------


def _single_filter(params: dict[str, Any], attribute: str) -> str | None:
    filters = params.get("Filters") or []
    if not filters:
        return None
    if len(filters) > 1 or str(filters[0]["AttributePath"]).lower() != attribute.lower():
        raise ValidationError("Filters", f"only one filter, on {attribute}, is supported")
    return str(filters[0]["AttributeValue"])


def _external_id(identifier: dict[str, Any]) -> ExternalId:
    """The ``ExternalId`` of an ``AlternateIdentifier``."""
    external = identifier["ExternalId"]
    return ExternalId(external["Issuer"], external["Id"])


def _unique_attribute(identifier: dict[str, Any]) -> tuple[str, Any]:
    unique = identifier.get("UniqueAttribute")
    if not unique:
        raise ValidationError("AlternateIdentifier", "needs ExternalId or UniqueAttribute")
    return str(unique["AttributePath"]).lower(), unique["AttributeValue"]


def _quoted(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


IDENTITYSTORE: dict[str, StoreOperation] = {
    "CreateUser": create_user,
    "DescribeUser": describe_user,
    "UpdateUser": update_user,
    "DeleteUser": delete_user,
    "ListUsers": list_users,
    "GetUserId": get_user_id,
    "CreateGroup": create_group,
    "DescribeGroup": describe_group,
    "UpdateGroup": update_group,
    "DeleteGroup": delete_group,
    "ListGroups": list_groups,
    "GetGroupId": get_group_id,
    "CreateGroupMembership": create_group_membership,
    "DeleteGroupMembership": delete_group_membership,
    "DescribeGroupMembership": describe_group_membership,
    "GetGroupMembershipId": get_group_membership_id,
    "ListGroupMemberships": list_group_memberships,
    "ListGroupMembershipsForMember": list_group_memberships_for_member,
    "IsMemberInGroups": is_member_in_groups,
    "DescribeIdentityStore": describe_identity_store,
    "ListIdentityStores": list_identity_stores,
}
SSO_ADMIN: dict[str, StoreOperation] = {
    "CreateInstance": create_instance,
    "DescribeInstance": describe_instance,
    "ListInstances": list_instances,
    "UpdateInstance": update_instance,
    "DeleteInstance": delete_instance,
}
