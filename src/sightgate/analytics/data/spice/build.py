"""A build: one ingestion's new SPICE version, written to a temporary DuckDB file.

Each physical table is staged as a view over local files (``staging.py``), then one
statement, ``CREATE TABLE data AS <the dataset's relation>``, reads them all: DuckDB
parses, converts, joins and transforms in a single parallel pass, with nothing
materialised twice. The relation is the query engine's ``dataset_relation`` rendered for
DuckDB over the staging views. ``stop`` (another thread: a cancel, a shutdown) interrupts
whatever runs; the caller removes the temporary files of a build that did not finish.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlglot import exp

from sightgate.analytics.data.model import DataSet, ErrorInfo
from sightgate.analytics.data.query.plan import dataset_relation
from sightgate.analytics.data.spice.model import Progress
from sightgate.analytics.data.spice.staging import (
    SpiceSources,
    StagedTable,
    StagingContext,
    StagingFailed,
    StagingStopped,
    stage,
)
from sightgate.analytics.data.spice.versions import Layout
from sightgate.platform.errors import ValidationError

if TYPE_CHECKING:
    import duckdb

MAX_MESSAGE = 500


class BuildFailed(Exception):
    """The build cannot produce a version; ``info`` is the ingestion's ``ErrorInfo``."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info


class BuildStopped(Exception):
    """``Build.stop`` was called before the build finished."""


@dataclass(frozen=True)
class BuildResult:
    path: Path
    """The finished temporary file (``versions.publish`` renames it)."""
    rows: int
    rows_dropped: int


@dataclass(frozen=True)
class BuildLimits:
    max_bytes: int
    """The most input one ingestion may read (files, downloads, copied rows)."""
    threads: int | None = None
    """DuckDB threads for the build (None: DuckDB's default, one per core)."""


class Build:
    """The build of one ingestion; ``run`` on one thread, ``stop`` and ``progress`` from
    any other."""

    def __init__(
        self,
        data_set: DataSet,
        ingestion_id: str,
        layout: Layout,
        sources: SpiceSources,
        limits: BuildLimits,
    ) -> None:
        self.data_set = data_set
        self.path = layout.build_path(data_set.account_id, data_set.data_set_id, ingestion_id)
        self._prefix = layout.build_prefix(data_set.account_id, data_set.data_set_id, ingestion_id)
        self._sources = sources
        self._limits = limits
        self._stop = threading.Event()
        self._rows = 0
        self._lock = threading.Lock()
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._building = False

    def stop(self) -> None:
        """Stop the build as soon as it can (it then raises ``BuildStopped``)."""
        self._stop.set()
        with self._lock:
            if self._duck is not None:
                self._duck.interrupt()

    def progress(self) -> Progress:
        """Rows staged so far, and the fraction of the final statement done."""
        with self._lock:
            fraction = None
            if self._building and self._duck is not None:
                percent = self._duck.query_progress()
                fraction = min(1.0, percent / 100) if percent >= 0 else None
            return Progress(self._rows, fraction)

    def run(self) -> BuildResult:
        """Write the version file; ``BuildFailed`` or ``BuildStopped`` if it cannot."""
        import duckdb

        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        config: dict[str, str | bool | int | float | list[str]] = {
            "preserve_insertion_order": False,
            "temp_directory": f"{self._prefix}spill",
        }
        if self._limits.threads:
            config["threads"] = self._limits.threads
        try:
            duck = duckdb.connect(str(self.path), config=config)
        except duckdb.Error as error:
            raise BuildFailed(_failure("INTERNAL_SERVICE_ERROR", error)) from None
        with self._lock:
            self._duck = duck
        try:
            return self._run(duck)
        except duckdb.InterruptException:
            raise BuildStopped from None
        except StagingStopped:
            raise BuildStopped from None
        except StagingFailed as error:
            raise BuildFailed(error.info) from None
        except duckdb.Error as error:
            if self._stop.is_set():
                raise BuildStopped from None
            raise BuildFailed(_failure("CUSTOMER_ERROR", error)) from None
        finally:
            with self._lock:
                self._duck = None
                self._building = False
            duck.close()

    def _run(self, duck: duckdb.DuckDBPyConnection) -> BuildResult:
        ctx = StagingContext(
            account_id=self.data_set.account_id,
            prefix=self._prefix,
            max_bytes=self._limits.max_bytes,
            stop=self._stop,
            sources=self._sources,
            add_rows=self._add_rows,
        )
        staged: dict[str, StagedTable] = {}
        for index, (table_id, table) in enumerate(self.data_set.physical_tables.items()):
            self._check_stop()
            staged[table_id] = stage(duck, index, table, ctx)
        relation = _relation(self.data_set, staged)
        self._check_stop()
        with self._lock:
            self._building = True
        create = exp.Create(this=exp.to_table("data"), kind="TABLE", expression=relation)
        duck.execute(create.sql(dialect="duckdb"))
        with self._lock:
            self._building = False
        self._check_stop()
        rows = _count(duck)
        dropped = sum(staged_table.dropped(duck) for staged_table in staged.values())
        for staged_table in staged.values():
            drop = exp.Drop(tables=[exp.to_table(staged_table.view)], kind="VIEW")
            duck.execute(drop.sql(dialect="duckdb"))
        duck.execute("CHECKPOINT")
        with self._lock:
            self._rows = rows
        return BuildResult(self.path, rows, dropped)

    def _add_rows(self, rows: int) -> None:
        with self._lock:
            self._rows += rows

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise BuildStopped


def _count(duck: duckdb.DuckDBPyConnection) -> int:
    row = duck.execute("SELECT count(*) FROM data").fetchone()
    return int(row[0]) if row else 0


def _relation(data_set: DataSet, staged: Mapping[str, StagedTable]) -> exp.Select:
    """The dataset's rows (its joins and transforms) over the staging views."""
    try:
        return dataset_relation(data_set, lambda table_id, _: exp.to_table(staged[table_id].view))
    except ValidationError as error:
        raise BuildFailed(
            ErrorInfo("INVALID_DATAPREP_SYNTAX", error.message[:MAX_MESSAGE])
        ) from None


def _failure(kind: str, error: Exception) -> ErrorInfo:
    text = str(error).strip().splitlines()
    return ErrorInfo(kind, (text[0] if text else type(error).__name__)[:MAX_MESSAGE])
