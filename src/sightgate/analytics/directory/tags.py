"""Use cases of tags on namespaces, users and groups, addressed by ARN.

Tags are stored against the resource's internal id, not its ARN: a user deleted and
registered again under the same name is a new resource without the old tags. They go
with their resource (explicitly for users and groups, by cascade for namespaces).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from sightgate.analytics.directory import events, repository
from sightgate.analytics.directory.arns import ResourceType, parse_arn
from sightgate.analytics.directory.errors import LimitExceededError
from sightgate.analytics.directory.model import (
    MAX_TAGS,
    Namespace,
    Tag,
    validate_tag_key,
    validate_tags,
)
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.uow import UnitOfWork


@dataclass(frozen=True)
class _Resource:
    """A taggable resource an ARN resolved to."""

    namespace: Namespace
    type: str
    id: str
    arn: str


def apply_tags(
    uow: UnitOfWork,
    namespace: Namespace,
    resource_type: str,
    resource_id: str,
    arn: str,
    tags: Sequence[Tag],
) -> None:
    """Set validated tags on a resource of ``namespace`` in ``uow``'s transaction.

    At most 50 tags per resource: counted after the write, so the transaction (and its
    events) rolls back when the limit is passed.
    """
    if not tags:
        return
    repository.set_tags(uow.conn, namespace.namespace_id, resource_id, tags)
    if repository.count_tags(uow.conn, resource_id) > MAX_TAGS:
        raise LimitExceededError("tag", MAX_TAGS, "resource")
    uow.emit(
        events.tags_event(
            events.RESOURCE_TAGGED, namespace.account_id, resource_type, resource_id, arn, tags
        )
    )


class TagService:
    """TagResource, UntagResource, ListTagsForResource."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def tag_resource(
        self, account_id: str, resource_arn: str, tags: Sequence[Tag], *, actor: Actor
    ) -> None:
        """Add tags (a key present already gets the new value)."""
        if not tags:
            raise ValidationError("Tags", "at least one tag is required")
        valid = validate_tags(list(tags))
        with UnitOfWork(self.db, actor) as uow:
            resource = _resolve(uow.conn, account_id, resource_arn, lock=True)
            apply_tags(uow, resource.namespace, resource.type, resource.id, resource.arn, valid)

    def untag_resource(
        self, account_id: str, resource_arn: str, tag_keys: Sequence[str], *, actor: Actor
    ) -> None:
        """Remove tags by key; absent keys are ignored."""
        if not tag_keys:
            raise ValidationError("TagKeys", "at least one key is required")
        keys = [validate_tag_key(key) for key in tag_keys]
        with UnitOfWork(self.db, actor) as uow:
            resource = _resolve(uow.conn, account_id, resource_arn, lock=True)
            removed = repository.remove_tags(uow.conn, resource.id, keys)
            if removed:
                uow.emit(
                    events.tags_event(
                        events.RESOURCE_UNTAGGED,
                        resource.namespace.account_id,
                        resource.type,
                        resource.id,
                        resource.arn,
                        keys=removed,
                    )
                )

    def list_tags_for_resource(self, account_id: str, resource_arn: str) -> list[Tag]:
        """A resource's tags in key order."""
        with self.db.read() as conn:
            resource = _resolve(conn, account_id, resource_arn)
            return repository.select_tags(conn, resource.id)


def _resolve(conn: Connection, account_id: str, arn: str, *, lock: bool = False) -> _Resource:
    """The resource an ARN names, seen from ``account_id``.

    An ARN of another account, or of another region than the account's, names nothing
    this caller can see: ``NotFoundError``, never another account's resource.
    """
    parsed = parse_arn(arn)
    account = repository.require_account(conn, account_id)
    if parsed.account_id != account.account_id or parsed.region != account.region:
        raise NotFoundError("Resource", arn)
    namespace = repository.require_namespace(conn, account_id, parsed.namespace, lock=lock)
    if parsed.type is ResourceType.NAMESPACE:
        return _Resource(namespace, "Namespace", namespace.namespace_id, namespace.arn)
    assert parsed.name is not None  # user and group ARNs always have a name
    if parsed.type is ResourceType.USER:
        user = repository.require_user(conn, namespace, parsed.name, lock=lock)
        return _Resource(namespace, "User", user.user_id, user.arn)
    group = repository.require_group(conn, namespace, parsed.name, lock=lock)
    return _Resource(namespace, "Group", group.group_id, group.arn)
