"""Tags on folders, addressed by ARN: TagResource, UntagResource, ListTagsForResource.

They are stored against the folder's row, so they go with it (cascade), and a folder
created again under the same id starts without them. The rules are the directory's:
at most 50 per resource, keys of 1 to 128 characters, values of at most 256.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, func, insert, select

from sightgate.analytics.assets import repository
from sightgate.analytics.assets.model import Folder
from sightgate.analytics.assets.tables import folder_tags
from sightgate.analytics.directory import events
from sightgate.analytics.directory.errors import LimitExceededError
from sightgate.analytics.directory.model import MAX_TAGS, Tag, validate_tag_key, validate_tags
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.uow import UnitOfWork

FOLDER = "Folder"


def apply_tags(uow: UnitOfWork, folder: Folder, tags: Sequence[Tag]) -> None:
    """Set validated tags on a folder in ``uow``'s transaction (a key it has gets the new
    value); counted after the write, so passing the limit rolls everything back."""
    if not tags:
        return
    tg = folder_tags.c
    keys = [tag.key for tag in tags]
    uow.conn.execute(delete(folder_tags).where(tg.folder_id == folder.row_id, tg.key.in_(keys)))
    uow.conn.execute(
        insert(folder_tags),
        [{"folder_id": folder.row_id, "key": tag.key, "value": tag.value} for tag in tags],
    )
    count = select(func.count()).select_from(folder_tags).where(tg.folder_id == folder.row_id)
    if int(uow.conn.execute(count).scalar_one()) > MAX_TAGS:
        raise LimitExceededError("tag", MAX_TAGS, "resource")
    uow.emit(
        events.tags_event(
            events.RESOURCE_TAGGED, folder.account_id, FOLDER, folder.row_id, folder.arn, tags
        )
    )


class FolderTagService:
    """The tag operations on folder ARNs (the directory's ``TagService`` has the others)."""

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
            apply_tags(uow, _folder(uow.conn, account_id, resource_arn, lock=True), valid)

    def untag_resource(
        self, account_id: str, resource_arn: str, tag_keys: Sequence[str], *, actor: Actor
    ) -> None:
        """Remove tags by key; absent keys are ignored."""
        if not tag_keys:
            raise ValidationError("TagKeys", "at least one key is required")
        keys = [validate_tag_key(key) for key in tag_keys]
        tg = folder_tags.c
        with UnitOfWork(self.db, actor) as uow:
            folder = _folder(uow.conn, account_id, resource_arn, lock=True)
            removed = uow.conn.execute(
                delete(folder_tags)
                .where(tg.folder_id == folder.row_id, tg.key.in_(keys))
                .returning(tg.key)
            )
            gone = sorted(removed.scalars())
            if gone:
                uow.emit(
                    events.tags_event(
                        events.RESOURCE_UNTAGGED,
                        account_id,
                        FOLDER,
                        folder.row_id,
                        folder.arn,
                        keys=gone,
                    )
                )

    def list_tags_for_resource(self, account_id: str, resource_arn: str) -> list[Tag]:
        """A folder's tags in key order."""
        tg = folder_tags.c
        with self.db.read() as conn:
            folder = _folder(conn, account_id, resource_arn)
            rows = conn.execute(
                select(tg.key, tg.value).where(tg.folder_id == folder.row_id).order_by(tg.key)
            )
            return [Tag(key, value) for key, value in rows]


def _folder(conn: Connection, account_id: str, arn: str, *, lock: bool = False) -> Folder:
    """The folder an ARN names in ``account_id`` (another account's names nothing)."""
    folder = repository.folder_by_arn(conn, account_id, arn, lock=lock)
    if folder is None:
        raise NotFoundError("Resource", arn[:300])
    return folder
