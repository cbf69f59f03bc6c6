"""Folder rows <-> folder values, and the closure rows written with them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, delete, exists, insert, literal, select

from sightgate.analytics.assets import tables as t
from sightgate.analytics.assets.model import (
    Folder,
    FolderMember,
    FolderType,
    MemberType,
    SharingModel,
)
from sightgate.analytics.directory.repository import utc
from sightgate.platform.errors import NotFoundError


def to_folder(row: RowMapping, path: Sequence[str]) -> Folder:
    """A folder from its row and its ancestors' ARNs (root first)."""
    return Folder(
        row_id=row["id"],
        account_id=row["account_id"],
        folder_id=row["folder_id"],
        arn=row["arn"],
        name=row["name"],
        folder_type=FolderType(row["folder_type"]),
        sharing_model=SharingModel(row["sharing_model"]),
        parent_row_id=row["parent_id"],
        path=tuple(path),
        created=utc(row["created"]),
        updated=utc(row["updated"]),
    )


def insert_folder(conn: Connection, folder: Folder) -> None:
    """The folder's row and its closure rows: itself at distance 0, and its parent's
    ancestors (the parent included) one further away."""
    conn.execute(
        insert(t.folders).values(
            id=folder.row_id,
            account_id=folder.account_id,
            folder_id=folder.folder_id,
            arn=folder.arn,
            name=folder.name,
            folder_type=folder.folder_type.value,
            sharing_model=folder.sharing_model.value,
            parent_id=folder.parent_row_id,
            parent_key=folder.parent_row_id or "",
            created=folder.created,
            updated=folder.updated,
        )
    )
    paths = t.folder_paths
    conn.execute(
        insert(paths).values(
            folder_id=folder.row_id, ancestor_id=folder.row_id, ancestor_arn=folder.arn, distance=0
        )
    )
    if folder.parent_row_id is not None:
        inherited = select(
            literal(folder.row_id),
            paths.c.ancestor_id,
            paths.c.ancestor_arn,
            paths.c.distance + 1,
        ).where(paths.c.folder_id == folder.parent_row_id)
        conn.execute(
            insert(paths).from_select(
                ["folder_id", "ancestor_id", "ancestor_arn", "distance"], inherited
            )
        )


def rename_folder(conn: Connection, row_id: str, name: str, now: datetime) -> None:
    """Set a folder's display name."""
    f = t.folders
    conn.execute(f.update().where(f.c.id == row_id).values(name=name, updated=now))


def delete_folder(conn: Connection, row_id: str) -> None:
    """Delete a folder row (its closure rows and tags go by cascade)."""
    conn.execute(delete(t.folders).where(t.folders.c.id == row_id))


def _one(conn: Connection, query: Select[Any], lock: bool) -> RowMapping | None:
    return conn.execute(query.with_for_update() if lock else query).mappings().first()


def find_folder(
    conn: Connection, account_id: str, folder_id: str, *, lock: bool = False
) -> Folder | None:
    """A folder by its id, with its path (row-locked with ``lock``)."""
    f = t.folders
    row = _one(
        conn, select(f).where(f.c.account_id == account_id, f.c.folder_id == folder_id), lock
    )
    return None if row is None else to_folder(row, paths_of(conn, [row["id"]])[row["id"]])


def require_folder(
    conn: Connection, account_id: str, folder_id: str, *, lock: bool = False
) -> Folder:
    """``find_folder`` or ``NotFoundError``."""
    folder = find_folder(conn, account_id, folder_id, lock=lock)
    if folder is None:
        raise NotFoundError("Folder", folder_id)
    return folder


def folder_by_arn(
    conn: Connection, account_id: str, arn: str, *, lock: bool = False
) -> Folder | None:
    """A folder of ``account_id`` by its ARN (None for another account's)."""
    f = t.folders
    row = _one(conn, select(f).where(f.c.account_id == account_id, f.c.arn == arn), lock)
    return None if row is None else to_folder(row, paths_of(conn, [row["id"]])[row["id"]])


def paths_of(conn: Connection, row_ids: Collection[str]) -> dict[str, tuple[str, ...]]:
    """Each folder's ancestors' ARNs, root first, in one statement."""
    found: dict[str, list[str]] = {row_id: [] for row_id in row_ids}
    if not row_ids:
        return {}
    p = t.folder_paths.c
    rows = conn.execute(
        select(p.folder_id, p.ancestor_arn)
        .where(p.folder_id.in_(list(row_ids)), p.distance > 0)
        .order_by(p.folder_id, p.distance.desc())
    )
    for row_id, ancestor in rows:
        found[row_id].append(ancestor)
    return {row_id: tuple(arns) for row_id, arns in found.items()}


def folders_of_rows(conn: Connection, rows: Sequence[RowMapping]) -> list[Folder]:
    """Folders from a page of rows, their paths read in one statement."""
    paths = paths_of(conn, [row["id"] for row in rows])
    return [to_folder(row, paths[row["id"]]) for row in rows]


def has_children(conn: Connection, row_id: str) -> bool:
    """Whether any folder has this one as its parent."""
    return bool(conn.scalar(select(exists().where(t.folders.c.parent_id == row_id))))


def has_members(conn: Connection, row_id: str) -> bool:
    """Whether the folder holds any asset."""
    return bool(conn.scalar(select(exists().where(t.folder_members.c.folder_id == row_id))))


def add_member(conn: Connection, row_id: str, member: FolderMember, now: datetime) -> None:
    """Put an asset in a folder (a duplicate breaks the primary key)."""
    conn.execute(
        insert(t.folder_members).values(
            folder_id=row_id,
            member_type=member.member_type.value,
            member_id=member.member_id,
            member_arn=member.member_arn,
            created=now,
        )
    )


def remove_member(conn: Connection, row_id: str, member_type: MemberType, member_id: str) -> bool:
    """Take an asset out of a folder; whether it was in it."""
    m = t.folder_members.c
    removed = conn.execute(
        delete(t.folder_members).where(
            m.folder_id == row_id, m.member_type == member_type.value, m.member_id == member_id
        )
    )
    return bool(removed.rowcount)


def roots_holding(conn: Connection, member_arn: str) -> dict[str, str]:
    """The root folder ARN above each folder that holds an asset, by that root's type."""
    m, p, f = t.folder_members.c, t.folder_paths.c, t.folders.c
    roots = conn.execute(
        select(p.ancestor_arn, f.folder_type)
        .select_from(
            t.folder_members.join(t.folder_paths, p.folder_id == m.folder_id).join(
                t.folders, f.id == p.ancestor_id
            )
        )
        .where(m.member_arn == member_arn, f.parent_id.is_(None))
    )
    return {arn: folder_type for arn, folder_type in roots}
