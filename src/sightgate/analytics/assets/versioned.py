"""What templates and themes share: versions, aliases, permissions and tags.

QuickSight gives both the same make. Every Create/Update writes a new, numbered,
immutable version (``{arn}/version/{n}``); an alias names one version
(``{arn}/alias/{name}``) and ``$LATEST`` always the newest; a version can be deleted
(never the only one, never one an alias points at), or the whole asset with its
permissions and tags. ``VersionedAssets`` holds those operations once, for a ``Kind``;
the template and theme services add what is their own (definitions, configurations).
Every change is one transaction with its event, scoped to the account, so it moves the
account's access epoch like the other asset changes do.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.permissions import (
    PermissionService,
    Resource,
    ResourcePermission,
)
from sightgate.analytics.assets.template_tables import VersionedTables
from sightgate.analytics.directory import events as directory_events
from sightgate.analytics.directory import repository as directory
from sightgate.analytics.directory.errors import LimitExceededError
from sightgate.analytics.directory.model import MAX_TAGS, Tag, validate_tag_key, validate_tags
from sightgate.analytics.directory.repository import utc
from sightgate.platform.db import Database
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    StateConflictError,
    ValidationError,
)
from sightgate.platform.events import Actor, DomainEvent
from sightgate.platform.pagination import Page, clamp_limit
from sightgate.platform.uow import UnitOfWork

MAX_ID_LENGTH = 512
MAX_NAME_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 512
LATEST = "$LATEST"
PUBLISHED = "$PUBLISHED"
_ID = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Kind:
    """One kind of versioned asset: its resource type, its noun (``Template``), the
    column of its API id and its tables."""

    resource_type: ResourceType
    noun: str
    id_column: str
    tables: VersionedTables

    @property
    def id_field(self) -> str:
        """The API member of its id (``TemplateId``)."""
        return f"{self.noun}Id"


@dataclass(frozen=True)
class Asset:
    """A template or theme: ``latest_version`` is its newest version."""

    row_id: str
    account_id: str
    asset_id: str
    arn: str
    name: str
    latest_version: int
    issued_version: int
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class Version:
    """One immutable version; ``values`` are the kind's own columns (a template's
    ``definition``, a theme's ``configuration`` ...), as stored."""

    arn: str
    number: int
    status: str
    description: str | None
    created: datetime
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Alias:
    """A name for one version."""

    arn: str
    name: str
    version_number: int


@dataclass(frozen=True)
class Saved:
    """An asset as written, and the version the write made."""

    asset: Asset
    version: Version


def validate_id(value: object, field: str) -> str:
    """A ``ShortRestrictiveResourceId``: 1 to 512 ASCII letters, digits, ``_`` or ``-``."""
    if not isinstance(value, str) or not _ID.fullmatch(value) or len(value) > MAX_ID_LENGTH:
        raise ValidationError(
            field, f"must be 1 to {MAX_ID_LENGTH} ASCII letters, digits, underscores or hyphens"
        )
    return value


