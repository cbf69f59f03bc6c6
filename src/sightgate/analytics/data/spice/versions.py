"""SPICE versions: immutable DuckDB files, one per completed ingestion.

``<spice_dir>/<account>/<data_set_id>/<n>.duckdb`` holds table ``data``. A build writes
``.<ingestion_id>.building.duckdb`` beside it; publishing fsyncs that file, renames it to
its number and commits the version row and the dataset's current number in the same
transaction as the ingestion's COMPLETED status. So a query reads either the previous
version or the new one, whole, and a failed or cancelled build leaves nothing behind but
its own temporary files, which it removes.

Files are never changed after the rename, so any number of processes may open them
(read-only) at once. A version that is no longer current is removed only after a grace
period: a query that began on it may still be reading it.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update

from sightgate.analytics.data.model import SpiceVersion
from sightgate.analytics.data.spice.tables import ingestions, spice_versions
from sightgate.analytics.data.tables import data_sets

log = logging.getLogger(__name__)

GRACE_PERIOD = timedelta(minutes=10)
"""How long a superseded version (or an unreferenced file) stays for readers."""
SUFFIX = ".duckdb"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _segment(value: str) -> str:
    """A path segment for an id: every character but ``[A-Za-z0-9_-]`` percent-encoded
    (dots too), so no id can name another directory."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value)


@dataclass(frozen=True)
class Layout:
    """Where a deployment's SPICE files live."""

    root: Path

    def data_set_dir(self, account_id: str, data_set_id: str) -> Path:
        return self.root / _segment(account_id) / _segment(data_set_id)

    def version_path(self, account_id: str, data_set_id: str, number: int) -> Path:
        return self.data_set_dir(account_id, data_set_id) / f"{number}{SUFFIX}"

    def build_prefix(self, account_id: str, data_set_id: str, ingestion_id: str) -> Path:
        """The start of every temporary file of one ingestion's build."""
        return self.data_set_dir(account_id, data_set_id) / f".{_segment(ingestion_id)}."

    def build_path(self, account_id: str, data_set_id: str, ingestion_id: str) -> Path:
        prefix = self.build_prefix(account_id, data_set_id, ingestion_id)
        return prefix.with_name(f"{prefix.name}building{SUFFIX}")

    def remove_build_files(self, account_id: str, data_set_id: str, ingestion_id: str) -> None:
        """Delete an ingestion's temporary files (its build, staged CSV, spill files)."""
        prefix = self.build_prefix(account_id, data_set_id, ingestion_id)
        if not prefix.parent.is_dir():
            return
        for path in prefix.parent.glob(f"{prefix.name}*"):
            _remove(path)


