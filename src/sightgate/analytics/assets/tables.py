"""Folders, what they hold, and their ancestry, as tables.

A folder row is keyed by an internal id; the API's ``FolderId`` is unique per account and
a display name unique among its siblings (``parent_key`` is the parent's id, or ``''``
for a root, so root names are unique too: a NULL parent would never clash). Folders
never move, so their ancestry is written once, when they are created, as a closure table
(``analytics_folder_paths``: one row per folder and ancestor, itself included at distance
0). Inheritance is then a join, never a recursive walk: which folders' grants reach an
asset (its folders' ancestors), and what a folder's grants reach (its descendants and
their members), each answered by an index.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

from sightgate.platform.db import metadata


def _key(length: int) -> TypeEngine[str]:
    """Code-point order on both backends (ids sort the same way for keyset pages)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


ROW_ID = String(36)
ID = _key(900)
ARN = String(1024)
TIMESTAMP = DateTime(timezone=True)


def _folder_fk(name: str) -> Column[str]:
    return Column(
        name, ROW_ID, ForeignKey("analytics_folders.id", ondelete="CASCADE"), nullable=False
    )


folders = Table(
    "analytics_folders",
    metadata,
    Column("id", ROW_ID, primary_key=True),
    Column(
        "account_id",
        String(12),
        ForeignKey("analytics_accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("folder_id", ID, nullable=False),
    Column("arn", ARN, nullable=False),
    Column("name", String(200), nullable=True),
    Column("folder_type", String(20), nullable=False),
    Column("sharing_model", String(20), nullable=False),
    # Only empty folders are deleted; the cascade is for an account going with its folders.
    Column(
        "parent_id", ROW_ID, ForeignKey("analytics_folders.id", ondelete="CASCADE"), nullable=True
    ),
    Column("parent_key", ROW_ID, nullable=False, comment="parent_id, or '' for a root"),
    Column("created", TIMESTAMP, nullable=False),
    Column("updated", TIMESTAMP, nullable=False),
    UniqueConstraint("account_id", "folder_id", name="uq_analytics_folders_folder_id"),
    UniqueConstraint("arn", name="uq_analytics_folders_arn"),
    UniqueConstraint("account_id", "parent_key", "name", name="uq_analytics_folders_name"),
    Index(None, "parent_id"),
)

folder_paths = Table(
    "analytics_folder_paths",
    metadata,
    _folder_fk("folder_id"),
    _folder_fk("ancestor_id"),
    Column("ancestor_arn", ARN, nullable=False),
    Column("distance", Integer, nullable=False, comment="0 for the folder itself"),
    PrimaryKeyConstraint("folder_id", "ancestor_id"),
    # What the grants on a folder reach: its descendants, from the granted ARN (covering).
    Index(None, "ancestor_arn", "folder_id"),
    Index(None, "ancestor_id"),
)

folder_members = Table(
    "analytics_folder_members",
    metadata,
    _folder_fk("folder_id"),
    Column("member_type", String(20), nullable=False),
    Column("member_id", ID, nullable=False),
    Column("member_arn", ARN, nullable=False),
    Column("created", TIMESTAMP, nullable=False),
    PrimaryKeyConstraint("folder_id", "member_type", "member_id"),
    # The folders that hold an asset (its inherited grants; ListFoldersForResource).
    Index(None, "member_arn"),
    # The assets of a type a folder holds, by ARN: what its grants reach (covering).
    Index(None, "folder_id", "member_type", "member_arn"),
)

folder_tags = Table(
    "analytics_folder_tags",
    metadata,
    _folder_fk("folder_id"),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
    PrimaryKeyConstraint("folder_id", "key"),
)

UNIQUE_FIELDS = {
    "uq_analytics_folders_folder_id": ("Folder", "FolderId"),
    "uq_analytics_folders_arn": ("Folder", "FolderId"),
    "uq_analytics_folders_name": ("Folder", "Name"),
    "pk_analytics_folder_members": ("FolderMember", "MemberId"),
}
"""Which input each unique constraint protects, for conflict errors."""