def validate_name(value: object, field: str = "Name") -> str:
    """A display name: 1 to 2048 characters, no control characters."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME_LENGTH:
        raise ValidationError(field, f"must be 1 to {MAX_NAME_LENGTH} characters")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise ValidationError(field, "must not contain control characters")
    return value


def validate_description(value: object) -> str | None:
    """An optional ``VersionDescription`` of 1 to 512 characters."""
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            "VersionDescription", f"must be 1 to {MAX_DESCRIPTION_LENGTH} characters"
        )
    return value


def validate_alias_name(value: object, field: str = "AliasName") -> str:
    """An alias one may create: ``[A-Za-z0-9_-]+`` (``$LATEST`` and ``$PUBLISHED`` are
    the service's own)."""
    if value in (LATEST, PUBLISHED):
        raise ValidationError(field, f"{value} is reserved: it cannot be created or changed")
    if not isinstance(value, str) or not _ID.fullmatch(value) or len(value) > MAX_NAME_LENGTH:
        raise ValidationError(
            field, f"must be 1 to {MAX_NAME_LENGTH} ASCII letters, digits, underscores or hyphens"
        )
    return value


def validate_version_number(value: object, field: str) -> int:
    """A ``VersionNumber``: an integer of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, "must be an integer of at least 1")
    return value


def version_arn(asset_arn: str, number: int) -> str:
    """``{arn}/version/{n}``."""
    return f"{asset_arn}/version/{number}"


def _event(kind: Kind, verb: str, asset: Asset, **extra: Any) -> DomainEvent:
    payload = {kind.id_field: asset.asset_id, "Arn": asset.arn, "Name": asset.name, **extra}
    return DomainEvent(
        f"analytics.{kind.noun}{verb}", kind.noun, asset.row_id, asset.account_id, payload
    )


class VersionedAssets:
    """The operations templates and themes share, on one ``Kind``'s tables."""

    def __init__(self, db: Database, permissions: PermissionService, kind: Kind) -> None:
        self.db = db
        self.permissions = permissions
        self.kind = kind
        self.t = kind.tables

    # -- rows ------------------------------------------------------------------------------

    def _to_asset(self, row: RowMapping) -> Asset:
        return Asset(
            row_id=row["id"],
            account_id=row["account_id"],
            asset_id=row[self.kind.id_column],
            arn=row["arn"],
            name=row["name"],
            latest_version=row["latest_version"],
            issued_version=row["issued_version"],
            created=utc(row["created"]),
            updated=utc(row["updated"]),
        )

    def _to_version(self, asset: Asset, row: RowMapping) -> Version:
        own = {"asset_row_id", "version_number", "status", "description", "created"}
        return Version(
            arn=version_arn(asset.arn, row["version_number"]),
            number=row["version_number"],
            status=row["status"],
            description=row["description"],
            created=utc(row["created"]),
            values={k: v for k, v in row.items() if k not in own},
        )

    def find(
        self, conn: Connection, account_id: str, asset_id: str, *, lock: bool = False
    ) -> Asset | None:
        """An asset by its id (row-locked with ``lock``)."""
        a = self.t.assets
        query = select(a).where(a.c.account_id == account_id, a.c[self.kind.id_column] == asset_id)
        row = conn.execute(query.with_for_update() if lock else query).mappings().first()
        return None if row is None else self._to_asset(row)

    def require(
        self, conn: Connection, account_id: str, asset_id: str, *, lock: bool = False
    ) -> Asset:
        """``find``, or ``NotFoundError`` (the account must exist)."""
        directory.require_account(conn, account_id)
        asset = self.find(conn, account_id, asset_id, lock=lock)
        if asset is None:
            raise NotFoundError(self.kind.noun, asset_id)
        return asset

    def by_arn(
        self, conn: Connection, account_id: str, arn: str, *, lock: bool = False
    ) -> Asset | None:
        """An asset of ``account_id`` by its ARN (None for another account's)."""
        a = self.t.assets
        query = select(a).where(a.c.account_id == account_id, a.c.arn == arn)
        row = conn.execute(query.with_for_update() if lock else query).mappings().first()
        return None if row is None else self._to_asset(row)

    def version(self, conn: Connection, asset: Asset, number: int) -> Version:
        """One version, or ``NotFoundError`` naming it."""
        v = self.t.versions
        row = (
            conn.execute(
                select(v).where(v.c.asset_row_id == asset.row_id, v.c.version_number == number)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"{self.kind.noun}Version", version_arn(asset.arn, number))
        return self._to_version(asset, row)

    def resolve(
        self,
        conn: Connection,
        asset: Asset,
        version_number: int | None = None,
        alias_name: str | None = None,
    ) -> Version:
        """The version ``version_number`` or ``alias_name`` names (the latest without
        either; ``$LATEST`` is the latest too). ``$PUBLISHED`` is the dashboards' own."""
        if version_number is not None and alias_name is not None:
            raise ValidationError("AliasName", "give VersionNumber or AliasName, not both")
        if version_number is not None:
            return self.version(
                conn, asset, validate_version_number(version_number, "VersionNumber")
            )
        if alias_name is None or alias_name == LATEST:
            return self.version(conn, asset, asset.latest_version)
        if alias_name == PUBLISHED:
            raise ValidationError(
                "AliasName", f"$PUBLISHED does not apply to {self.kind.noun.lower()}s"
            )
        return self.version(conn, asset, self.require_alias(conn, asset, alias_name).version_number)

    # -- writes ----------------------------------------------------------------------------

    def insert(
        self,
        uow: UnitOfWork,
        account_id: str,
        asset_id: str,
        name: str,
        *,
        description: str | None,
        values: Mapping[str, Any],
        permissions: Sequence[ResourcePermission] = (),
        tags: Sequence[Tag] = (),
    ) -> Saved:
        """A new asset with its version 1, permissions and tags, in ``uow``; the
        account's row is locked, so a concurrent create of the same id waits and then
        finds it (``ConflictError``)."""
        account = directory.require_account(uow.conn, account_id, lock=True)
        if self.find(uow.conn, account_id, asset_id) is not None:
            raise ConflictError(self.kind.noun, self.kind.id_field, asset_id)
        now = datetime.now(UTC)
        asset = Asset(
            row_id=str(uuid.uuid4()),
            account_id=account_id,
            asset_id=asset_id,
            arn=(
                f"arn:aws:quicksight:{account.region}:{account_id}:"
                f"{self.kind.resource_type.value}/{asset_id}"
            ),
            name=name,
            latest_version=1,
            issued_version=1,
            created=now,
            updated=now,
        )
        try:
            uow.conn.execute(
                insert(self.t.assets).values(
                    id=asset.row_id,
                    account_id=account_id,
                    **{self.kind.id_column: asset_id},
                    arn=asset.arn,
                    name=name,
                    latest_version=1,
                    issued_version=1,
                    created=now,
                    updated=now,
                )
            )
        except IntegrityError:  # the ARN is taken (an id differing only where ARNs do not)
            raise ConflictError(self.kind.noun, self.kind.id_field, asset_id) from None
        version = self._insert_version(uow.conn, asset, 1, description, values, now, "CREATION")
        self.apply_tags(uow, asset, validate_tags(list(tags)))
        if permissions:
            self.permissions.update(
                self._resource(asset), grant=permissions, actor=uow.actor, uow=uow
            )
        uow.emit(_event(self.kind, "Created", asset, VersionNumber=1))
        return Saved(asset, version)

    def add_version(
        self,
        uow: UnitOfWork,
        asset: Asset,
        *,
        name: str | None,
        description: str | None,
        values: Mapping[str, Any],
    ) -> Saved:
        """A new version of a (row-locked) asset, numbered after every one ever issued;
        ``name`` renames the asset when given."""
        now = datetime.now(UTC)
        number = asset.issued_version + 1
        updated = replace(
            asset,
            name=name if name is not None else asset.name,
            latest_version=number,
            issued_version=number,
            updated=now,
        )
        a = self.t.assets
        uow.conn.execute(
            update(a)
            .where(a.c.id == asset.row_id)
            .values(name=updated.name, latest_version=number, issued_version=number, updated=now)
        )
        version = self._insert_version(
            uow.conn, updated, number, description, values, now, "UPDATE"
        )
        uow.emit(_event(self.kind, "Updated", updated, VersionNumber=number))
        return Saved(updated, version)

    def _insert_version(
        self,
        conn: Connection,
        asset: Asset,
        number: int,
        description: str | None,
        values: Mapping[str, Any],
        now: datetime,
        stage: str,
    ) -> Version:
        status = f"{stage}_SUCCESSFUL"
        conn.execute(
            insert(self.t.versions).values(
                asset_row_id=asset.row_id,
                version_number=number,
                status=status,
                description=description,
                created=now,
                **values,
            )
        )
        return Version(version_arn(asset.arn, number), number, status, description, now, values)

    # -- operations ------------------------------------------------------------------------

    def describe(
        self,
        account_id: str,
        asset_id: str,
        *,
        version_number: int | None = None,
        alias_name: str | None = None,
    ) -> tuple[Asset, Version]:
        """The asset and the version asked for (the latest by default)."""
        with self.db.read() as conn:
            asset = self.require(conn, account_id, asset_id)
            return asset, self.resolve(conn, asset, version_number, alias_name)

    def page(self, account_id: str, *, limit: int = 100, after: str | None = None) -> Page[Asset]:
        """The account's assets in id order, a page at a time."""
        a = self.t.assets
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            query = select(a).where(a.c.account_id == account_id)
            rows, next_key = directory.page_rows(
                conn, query, a.c[self.kind.id_column], limit, after
            )
        return Page([self._to_asset(row) for row in rows], next_key)

    def versions(
        self, account_id: str, asset_id: str, *, limit: int = 100, after: str | None = None
    ) -> tuple[Asset, Page[Version]]:
        """An asset's versions, oldest first."""
        v = self.t.versions
        size = clamp_limit(limit)
        with self.db.read() as conn:
            asset = self.require(conn, account_id, asset_id)
            query = select(v).where(v.c.asset_row_id == asset.row_id)
            if after is not None:
                query = query.where(v.c.version_number > _int_key(after))
            rows = list(conn.execute(query.order_by(v.c.version_number).limit(size + 1)).mappings())
        found = [self._to_version(asset, row) for row in rows[:size]]
        next_key = str(found[-1].number) if len(rows) > size else None
        return asset, Page(found, next_key)

    def delete(
        self, account_id: str, asset_id: str, *, version_number: int | None = None, actor: Actor
    ) -> Asset:
        """Delete the whole asset (its versions, aliases, tags and permissions), or only
        one version: ``StateConflictError`` for the only version, or one an alias names."""
        with UnitOfWork(self.db, actor) as uow:
            asset = self.require(uow.conn, account_id, asset_id, lock=True)
            if version_number is not None:
                return self._delete_version(uow, asset, version_number)
            self.permissions.delete_resource(uow, asset.arn)
            uow.conn.execute(delete(self.t.assets).where(self.t.assets.c.id == asset.row_id))
            uow.emit(_event(self.kind, "Deleted", asset))
        return asset

    def _delete_version(self, uow: UnitOfWork, asset: Asset, version_number: int) -> Asset:
        number = validate_version_number(version_number, "VersionNumber")
        conn, v, al = uow.conn, self.t.versions, self.t.aliases
        self.version(conn, asset, number)
        noun = self.kind.noun.lower()
        naming = sorted(
            conn.execute(
                select(al.c.alias_name).where(
                    al.c.asset_row_id == asset.row_id, al.c.version_number == number
                )
            ).scalars()
        )
        if naming:
            raise StateConflictError(
                f"version {number} of {noun} {asset.asset_id!r} is the target of alias "
                f"{', '.join(naming)}: point the alias at another version first"
            )
        remaining = conn.scalar(
            select(func.max(v.c.version_number)).where(
                v.c.asset_row_id == asset.row_id, v.c.version_number != number
            )
        )
        if remaining is None:
            raise StateConflictError(
                f"version {number} is the only version of {noun} {asset.asset_id!r}: "
                f"delete the {noun} instead"
            )
        conn.execute(
            delete(v).where(v.c.asset_row_id == asset.row_id, v.c.version_number == number)
        )
        latest = int(remaining)
        a = self.t.assets
        now = datetime.now(UTC)
        conn.execute(
            update(a).where(a.c.id == asset.row_id).values(latest_version=latest, updated=now)
        )
        uow.emit(_event(self.kind, "VersionDeleted", asset, VersionNumber=number))
        return replace(asset, latest_version=latest, updated=now)

    # -- permissions -----------------------------------------------------------------------

    def _resource(self, asset: Asset) -> Resource:
        return Resource(asset.account_id, self.kind.resource_type, asset.arn)

    def describe_permissions(
        self, account_id: str, asset_id: str
    ) -> tuple[Asset, list[ResourcePermission]]:
        """The asset's permissions, by principal."""
        with self.db.read() as conn:
            asset = self.require(conn, account_id, asset_id)
        return asset, self.permissions.describe(self._resource(asset))

    def update_permissions(
        self,
        account_id: str,
        asset_id: str,
        *,
        grant: Sequence[ResourcePermission] = (),
        revoke: Sequence[ResourcePermission] = (),
        actor: Actor,
    ) -> tuple[Asset, list[ResourcePermission]]:
        """Revoke, then grant, under the asset's row lock (it cannot go meanwhile)."""
        with UnitOfWork(self.db, actor) as uow:
            asset = self.require(uow.conn, account_id, asset_id, lock=True)
            after = self.permissions.update(
                self._resource(asset), grant=grant, revoke=revoke, actor=actor, uow=uow
            )
        return asset, after

    # -- aliases ---------------------------------------------------------------------------

    def _alias(self, asset: Asset, name: str, version_number: int) -> Alias:
        return Alias(f"{asset.arn}/alias/{name}", name, version_number)

    def require_alias(self, conn: Connection, asset: Asset, alias_name: str) -> Alias:
        """An alias of the asset, or ``NotFoundError`` naming it."""
        al = self.t.aliases
        number = conn.scalar(
            select(al.c.version_number).where(
                al.c.asset_row_id == asset.row_id, al.c.alias_name == alias_name
            )
        )
        if number is None:
            raise NotFoundError(f"{self.kind.noun}Alias", alias_name)
        return self._alias(asset, alias_name, int(number))

    def create_alias(
        self, account_id: str, asset_id: str, alias_name: str, version_number: int, *, actor: Actor
    ) -> Alias:
        """Name a version; ``ConflictError`` when the name is taken."""
        name = validate_alias_name(alias_name)
        number = validate_version_number(version_number, f"{self.kind.noun}VersionNumber")
        with UnitOfWork(self.db, actor) as uow:
            asset = self.require(uow.conn, account_id, asset_id, lock=True)
            self.version(uow.conn, asset, number)
            al = self.t.aliases
            taken = uow.conn.scalar(
                select(al.c.version_number).where(
                    al.c.asset_row_id == asset.row_id, al.c.alias_name == name
                )
            )
            if taken is not None:
                raise ConflictError(f"{self.kind.noun}Alias", "AliasName", name)
            uow.conn.execute(
                insert(al).values(asset_row_id=asset.row_id, alias_name=name, version_number=number)
            )
            uow.emit(_event(self.kind, "AliasCreated", asset, AliasName=name, VersionNumber=number))
        return self._alias(asset, name, number)

    def update_alias(
        self, account_id: str, asset_id: str, alias_name: str, version_number: int, *, actor: Actor
    ) -> Alias:
        """Point an existing alias at another version."""
        name = validate_alias_name(alias_name)
        number = validate_version_number(version_number, f"{self.kind.noun}VersionNumber")
        with UnitOfWork(self.db, actor) as uow:
            asset = self.require(uow.conn, account_id, asset_id, lock=True)
            previous = self.require_alias(uow.conn, asset, name)
            self.version(uow.conn, asset, number)
            al = self.t.aliases
            uow.conn.execute(
                update(al)
                .where(al.c.asset_row_id == asset.row_id, al.c.alias_name == name)
                .values(version_number=number)
            )
            uow.emit(
                _event(
                    self.kind,
                    "AliasUpdated",
                    asset,
                    AliasName=name,
                    VersionNumber=number,
                    PreviousVersionNumber=previous.version_number,
                )
            )
        return self._alias(asset, name, number)

    def delete_alias(
        self, account_id: str, asset_id: str, alias_name: str, *, actor: Actor
    ) -> Alias:
        """Remove an alias (the version stays)."""
        with UnitOfWork(self.db, actor) as uow:
            asset = self.require(uow.conn, account_id, asset_id, lock=True)
            alias = self.require_alias(uow.conn, asset, alias_name)
            al = self.t.aliases
            uow.conn.execute(
                delete(al).where(al.c.asset_row_id == asset.row_id, al.c.alias_name == alias_name)
            )
            uow.emit(_event(self.kind, "AliasDeleted", asset, AliasName=alias_name))
        return alias

    def describe_alias(self, account_id: str, asset_id: str, alias_name: str) -> Alias:
        """One alias."""
        with self.db.read() as conn:
            asset = self.require(conn, account_id, asset_id)
            return self.require_alias(conn, asset, alias_name)

    def aliases(
        self, account_id: str, asset_id: str, *, limit: int = 100, after: str | None = None
    ) -> Page[Alias]:
        """An asset's aliases in name order."""
        al = self.t.aliases
        with self.db.read() as conn:
            asset = self.require(conn, account_id, asset_id)
            query = select(al).where(al.c.asset_row_id == asset.row_id)
            rows, next_key = directory.page_rows(conn, query, al.c.alias_name, limit, after)
        return Page(
            [self._alias(asset, r["alias_name"], r["version_number"]) for r in rows], next_key
        )

    # -- tags ------------------------------------------------------------------------------

    def apply_tags(self, uow: UnitOfWork, asset: Asset, tags: Sequence[Tag]) -> None:
        """Set validated tags in ``uow`` (a key it has gets the new value); counted after
        the write, so passing the limit rolls everything back."""
        if not tags:
            return
        tg = self.t.tags
        keys = [tag.key for tag in tags]
        uow.conn.execute(delete(tg).where(tg.c.asset_row_id == asset.row_id, tg.c.key.in_(keys)))
        uow.conn.execute(
            insert(tg),
            [{"asset_row_id": asset.row_id, "key": tag.key, "value": tag.value} for tag in tags],
        )
        count = select(func.count()).select_from(tg).where(tg.c.asset_row_id == asset.row_id)
        if int(uow.conn.execute(count).scalar_one()) > MAX_TAGS:
            raise LimitExceededError("tag", MAX_TAGS, "resource")
        uow.emit(
            directory_events.tags_event(
                directory_events.RESOURCE_TAGGED,
                asset.account_id,
                self.kind.noun,
                asset.row_id,
                asset.arn,
                tags,
            )
        )

    def _tagged(self, conn: Connection, account_id: str, arn: str, *, lock: bool = False) -> Asset:
        asset = self.by_arn(conn, account_id, arn, lock=lock)
        if asset is None:
            raise NotFoundError("Resource", arn[:300])
        return asset

    def tag_resource(
        self, account_id: str, resource_arn: str, tags: Sequence[Tag], *, actor: Actor
    ) -> None:
        """TagResource on an asset's ARN."""
        if not tags:
            raise ValidationError("Tags", "at least one tag is required")
        valid = validate_tags(list(tags))
        with UnitOfWork(self.db, actor) as uow:
            self.apply_tags(uow, self._tagged(uow.conn, account_id, resource_arn, lock=True), valid)

    def untag_resource(
        self, account_id: str, resource_arn: str, tag_keys: Sequence[str], *, actor: Actor
    ) -> None:
        """UntagResource: remove tags by key; absent keys are ignored."""
        if not tag_keys:
            raise ValidationError("TagKeys", "at least one key is required")
        keys = [validate_tag_key(key) for key in tag_keys]
        tg = self.t.tags
        with UnitOfWork(self.db, actor) as uow:
            asset = self._tagged(uow.conn, account_id, resource_arn, lock=True)
            removed = uow.conn.execute(
                delete(tg)
                .where(tg.c.asset_row_id == asset.row_id, tg.c.key.in_(keys))
                .returning(tg.c.key)
            )
            gone = sorted(removed.scalars())
            if gone:
                uow.emit(
                    directory_events.tags_event(
                        directory_events.RESOURCE_UNTAGGED,
                        account_id,
                        self.kind.noun,
                        asset.row_id,
                        asset.arn,
                        keys=gone,
                    )
                )

    def list_tags_for_resource(self, account_id: str, resource_arn: str) -> list[Tag]:
        """ListTagsForResource: the asset's tags in key order."""
        tg = self.t.tags
        with self.db.read() as conn:
            asset = self._tagged(conn, account_id, resource_arn)
            rows = conn.execute(
                select(tg.c.key, tg.c.value)
                .where(tg.c.asset_row_id == asset.row_id)
                .order_by(tg.c.key)
            )
            return [Tag(key, value) for key, value in rows]


def _int_key(after: str) -> int:
    """A version page's key (issued by ``versions``; anything else names no position)."""
    if not after.isdigit():
        raise ValidationError("NextToken", "is not a token of this list")
    return int(after)
