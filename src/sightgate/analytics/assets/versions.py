"""What dashboards and analyses share: their ids and ARNs, the content of a version (a
definition given or made from a template, its datasets and problems, a theme) and its
columns, the folder a new one is put in, their tags and their Search* principal filters.

A dashboard keeps a numbered, immutable version per Create/Update (``{arn}/version/{n}``);
an analysis has one current content. Either way the content is built, and checked
against the account's datasets, templates and themes, before any transaction opens, so
a refusal writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, RowMapping, Table, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from sightgate.analytics.assets import events as folder_events
from sightgate.analytics.assets import repository as folders
from sightgate.analytics.assets.dashboard_tables import UNIQUE_FIELDS
from sightgate.analytics.assets.definitions import (
    CheckedDefinition,
    check_declared,
    json_document,
    parse_strategy,
    sheets_of,
)
from sightgate.analytics.assets.model import FolderMember
from sightgate.analytics.data.model import ColumnType, DataSet
from sightgate.analytics.directory import events as directory_events
from sightgate.analytics.directory.errors import LimitExceededError
from sightgate.analytics.directory.model import MAX_TAGS, Tag, validate_tag_key, validate_tags
from sightgate.platform.db import Database, violated_constraint
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.uow import UnitOfWork

MAX_ID_LENGTH = 512
MAX_NAME_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 512
MAX_FOLDERS = 1
_ID = re.compile(r"[A-Za-z0-9_-]{1,512}")
BUILT_IN_THEMES = frozenset({"CLASSIC", "MIDNIGHT", "SEASIDE", "RAINIER"})
"""QuickSight's starting themes (``arn:aws:quicksight::aws:theme/<ID>``)."""
_BUILT_IN_THEME = re.compile(r"arn:aws:quicksight::aws:theme/(?P<id>[A-Z_]+)")
SEARCH_ATTRIBUTES = (
    "QUICKSIGHT_USER",
    "QUICKSIGHT_VIEWER_OR_OWNER",
    "QUICKSIGHT_OWNER",
    "DIRECT_QUICKSIGHT_VIEWER_OR_OWNER",
    "DIRECT_QUICKSIGHT_OWNER",
    "DIRECT_QUICKSIGHT_SOLE_OWNER",
)
"""The principal filters SearchDashboards and SearchAnalyses take; ``QUICKSIGHT_USER``
is the deprecated spelling of ``QUICKSIGHT_VIEWER_OR_OWNER``."""


class DataSetFinder(Protocol):
    """The data catalog's ``DataSetService.by_arn``."""

    def by_arn(self, account_id: str, arn: str) -> DataSet: ...


class TemplateDefinitions(Protocol):
    """The templates' contract: the definition a dashboard or analysis made from a
    template gets, placeholders declared as the referenced datasets."""

    def dashboard_definition(
        self, account_id: str, template_arn: str, data_set_references: Sequence[Any]
    ) -> dict[str, Any]: ...


ThemeExists = Callable[[str, str], bool]
"""Whether the account has the custom theme an ARN names (account id, theme ARN)."""


def validate_id(value: object, field: str) -> str:
    """A dashboard or analysis id: 1 to 512 ASCII letters, digits, ``_`` or ``-``."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValidationError(
            field, f"must be 1 to {MAX_ID_LENGTH} ASCII letters, digits, underscores or hyphens"
        )
    return value


def validate_name(value: object, field: str = "Name") -> str:
    """A display name: 1 to 2048 characters, none of them a control character."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME_LENGTH:
        raise ValidationError(field, f"must be 1 to {MAX_NAME_LENGTH} characters")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in value):
        raise ValidationError(field, "must not contain control characters or lone surrogates")
    return value


def validate_description(value: object, field: str = "VersionDescription") -> str | None:
    """A version description: absent, or 1 to 512 characters."""
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_DESCRIPTION_LENGTH:
        raise ValidationError(field, f"must be 1 to {MAX_DESCRIPTION_LENGTH} characters")
    return value


def asset_arn(region: str, account_id: str, kind: str, asset_id: str) -> str:
    """``arn:aws:quicksight:<region>:<account>:<dashboard|analysis>/<id>``."""
    return f"arn:aws:quicksight:{region}:{account_id}:{kind}/{asset_id}"


@contextmanager
def conflicts(**values: str) -> Iterator[None]:
    """A unique constraint of the dashboard tables broken (a concurrent create) as the
    ``ConflictError`` naming the input; wrap the unit of work, so it has rolled back."""
    try:
        yield
    except IntegrityError as error:
        name = violated_constraint(error)
        if name in UNIQUE_FIELDS:
            resource, field = UNIQUE_FIELDS[name]
            raise ConflictError(resource, field, values.get(field, "")) from error
        raise