def _remove(path: Path) -> None:
    try:
        if path.is_dir():
            for child in path.iterdir():
                _remove(child)
            path.rmdir()
        else:
            path.unlink()
    except FileNotFoundError:
        pass


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_dir(path: Path) -> None:
    """Flush a directory (the names in it: a rename) to disk."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_CURRENT = (
    select(
        spice_versions.c.number,
        spice_versions.c.path,
        spice_versions.c.row_count,
        spice_versions.c.size_bytes,
    )
    .join(
        data_sets,
        and_(
            data_sets.c.account_id == spice_versions.c.account_id,
            data_sets.c.data_set_id == spice_versions.c.data_set_id,
            data_sets.c.spice_version_number == spice_versions.c.number,
        ),
    )
    .where(
        spice_versions.c.account_id == bindparam("account_id"),
        spice_versions.c.data_set_id == bindparam("data_set_id"),
    )
)
"""``SpiceVersions.current``'s statement, built once: every query of a SPICE dataset runs it
(building it each time cost more than running it)."""


class SpiceVersions:
    """The version rows and files of every dataset."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    @staticmethod
    def current(conn: Connection, account_id: str, data_set_id: str) -> SpiceVersion | None:
        """The version queries of the dataset read now (None before the first completed
        ingestion). The path is absolute: any process of the deployment can open it."""
        row = conn.execute(_CURRENT, {"account_id": account_id, "data_set_id": data_set_id}).first()
        if row is None:
            return None
        return SpiceVersion(row.number, Path(row.path), row.row_count, row.size_bytes)

    def publish(
        self,
        conn: Connection,
        *,
        account_id: str,
        data_set_id: str,
        ingestion_id: str,
        build: Path,
        row_count: int,
        now: datetime,
    ) -> SpiceVersion:
        """Make ``build`` the dataset's next version inside ``conn``'s transaction.

        The caller has flushed ``build`` (``fsync_file``, outside the transaction); it is
        renamed before the commit, so a committed row always names a whole file. If the
        transaction then fails, the renamed file is named by no row; the next version takes
        its number and replaces it.
        """
        v = spice_versions.c
        number = (
            1
            + conn.execute(
                select(func.coalesce(func.max(v.number), 0)).where(
                    v.account_id == account_id, v.data_set_id == data_set_id
                )
            ).scalar_one()
        )
        path = self.layout.version_path(account_id, data_set_id, number).resolve()
        size = build.stat().st_size
        conn.execute(
            insert(spice_versions).values(
                account_id=account_id,
                data_set_id=data_set_id,
                number=number,
                path=str(path),
                row_count=row_count,
                size_bytes=size,
                ingestion_id=ingestion_id,
                created=now,
            )
        )
        conn.execute(
            update(data_sets)
            .where(data_sets.c.account_id == account_id, data_sets.c.data_set_id == data_set_id)
            .values(spice_version_number=number)
        )
        os.replace(build, path)
        fsync_dir(path.parent)
        return SpiceVersion(number, path, row_count, size)

    def collect(self, conn: Connection, now: datetime) -> list[Path]:
        """Remove what no reader needs any more, after the grace period; the paths removed.

        A superseded version goes once the version after it is ``GRACE_PERIOD`` old.
        Files that no row names (a deleted dataset's, a publish whose commit failed) go
        once unchanged for as long; the temporary files of a RUNNING ingestion never.
        """
        removed = self._superseded(conn, now)
        referenced = {Path(p) for p in conn.execute(select(spice_versions.c.path)).scalars()}
        running = [
            self.layout.build_prefix(r.account_id, r.data_set_id, r.ingestion_id)
            for r in conn.execute(
                select(
                    ingestions.c.account_id, ingestions.c.data_set_id, ingestions.c.ingestion_id
                ).where(ingestions.c.status == "RUNNING")
            )
        ]
        cutoff = (now - GRACE_PERIOD).timestamp()
        if not self.layout.root.is_dir():
            return removed
        for path in self.layout.root.glob("*/*/*"):
            resolved = path.resolve()
            if resolved in referenced or any(str(path).startswith(str(p)) for p in running):
                continue
            try:
                if path.stat().st_mtime > cutoff:
                    continue
            except FileNotFoundError:
                continue
            _remove(path)
            removed.append(path)
        return removed

    def _superseded(self, conn: Connection, now: datetime) -> list[Path]:
        v = spice_versions.c
        newer = spice_versions.alias("newer")
        stale = conn.execute(
            select(v.account_id, v.data_set_id, v.number, v.path)
            .join(
                data_sets,
                and_(
                    data_sets.c.account_id == v.account_id,
                    data_sets.c.data_set_id == v.data_set_id,
                ),
            )
            .where(
                func.coalesce(data_sets.c.spice_version_number, 0) != v.number,
                select(newer.c.number)
                .where(
                    newer.c.account_id == v.account_id,
                    newer.c.data_set_id == v.data_set_id,
                    newer.c.number > v.number,
                    newer.c.created <= now - GRACE_PERIOD,
                )
                .exists(),
            )
        ).all()
        removed: list[Path] = []
        for row in stale:
            conn.execute(
                delete(spice_versions).where(
                    v.account_id == row.account_id,
                    v.data_set_id == row.data_set_id,
                    v.number == row.number,
                )
            )
            _remove(Path(row.path))
            removed.append(Path(row.path))
            log.info("removed SPICE version %s of %s", row.number, row.data_set_id)
        return removed
