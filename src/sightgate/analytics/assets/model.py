"""Folders as values, and the rules their inputs obey (no I/O).

A folder is QuickSight's shared folder: an id unique in its account, an optional display
name unique among its siblings, a type (``SHARED``, or ``RESTRICTED``: assets inside
cannot leave its tree), a sharing model, and at most one parent. A folder never moves
(``UpdateFolder`` renames only), so its ancestors are fixed when it is created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sightgate.analytics.access.actions import ResourceType
from sightgate.platform.errors import ValidationError

MAX_ANCESTORS = 10
"""``Folder.FolderPath`` holds at most 10 ancestor ARNs (the botocore model's ``Path``)."""

MAX_ID_LENGTH = 900
"""Folder and member ids: the model allows 2048 characters, but a folder's ARN must fit the
1024 characters resource permissions store per resource ARN, whatever the region."""

MAX_NAME_LENGTH = 200
_ID = re.compile(r"[A-Za-z0-9_-]+")


class FolderType(StrEnum):
    """``SHARED`` (the default) or ``RESTRICTED``."""

    SHARED = "SHARED"
    RESTRICTED = "RESTRICTED"


class SharingModel(StrEnum):
    """``ACCOUNT`` (the default) or ``NAMESPACE``."""

    ACCOUNT = "ACCOUNT"
    NAMESPACE = "NAMESPACE"


class MemberType(StrEnum):
    """What a folder can hold."""

    DASHBOARD = "DASHBOARD"
    ANALYSIS = "ANALYSIS"
    DATASET = "DATASET"
    DATASOURCE = "DATASOURCE"
    TOPIC = "TOPIC"

    @property
    def arn_type(self) -> str:
        """The member's type as its ARN spells it (``dataset``, ``datasource``, ...)."""
        return self.value.lower()


MEMBER_TYPES: dict[ResourceType, MemberType] = {
    ResourceType.DASHBOARD: MemberType.DASHBOARD,
    ResourceType.ANALYSIS: MemberType.ANALYSIS,
    ResourceType.DATASET: MemberType.DATASET,
    ResourceType.DATASOURCE: MemberType.DATASOURCE,
}
"""The member type of each resource type whose permissions a folder passes down (topics
carry no permissions sightgate knows yet)."""


@dataclass(frozen=True)
class Folder:
    """A folder; ``path`` is its ancestors' ARNs, root first (empty for a root folder)."""

    row_id: str
    account_id: str
    folder_id: str
    arn: str
    name: str | None
    folder_type: FolderType
    sharing_model: SharingModel
    parent_row_id: str | None
    path: tuple[str, ...]
    created: datetime
    updated: datetime

    @property
    def parent_arn(self) -> str | None:
        """The parent's ARN (None for a root folder)."""
        return self.path[-1] if self.path else None


@dataclass(frozen=True)
class FolderMember:
    """An asset in a folder."""

    member_type: MemberType
    member_id: str
    member_arn: str


def validate_id(value: object, field: str) -> str:
    """A folder or member id: 1 to ``MAX_ID_LENGTH`` ASCII letters, digits, ``_`` or ``-``."""
    if not isinstance(value, str) or not _ID.fullmatch(value) or len(value) > MAX_ID_LENGTH:
        raise ValidationError(
            field, f"must be 1 to {MAX_ID_LENGTH} ASCII letters, digits, underscores or hyphens"
        )
    return value


def validate_name(value: object, field: str = "Name") -> str:
    """A display name: 1 to 200 characters, none of them a control character."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME_LENGTH:
        raise ValidationError(field, f"must be 1 to {MAX_NAME_LENGTH} characters")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in value):
        raise ValidationError(field, "must not contain control characters or lone surrogates")
    return value


def folder_arn(region: str, account_id: str, folder_id: str) -> str:
    """``arn:aws:quicksight:<region>:<account>:folder/<id>``."""
    return f"arn:aws:quicksight:{region}:{account_id}:folder/{folder_id}"


def member_arn(region: str, account_id: str, member_type: MemberType, member_id: str) -> str:
    """The ARN of a folder member (``…:dashboard/<id>``, ``…:dataset/<id>``, ...)."""
    return f"arn:aws:quicksight:{region}:{account_id}:{member_type.arn_type}/{member_id}"


def child_kind(
    parent: Folder | None,
    folder_type: FolderType | None,
    sharing_model: SharingModel | None,
) -> tuple[FolderType, SharingModel]:
    """The type and sharing model of a new folder under ``parent``.

    A sub-folder has its parent's: a restricted tree is one boundary (its root restricted
    folder's), so a restricted folder is a root, and everything under it is restricted.
    """
    if parent is None:
        return folder_type or FolderType.SHARED, sharing_model or SharingModel.ACCOUNT
    if folder_type is not None and folder_type != parent.folder_type:
        if folder_type is FolderType.RESTRICTED:
            raise ValidationError("FolderType", "a RESTRICTED folder must be a root folder")
        raise ValidationError("FolderType", "the sub-folders of a RESTRICTED folder are RESTRICTED")
    if sharing_model is not None and sharing_model != parent.sharing_model:
        raise ValidationError(
            "SharingModel", f"a sub-folder has its parent's sharing model ({parent.sharing_model})"
        )
    return parent.folder_type, parent.sharing_model
