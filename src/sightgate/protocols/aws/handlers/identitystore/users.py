"""IdentityStore users, edited through the identity model's attribute operations
(``identity.user_updates``)."""

from __future__ import annotations

from sightgate.identity.directory import IdentityStoreService, Search
from sightgate.identity.model import User, UserFields
from sightgate.identity.presenters import user_to_dict
from sightgate.identity.user_updates import (
    AttributeOperation,
    apply_operations,
    fields_from_members,
)
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.identitystore.identifiers import (
    external_id,
    resource_ids,
    revision,
    single_filter,
    unique_attribute,
)
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.registry import Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_store


def user_ids(store_id: str, user_id: str) -> Output:
    """A user's id members."""
    return resource_ids(store_id, "User", user_id)


def create_user(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """CreateUser."""
    store = params["IdentityStoreId"]
    user = identity.create_user(store, fields_from_members(params), ctx.actor)
    return {**user_ids(store, user.user_id), "Revision": str(user.version)}


def describe_user(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """DescribeUser."""
    store = params["IdentityStoreId"]
    user = identity.get_user(store, params["UserId"])
    return {**user_to_dict(user), **user_ids(store, user.user_id)}


def update_user(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """UpdateUser: each operation replaces (or, with no value, removes) one attribute."""
    store = params["IdentityStoreId"]
    operations = [
        AttributeOperation(op["AttributePath"], op.get("AttributeValue"))
        for op in params["Operations"]
    ]

    def updated(current: User) -> UserFields:
        return apply_operations(current.fields(), operations)

    user = identity.update_user(
        store, params["UserId"], updated, ctx.actor, expected_version=revision(params)
    )
    return {**user_ids(store, user.user_id), "Revision": str(user.version)}


def delete_user(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """DeleteUser."""
    identity.delete_user(params["IdentityStoreId"], params["UserId"], ctx.actor)
    return {}


def list_users(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """ListUsers, optionally filtered by ``UserName`` (the only filter AWS still takes)."""
    limit, after = page_request(ctx)
    page = identity.list_users(
        params["IdentityStoreId"],
        user_name=single_filter(params, "UserName"),
        limit=limit,
        after=after,
    )
    return {"Users": [user_to_dict(u) for u in page.items], **next_token(ctx, page)}


def get_user_id(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """GetUserId by external id, ``userName`` or ``emails.value``."""
    store = params["IdentityStoreId"]
    identifier = params["AlternateIdentifier"]
    if "ExternalId" in identifier:
        found = identity.list_users(store, external_id=external_id(identifier), limit=2).items
    else:
        path, value = unique_attribute(identifier)
        if path == "username":
            found = identity.list_users(store, user_name=str(value), limit=2).items
        elif path == "emails.value":
            expression = f'emails.value eq "{_quoted(value)}"'
            found = identity.search_users(store, Search(filter=expression, count=2)).items
        else:
            raise ValidationError("AlternateIdentifier", "use userName, emails.value or ExternalId")
    if len(found) != 1:
        raise NotFoundError("User", "matching AlternateIdentifier")
    return user_ids(store, found[0].user_id)


def _quoted(value: object) -> str:
    """``value`` as the inside of a filter's string literal."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


HANDLERS = Handlers(
    "identitystore",
    lambda services: services.identity,
    (
        Operation("CreateUser", create_user, in_store),
        Operation("DescribeUser", describe_user, in_store),
        Operation("UpdateUser", update_user, in_store),
        Operation("DeleteUser", delete_user, in_store),
        Operation("ListUsers", list_users, in_store),
        Operation("GetUserId", get_user_id, in_store),
    ),
)
