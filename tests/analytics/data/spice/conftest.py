"""Fixtures of the SPICE tests: datasets stored as the catalog stores them (rows written
here, parsed values looked up by ARN), a runner, and files to ingest."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from sightgate.analytics.data.connectivity import S3Connection
from sightgate.analytics.data.model import (
    Column,
    ColumnType,
    DataSet,
    ImportMode,
    LogicalTable,
    PhysicalTable,
    PostgresConnection,
    S3Source,
    UploadSettings,
)
from sightgate.analytics.data.spice.build import BuildLimits
from sightgate.analytics.data.spice.runner import IngestionRunner
from sightgate.analytics.data.spice.service import SpiceService
from sightgate.analytics.data.spice.versions import Layout, SpiceVersions
from sightgate.analytics.data.tables import data_sets
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError
from tests.analytics.conftest import ACCOUNT, REGION

SALES_COLUMNS = (
    Column("id", ColumnType.INTEGER),
    Column("customer", ColumnType.STRING),
    Column("revenue", ColumnType.DECIMAL),
    Column("sold", ColumnType.DATETIME),
)


@dataclass
class Catalog:
    """The catalog's side as SPICE sees it: datasets by ARN, and source connections."""

    db: Database
    data_sets: dict[str, DataSet] = field(default_factory=dict)
    postgres_sources: dict[str, PostgresConnection] = field(default_factory=dict)

    def by_arn(self, account_id: str, arn: str) -> DataSet:
        found = self.data_sets.get(arn)
        if found is None or found.account_id != account_id:
            raise NotFoundError("DataSet", arn)
        return found

    def postgres(self, account_id: str, data_source_arn: str) -> PostgresConnection:
        if data_source_arn not in self.postgres_sources:
            raise NotFoundError("DataSource", data_source_arn)
        return self.postgres_sources[data_source_arn]

    def s3(self, account_id: str, data_source_arn: str) -> S3Connection:
        raise NotFoundError("DataSource", data_source_arn)

    def add(
        self,
        data_set_id: str,
        tables: Mapping[str, PhysicalTable],
        *,
        import_mode: ImportMode = ImportMode.SPICE,
        columns: tuple[Column, ...] = SALES_COLUMNS,
    ) -> DataSet:
        """Store a dataset whose one logical table is its first physical table."""
        arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dataset/{data_set_id}"
        first = next(iter(tables))
        data_set = DataSet(
            account_id=ACCOUNT,
            data_set_id=data_set_id,
            arn=arn,
            name=data_set_id,
            import_mode=import_mode,
            physical_tables=dict(tables),
            logical_tables={"main": LogicalTable("main", physical_table_id=first)},
            output_columns=columns,
        )
        now = datetime.now(UTC)
        with self.db.write() as conn:
            conn.execute(
                insert(data_sets).values(
                    account_id=ACCOUNT,
                    data_set_id=data_set_id,
                    arn=arn,
                    name=data_set_id,
                    import_mode=import_mode.value,
                    definition={},
                    output_columns=[{"Name": c.name, "Type": c.type.value} for c in columns],
                    created=now,
                    updated=now,
                )
            )
        self.data_sets[arn] = data_set
        return data_set

    def upload(
        self, data_set_id: str, *files: Path, settings: UploadSettings | None = None
    ) -> DataSet:
        """A dataset of uploaded files (``datasets upload``)."""
        source = S3Source(None, settings or UploadSettings(), SALES_COLUMNS, tuple(files))
        return self.add(data_set_id, {"upload": source})


def write_sales(path: Path, rows: int, *, bad: int = 0) -> Path:
    """A CSV of ``rows`` sales, and ``bad`` more whose revenue is no number."""
    with path.open("w") as out:
        out.write("id,customer,revenue,sold\n")
        for n in range(rows):
            customer = "red_customer" if n % 2 else "blue_customer"
            out.write(f"{n},{customer},{n * 1.5},2024-01-{n % 28 + 1:02d} 10:00:00\n")
        for n in range(bad):
            out.write(f"{rows + n},bad,not-a-number,2024-01-01\n")
    return path


@pytest.fixture
def catalog(db: Database, account: AccountSubscription) -> Catalog:
    return Catalog(db)


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "spice")


@pytest.fixture
def spice(db: Database) -> SpiceService:
    return SpiceService(db)


def make_runner(
    db: Database, layout: Layout, catalog: Catalog, max_bytes: int = 1 << 30
) -> IngestionRunner:
    return IngestionRunner(
        db, SpiceVersions(layout), catalog, catalog, BuildLimits(max_bytes, threads=2)
    )


@pytest.fixture
def runner(db: Database, layout: Layout, catalog: Catalog) -> Iterator[IngestionRunner]:
    made = make_runner(db, layout, catalog)
    yield made
    made.close()
