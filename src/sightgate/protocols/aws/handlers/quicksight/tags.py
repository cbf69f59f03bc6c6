"""QuickSight tags on namespaces, users, groups, folders, templates and themes,
addressed by ARN."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sightgate.analytics.directory.model import Tag
from sightgate.analytics.directory.tags import TagService
from sightgate.platform.events import Actor
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import by_resource_arn


def tags_of(params: Params) -> tuple[Tag, ...]:
    """The ``Tags`` input as domain tags."""
    return tuple(Tag(t["Key"], t["Value"]) for t in params.get("Tags") or [])


def tag_json(tag: Tag) -> Output:
    """A QuickSight ``Tag``."""
    return {"Key": tag.key, "Value": tag.value}


_ASSET_ARN = re.compile(r"arn:[^:]+:quicksight:[^:]*:[0-9]{12}:(?P<type>[a-z]+)/.+", re.DOTALL)


class TagStore(Protocol):
    """The tag operations on the resources one service keeps."""

    def tag_resource(
        self, account_id: str, resource_arn: str, tags: Sequence[Tag], *, actor: Actor
    ) -> None: ...

    def untag_resource(
        self, account_id: str, resource_arn: str, tag_keys: Sequence[str], *, actor: Actor
    ) -> None: ...

    def list_tags_for_resource(self, account_id: str, resource_arn: str) -> list[Tag]: ...


@dataclass(frozen=True)
class ResourceTags:
    """Each context keeps the tags of its own resources: the assets theirs (by the ARN's
    resource type: ``folder``, ``template``, ``theme``, ``dashboard``,
    ``analysis``), the directory its namespaces',
    users' and groups'."""

    directory: TagService
    assets: Mapping[str, TagStore]

    def of(self, arn: str) -> TagStore:
        """The service that keeps the tags of the resource ``arn`` names."""
        found = _ASSET_ARN.fullmatch(arn)
        store = self.assets.get(found["type"]) if found else None
        return store if store is not None else self.directory


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
    lambda services: ResourceTags(
        services.directory.tags,
        {
            "folder": services.folders.tags,
            "template": services.templates.assets,
            "theme": services.themes.assets,
            "dashboard": services.dashboards.tags,
            "analysis": services.analyses.tags,
        },
    ),
    (
        Operation("TagResource", tag_resource, by_resource_arn),
        Operation("UntagResource", untag_resource, by_resource_arn),
        Operation("ListTagsForResource", list_tags_for_resource, by_resource_arn),
    ),
)
