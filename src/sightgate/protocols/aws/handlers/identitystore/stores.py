"""IdentityStore's identity stores: those of the instances serving the caller's account."""

from __future__ import annotations

from sightgate.identity.instances import InstanceService
from sightgate.identity.model import Instance
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import page_of
from sightgate.protocols.aws.handlers.registry import Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_store, own_account


def store_json(ctx: RequestContext, store_id: str) -> Output:
    """An identity store's id and ARN."""
    return {
        "IdentityStoreId": store_id,
        "IdentityStoreArn": f"arn:aws:identitystore::{ctx.account_id}:identitystore/{store_id}",
    }


def describe_identity_store(
    instances: InstanceService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeIdentityStore (its access rule has checked it serves the caller)."""
    return store_json(ctx, params["IdentityStoreId"])


def list_identity_stores(instances: InstanceService, ctx: RequestContext, params: Params) -> Output:
    """ListIdentityStores: the stores serving the caller's account."""
    serving: list[Instance] = instances.list(ctx.account_id)
    page, token = page_of(ctx, serving, key=lambda i: i.identity_store_id)
    return {"IdentityStores": [store_json(ctx, i.identity_store_id) for i in page], **token}


HANDLERS = Handlers(
    "identitystore",
    lambda services: services.instances,
    (
        Operation("DescribeIdentityStore", describe_identity_store, in_store),
        Operation("ListIdentityStores", list_identity_stores, own_account),
    ),
)