# -- content -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """What a dashboard version or an analysis is made of."""

    definition: dict[str, Any]
    data_set_arns: list[str]
    errors: list[dict[str, Any]]
    theme_arn: str | None
    source_entity_arn: str | None

    @property
    def sheets(self) -> list[dict[str, Any]]:
        """``[{SheetId, Name}]``."""
        return sheets_of(self.definition)

    @classmethod
    def of_row(cls, row: RowMapping) -> Content:
        """The content stored in a dashboard version's or an analysis's row."""
        return cls(
            definition=row["definition"],
            data_set_arns=list(row["data_set_arns"]),
            errors=list(row["errors"]),
            theme_arn=row["theme_arn"],
            source_entity_arn=row["source_entity_arn"],
        )

    def row_values(self) -> dict[str, Any]:
        """The columns the content is stored in (the same in both tables)."""
        return {
            "definition": self.definition,
            "data_set_arns": self.data_set_arns,
            "errors": self.errors,
            "theme_arn": self.theme_arn,
            "source_entity_arn": self.source_entity_arn,
        }


class ContentBuilder:
    """A request's ``Definition`` or ``SourceEntity``, ``ValidationStrategy`` and
    ``ThemeArn`` as checked content. Templates and custom themes are asked through
    ports (``None``: that context is not wired, and a request needing it is refused)."""

    def __init__(
        self,
        data_sets: DataSetFinder,
        templates: TemplateDefinitions | None = None,
        theme_exists: ThemeExists | None = None,
    ) -> None:
        self.data_sets = data_sets
        self.templates = templates
        self.theme_exists = theme_exists

    def build(self, account_id: str, request: Mapping[str, Any]) -> Content:
        """The content, or the first problem under STRICT (the default)."""
        strategy = parse_strategy(request.get("ValidationStrategy"))
        definition, source_arn = self._definition(account_id, request)
        checked: CheckedDefinition = check_declared(
            definition, lambda arn: self._columns(account_id, arn), strategy
        )
        theme = self._theme(account_id, request.get("ThemeArn"))
        return Content(checked.definition, checked.data_set_arns, checked.errors, theme, source_arn)

    def _definition(self, account_id: str, request: Mapping[str, Any]) -> tuple[object, str | None]:
        definition, source = request.get("Definition"), request.get("SourceEntity")
        if (definition is None) == (source is None):
            raise ValidationError("Definition", "give either a Definition or a SourceEntity")
        if definition is not None:
            return definition, None
        template = source.get("SourceTemplate") if isinstance(source, dict) else None
        if not isinstance(template, dict):
            raise ValidationError("SourceEntity.SourceTemplate", "is required")
        arn = template.get("Arn")
        if not isinstance(arn, str) or not arn:
            raise ValidationError("SourceEntity.SourceTemplate.Arn", "is required")
        if self.templates is None:
            raise ValidationError(
                "SourceEntity.SourceTemplate", "templates are not available on this server"
            )
        references = template.get("DataSetReferences")
        made = self.templates.dashboard_definition(account_id, arn, references or [])
        return made, arn

    def _columns(self, account_id: str, arn: str) -> Mapping[str, ColumnType] | None:
        """Every output column of the dataset (the author's view: no column-level
        security), or None when the account has no such dataset."""
        try:
            data_set = self.data_sets.by_arn(account_id, arn)
        except NotFoundError:
            return None
        return {column.name: column.type for column in data_set.output_columns}

    def _theme(self, account_id: str, arn: object) -> str | None:
        """A built-in theme, or a custom theme of the account."""
        if arn is None:
            return None
        if not isinstance(arn, str) or not arn:
            raise ValidationError("ThemeArn", "must be a theme ARN")
        built_in = _BUILT_IN_THEME.fullmatch(arn)
        if built_in is not None and built_in["id"] in BUILT_IN_THEMES:
            return arn
        if self.theme_exists is None or not self.theme_exists(account_id, arn):
            raise NotFoundError("Theme", arn[:300])
        return arn


def publish_options(value: object) -> dict[str, Any] | None:
    """``DashboardPublishOptions`` as given (JSON the store keeps)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError("DashboardPublishOptions", "must be an object")
    document = json_document(value, "DashboardPublishOptions")
    assert isinstance(document, dict)
    return document


# -- folders -----------------------------------------------------------------------------


def folder_arns(value: object) -> list[str]:
    """``FolderArns``: at most one folder ARN."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_FOLDERS:
        raise ValidationError("FolderArns", f"must list at most {MAX_FOLDERS} folder ARN")
    if not all(isinstance(arn, str) and arn for arn in value):
        raise ValidationError("FolderArns", "must list folder ARNs")
    return list(value)


