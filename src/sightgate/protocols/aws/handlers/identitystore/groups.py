"""IdentityStore groups."""

from __future__ import annotations

from typing import Any

from sightgate.identity.directory import IdentityStoreService
from sightgate.identity.model import Group, GroupFields
from sightgate.identity.presenters import group_to_dict
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

_UPDATABLE = {"displayname": "display_name", "description": "description"}


def group_ids(store_id: str, group_id: str) -> Output:
    """A group's id members."""
    return resource_ids(store_id, "Group", group_id)


def create_group(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """CreateGroup."""
    store = params["IdentityStoreId"]
    group = identity.create_group(
        store,
        GroupFields(
            display_name=params.get("DisplayName") or "", description=params.get("Description")
        ),
        ctx.actor,
    )
    return {**group_ids(store, group.group_id), "Revision": str(group.version)}


def describe_group(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """DescribeGroup."""
    store = params["IdentityStoreId"]
    group = identity.get_group(store, params["GroupId"])
    return {**group_to_dict(group), **group_ids(store, group.group_id)}


def update_group(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """UpdateGroup: ``displayName`` and ``description``."""
    store = params["IdentityStoreId"]
    changes: dict[str, Any] = {}
    for op in params["Operations"]:
        field = _UPDATABLE.get(str(op["AttributePath"]).lower())
        if field is None:
            raise ValidationError("AttributePath", f"{op['AttributePath']!r} cannot be updated")
        changes[field] = op.get("AttributeValue")

    def updated(current: Group) -> GroupFields:
        return GroupFields(
            display_name=changes.get("display_name", current.display_name),
            description=changes.get("description", current.description),
            external_ids=current.external_ids,
        )

    group = identity.update_group(
        store, params["GroupId"], updated, ctx.actor, expected_version=revision(params)
    )
    return {**group_ids(store, group.group_id), "Revision": str(group.version)}


def delete_group(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """DeleteGroup."""
    identity.delete_group(params["IdentityStoreId"], params["GroupId"], ctx.actor)
    return {}


def list_groups(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """ListGroups, optionally filtered by ``DisplayName``."""
    limit, after = page_request(ctx)
    page = identity.list_groups(
        params["IdentityStoreId"],
        display_name=single_filter(params, "DisplayName"),
        limit=limit,
        after=after,
    )
    return {"Groups": [group_to_dict(g) for g in page.items], **next_token(ctx, page)}


def get_group_id(identity: IdentityStoreService, ctx: RequestContext, params: Params) -> Output:
    """GetGroupId by external id or ``displayName``."""
    store = params["IdentityStoreId"]
    identifier = params["AlternateIdentifier"]
    if "ExternalId" in identifier:
        found = identity.list_groups(store, external_id=external_id(identifier), limit=2).items
    else:
        path, value = unique_attribute(identifier)
        if path != "displayname":
            raise ValidationError("AlternateIdentifier", "use displayName or ExternalId")
        found = identity.list_groups(store, display_name=str(value), limit=2).items
    if len(found) != 1:
        raise NotFoundError("Group", "matching AlternateIdentifier")
    return group_ids(store, found[0].group_id)


HANDLERS = Handlers(
    "identitystore",
    lambda services: services.identity,
    (
        Operation("CreateGroup", create_group, in_store),
        Operation("DescribeGroup", describe_group, in_store),
        Operation("UpdateGroup", update_group, in_store),
        Operation("DeleteGroup", delete_group, in_store),
        Operation("ListGroups", list_groups, in_store),
        Operation("GetGroupId", get_group_id, in_store),
    ),
)
