"""SSO Admin instance operations: the caller's Identity Center instances."""

from __future__ import annotations

from sightgate.identity.instances import InstanceService
from sightgate.identity.model import InstanceType
from sightgate.identity.presenters import instance_to_dict
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import page_of
from sightgate.protocols.aws.handlers.registry import Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import on_instance, own_account


def create_instance(instances: InstanceService, ctx: RequestContext, params: Params) -> Output:
    """CreateInstance: an account instance of the caller's account."""
    instance = instances.create(
        type_=InstanceType.ACCOUNT,
        owner_account_id=ctx.account_id,
        actor=ctx.actor,
        name=params.get("Name"),
    )
    return {"InstanceArn": instance.instance_arn}


def describe_instance(instances: InstanceService, ctx: RequestContext, params: Params) -> Output:
    """DescribeInstance."""
    return instance_to_dict(instances.get(params["InstanceArn"]))


def list_instances(instances: InstanceService, ctx: RequestContext, params: Params) -> Output:
    """ListInstances: those serving the caller's account."""
    page, token = page_of(ctx, instances.list(ctx.account_id), key=lambda i: i.instance_arn)
    return {"Instances": [instance_to_dict(i) for i in page], **token}


def update_instance(instances: InstanceService, ctx: RequestContext, params: Params) -> Output:
    """UpdateInstance (its name)."""
    if params.get("Name"):
        instance = instances.get(params["InstanceArn"])
        instances.rename(instance.instance_id, params["Name"], ctx.actor)
    return {}


def delete_instance(instances: InstanceService, ctx: RequestContext, params: Params) -> Output:
    """DeleteInstance, with its identity store."""
    instance = instances.get(params["InstanceArn"])
    instances.delete(instance.instance_id, ctx.actor)
    return {}


HANDLERS = Handlers(
    "sso-admin",
    lambda services: services.instances,
    (
        Operation("CreateInstance", create_instance, own_account),
        Operation("DescribeInstance", describe_instance, on_instance),
        Operation("ListInstances", list_instances, own_account),
        Operation("UpdateInstance", update_instance, on_instance),
        Operation("DeleteInstance", delete_instance, on_instance),
    ),
)
