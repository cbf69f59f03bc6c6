"""QuickSight namespaces of an account."""

from __future__ import annotations

from sightgate.analytics.directory.model import Namespace
from sightgate.analytics.directory.namespaces import NamespaceService
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
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


def namespace_json(namespace: Namespace) -> Output:
    """A QuickSight ``NamespaceInfoV2``."""
    return {
        "Name": namespace.name,
        "Arn": namespace.arn,
        "CapacityRegion": namespace.capacity_region,
        "CreationStatus": namespace.creation_status.value,
        "IdentityStore": namespace.identity_store.value,
    }


def create_namespace(namespaces: NamespaceService, ctx: RequestContext, params: Params) -> Output:
    """CreateNamespace (created synchronously: its status is CREATED at once)."""
    namespace = namespaces.create(
        params["AwsAccountId"],
        params["Namespace"],
        actor=ctx.actor,
        identity_store=params["IdentityStore"],
        tags=tags_of(params),
    )
    return {**namespace_json(namespace), **CREATED}


def describe_namespace(namespaces: NamespaceService, ctx: RequestContext, params: Params) -> Output:
    """DescribeNamespace."""
    namespace = namespaces.describe(params["AwsAccountId"], params["Namespace"])
    return {"Namespace": namespace_json(namespace), **OK}


def list_namespaces(namespaces: NamespaceService, ctx: RequestContext, params: Params) -> Output:
    """ListNamespaces."""
    limit, after = page_request(ctx)
    page = namespaces.list(params["AwsAccountId"], limit=limit, after=after)
    return {"Namespaces": [namespace_json(n) for n in page.items], **next_token(ctx, page), **OK}


def delete_namespace(namespaces: NamespaceService, ctx: RequestContext, params: Params) -> Output:
    """DeleteNamespace (never ``default``)."""
    namespaces.delete(params["AwsAccountId"], params["Namespace"], actor=ctx.actor)
    return OK


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.directory.namespaces,
    (
        Operation("CreateNamespace", create_namespace, in_named_account),
        Operation("DescribeNamespace", describe_namespace, in_named_account),
        Operation("ListNamespaces", list_namespaces, in_named_account),
        Operation("DeleteNamespace", delete_namespace, in_named_account),
    ),
)
