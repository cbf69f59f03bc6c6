"""QuickSight tags on namespaces, users and groups, addressed by ARN."""

from __future__ import annotations

from sightgate.analytics.directory.model import Tag
from sightgate.analytics.directory.tags import TagService
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import by_resource_arn


def tags_of(params: Params) -> tuple[Tag, ...]:
    """The ``Tags`` input as domain tags."""
    return tuple(Tag(t["Key"], t["Value"]) for t in params.get("Tags") or [])


def tag_json(tag: Tag) -> Output:
    """A QuickSight ``Tag``."""
    return {"Key": tag.key, "Value": tag.value}


def tag_resource(tags: TagService, ctx: RequestContext, params: Params) -> Output:
    """TagResource."""
    tags.tag_resource(ctx.account_id, params["ResourceArn"], tags_of(params), actor=ctx.actor)
    return OK


def untag_resource(tags: TagService, ctx: RequestContext, params: Params) -> Output:
    """UntagResource."""
    tags.untag_resource(ctx.account_id, params["ResourceArn"], params["TagKeys"], actor=ctx.actor)
    return OK


def list_tags_for_resource(tags: TagService, ctx: RequestContext, params: Params) -> Output:
    """ListTagsForResource."""
    found = tags.list_tags_for_resource(ctx.account_id, params["ResourceArn"])
    return {"Tags": [tag_json(t) for t in found], **OK}


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.directory.tags,
    (
        Operation("TagResource", tag_resource, by_resource_arn),
        Operation("UntagResource", untag_resource, by_resource_arn),
        Operation("ListTagsForResource", list_tags_for_resource, by_resource_arn),
    ),
)