def place_in_folders(
    uow: UnitOfWork, account_id: str, arns: Sequence[str], member: FolderMember, now: datetime
) -> None:
    """Put a new asset in its folders in ``uow``'s transaction (each row-locked, so it
    is not deleted meanwhile); a folder of another account, or none, is not found."""
    for arn in arns:
        folder = folders.folder_by_arn(uow.conn, account_id, arn, lock=True)
        if folder is None:
            raise NotFoundError("Folder", arn[:300])
        folders.add_member(uow.conn, folder.row_id, member, now)
        uow.emit(
            folder_events.membership_event(folder_events.FOLDER_MEMBERSHIP_CREATED, folder, member)
        )


# -- tags --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagTable:
    """The tags of one asset type: its table, the column naming the asset's row, and the
    asset table whose ``arn`` finds the row."""

    noun: str
    tags: Table
    row_column: str
    assets: Table


def apply_tags(
    uow: UnitOfWork, table: TagTable, account_id: str, row_id: str, arn: str, tags: Sequence[Tag]
) -> None:
    """Set validated tags on an asset (a key it has gets the new value); counted after
    the write, so passing the limit rolls everything back."""
    if not tags:
        return
    column = table.tags.c[table.row_column]
    keys = [tag.key for tag in tags]
    uow.conn.execute(delete(table.tags).where(column == row_id, table.tags.c.key.in_(keys)))
    uow.conn.execute(
        insert(table.tags),
        [{table.row_column: row_id, "key": tag.key, "value": tag.value} for tag in tags],
    )
    count = select(func.count()).select_from(table.tags).where(column == row_id)
    if int(uow.conn.execute(count).scalar_one()) > MAX_TAGS:
        raise LimitExceededError("tag", MAX_TAGS, "resource")
    uow.emit(
        directory_events.tags_event(
            directory_events.RESOURCE_TAGGED, account_id, table.noun, row_id, arn, tags
        )
    )


class AssetTags:
    """TagResource, UntagResource and ListTagsForResource on one asset type's ARNs."""

    def __init__(self, db: Database, table: TagTable) -> None:
        self.db = db
        self.table = table

    def _row(self, conn: Connection, account_id: str, arn: str, *, lock: bool = False) -> str:
        """The row of the asset an ARN names in ``account_id`` (another account's names
        nothing)."""
        assets = self.table.assets
        query = select(assets.c.id).where(assets.c.account_id == account_id, assets.c.arn == arn)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFoundError("Resource", arn[:300])
        return str(row[0])

    def tag_resource(
        self, account_id: str, resource_arn: str, tags: Sequence[Tag], *, actor: Actor
    ) -> None:
        """Add tags (a key present already gets the new value)."""
        if not tags:
            raise ValidationError("Tags", "at least one tag is required")
        valid = validate_tags(list(tags))
        with UnitOfWork(self.db, actor) as uow:
            row_id = self._row(uow.conn, account_id, resource_arn, lock=True)
            apply_tags(uow, self.table, account_id, row_id, resource_arn, valid)

    def untag_resource(
        self, account_id: str, resource_arn: str, tag_keys: Sequence[str], *, actor: Actor
    ) -> None:
        """Remove tags by key; absent keys are ignored."""
        if not tag_keys:
            raise ValidationError("TagKeys", "at least one key is required")
        wanted = [validate_tag_key(key) for key in tag_keys]
        table = self.table
        column = table.tags.c[table.row_column]
        with UnitOfWork(self.db, actor) as uow:
            row_id = self._row(uow.conn, account_id, resource_arn, lock=True)
            removed = uow.conn.execute(
                delete(table.tags)
                .where(column == row_id, table.tags.c.key.in_(wanted))
                .returning(table.tags.c.key)
            )
            gone = sorted(removed.scalars())
            if gone:
                uow.emit(
                    directory_events.tags_event(
                        directory_events.RESOURCE_UNTAGGED,
                        account_id,
                        table.noun,
                        row_id,
                        resource_arn,
                        keys=gone,
                    )
                )

    def list_tags_for_resource(self, account_id: str, resource_arn: str) -> list[Tag]:
        """The asset's tags in key order."""
        table = self.table
        with self.db.read() as conn:
            row_id = self._row(conn, account_id, resource_arn)
            column = table.tags.c[table.row_column]
            rows = conn.execute(
                select(table.tags.c.key, table.tags.c.value)
                .where(column == row_id)
                .order_by(table.tags.c.key)
            )
            return [Tag(key, value) for key, value in rows]
