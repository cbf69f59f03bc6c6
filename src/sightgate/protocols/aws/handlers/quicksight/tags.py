"""QuickSight tags on namespaces, users, groups and folders, addressed by ARN."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sightgate.analytics.assets.tags import FolderTagService
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


_FOLDER_ARN = re.compile(r"arn:[^:]+:quicksight:[^:]*:[0-9]{12}:folder/.+", re.DOTALL)


@dataclass(frozen=True)
class ResourceTags:
    """Each context keeps the tags of its own resources: folders theirs, the directory
    its namespaces', users' and groups'."""

    directory: TagService
    folders: FolderTagService

    def of(self, arn: str) -> TagService | FolderTagService:
        """The service that keeps the tags of the resource ``arn`` names."""
        return self.folders if _FOLDER_ARN.fullmatch(arn) else self.directory


def tag_resource(tags: ResourceTags, ctx: RequestContext, params: Params) -> Output:
    """TagResource."""
    arn = params["ResourceArn"]
    tags.of(arn).tag_resource(ctx.account_id, arn, tags_of(params), actor=ctx.actor)
    return OK


def untag_resource(tags: ResourceTags, ctx: RequestContext, params: Params) -> Output:
    """UntagResource."""
    arn = params["ResourceArn"]
    tags.of(arn).untag_resource(ctx.account_id, arn, params["TagKeys"], actor=ctx.actor)
    return OK


def list_tags_for_resource(tags: ResourceTags, ctx: RequestContext, params: Params) -> Output:
    """ListTagsForResource."""
    arn = params["ResourceArn"]
    found = tags.of(arn).list_tags_for_resource(ctx.account_id, arn)
    return {"Tags": [tag_json(t) for t in found], **OK}


HANDLERS = Handlers(
    "quicksight",
    lambda services: ResourceTags(services.directory.tags, services.folders.tags),
    (
        Operation("TagResource", tag_resource, by_resource_arn),
        Operation("UntagResource", untag_resource, by_resource_arn),
        Operation("ListTagsForResource", list_tags_for_resource, by_resource_arn),
    ),
)
