"""Small in-memory stand-ins for the catalog (the ports), and builders for datasets,
viewers and SPICE version files, shared by the query engine's tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import duckdb

from sightgate.analytics.data.model import (
    Column,
    ColumnType,
    DataSet,
    ImportMode,
    LogicalTable,
    PermissionPolicy,
    PhysicalTable,
    PostgresConnection,
    RelationalTable,
    RowLevelPermissionDataSet,
    SpiceVersion,
    Value,
)
from sightgate.analytics.data.query.service import QueryService
from sightgate.analytics.directory.model import Role
from sightgate.analytics.principals.model import GroupRef, UserPrincipal
from sightgate.config import Settings
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError
from sightgate.platform.execution import Execution

ACCOUNT = "111122223333"
SOURCE_ARN = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:datasource/pg"

S = ColumnType.STRING
I = ColumnType.INTEGER  # noqa: E741
D = ColumnType.DECIMAL
T = ColumnType.DATETIME


def columns(**types: ColumnType) -> tuple[Column, ...]:
    return tuple(Column(name, type_) for name, type_ in types.items())


def data_set_arn(data_set_id: str) -> str:
    return f"arn:aws:quicksight:us-east-1:{ACCOUNT}:dataset/{data_set_id}"


def table_data_set(
    data_set_id: str,
    cols: Sequence[Column],
    *,
    mode: ImportMode = ImportMode.SPICE,
    table: str | None = None,
    physical: PhysicalTable | None = None,
    logical: Mapping[str, LogicalTable] | None = None,
    **extra: Any,
) -> DataSet:
    """A dataset of one table (``table`` at the PostgreSQL source, by default named like
    the dataset) with ``cols`` as its input and output columns."""
    physical = physical or RelationalTable(SOURCE_ARN, "public", table or data_set_id, tuple(cols))
    return DataSet(
        account_id=ACCOUNT,
        data_set_id=data_set_id,
        arn=data_set_arn(data_set_id),
        name=data_set_id,
        import_mode=mode,
        physical_tables={"p": physical},
        logical_tables=logical or {"l": LogicalTable(alias=data_set_id, physical_table_id="p")},
        output_columns=tuple(cols),
        **extra,
    )


def spice_file(path: Path, cols: Sequence[Column], rows: Iterable[Sequence[Value]]) -> SpiceVersion:
    """A SPICE version file at ``path`` holding ``rows`` in table ``data``."""
    sql_types = {S: "VARCHAR", I: "BIGINT", D: "DOUBLE", T: "TIMESTAMP"}
    rows = list(rows)
    conn = duckdb.connect(str(path))
    try:
        definition = ", ".join(f'"{c.name}" {sql_types[c.type]}' for c in cols)
        conn.execute(f"CREATE TABLE data ({definition})")
        if rows:
            marks = ", ".join("?" for _ in cols)
            insert = f"INSERT INTO data VALUES ({marks})"  # noqa: S608 (no values in it)
            conn.executemany(insert, [list(r) for r in rows])
    finally:
        conn.close()
    return SpiceVersion(number=1, path=path, row_count=len(rows), size_bytes=path.stat().st_size)


def spice_data_set(
    directory: Path,
    data_set_id: str,
    cols: Sequence[Column],
    rows: Iterable[Sequence[Value]],
    **extra: Any,
) -> DataSet:
    """A SPICE dataset whose current version holds ``rows``."""
    version = spice_file(directory / f"{data_set_id}.duckdb", cols, rows)
    return replace(table_data_set(data_set_id, cols, **extra), spice_version=version)


@dataclass
class Catalog:
    """The ports, from dicts."""

    data_sets: dict[str, DataSet] = field(default_factory=dict)
    sources: dict[str, PostgresConnection] = field(default_factory=dict)

    def add(self, *data_sets: DataSet) -> None:
        for data_set in data_sets:
            self.data_sets[data_set.arn] = data_set

    def by_arn(self, account_id: str, arn: str) -> DataSet:
        data_set = self.data_sets.get(arn)
        if data_set is None or data_set.account_id != account_id:
            raise NotFoundError("dataset", arn)
        return data_set

    def postgres(self, account_id: str, data_source_arn: str) -> PostgresConnection:
        source = self.sources.get(data_source_arn)
        if source is None:
            raise NotFoundError("data source", data_source_arn)
        return source


@dataclass(frozen=True)
class Table:
    """Columns and rows of a SPICE dataset to make."""

    cols: Sequence[Column]
    rows: Sequence[Sequence[Value]]


def secured_sales(
    directory: Path, catalog: Catalog, sales: Table, rules: Table, **extra: Any
) -> DataSet:
    """A SPICE ``sales`` dataset whose rows a SPICE ``rules`` dataset grants (both added
    to ``catalog``)."""
    rules_set = spice_data_set(directory, "rules", rules.cols, rules.rows, use_as="RLS_RULES")
    secured = spice_data_set(
        directory,
        "sales",
        sales.cols,
        sales.rows,
        row_level_permission_data_set=RowLevelPermissionDataSet(
            rules_set.arn, PermissionPolicy.GRANT_ACCESS
        ),
        **extra,
    )
    catalog.add(rules_set, secured)
    return secured


class _NoStore:
    """Execution needs a store only for the store's costs; queries never use it."""

    embedded = False


def service(catalog: Catalog, **settings: Any) -> QueryService:
    execution = Execution(cast(Database, _NoStore()), analytical_workers=2)
    return QueryService(catalog, catalog, Settings(**settings), execution)


def user(
    name: str,
    *groups: str,
    namespace: str = "default",
    allowed: bool = True,
) -> UserPrincipal:
    """A viewer named ``name`` in ``groups`` (names; ARNs derived from them)."""
    prefix = f"arn:aws:quicksight:us-east-1:{ACCOUNT}"
    return UserPrincipal(
        account_id=ACCOUNT,
        region="us-east-1",
        namespace=namespace,
        namespace_id=namespace,
        namespace_arn=f"{prefix}:namespace/{namespace}",
        user_id=f"id-{name}",
        user_name=name,
        arn=user_arn(name, namespace),
        role=Role.READER,
        identity_store_user_id=None,
        groups=tuple(
            GroupRef(f"gid-{group}", group, group_arn(group, namespace)) for group in groups
        ),
        allowed=allowed,
        reason="" if allowed else "deactivated",
        scopes=(),
    )


def user_arn(name: str, namespace: str = "default") -> str:
    return f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/{namespace}/{name}"


def group_arn(name: str, namespace: str = "default") -> str:
    return f"arn:aws:quicksight:us-east-1:{ACCOUNT}:group/{namespace}/{name}"
