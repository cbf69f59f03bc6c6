"""Use cases of datasets: Create/Describe/List/Update/Delete/Search, their permissions,
and ``DataSetLookup`` for the query engine.

A dataset is checked completely before anything is written: its members in themselves
(``definitions.py``), then against the catalog (its data sources and rules dataset are
this account's, of the right types; DIRECT_QUERY reads one PostgreSQL source), then
against the sources themselves (each ``RelationalTable`` and its columns exist; each
``CustomSql`` is prepared, never run, to learn its columns), then its security settings
against the columns it produces. Only then is it stored, with its permissions, its event
and, for SPICE, its first ingestion, in one transaction: a failure anywhere leaves
nothing behind. The members are stored as given, so Describe returns them member for
member.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.access.permissions import (
    PermissionService,
    Resource,
    ResourcePermission,
    parse_permissions,
)
from sightgate.analytics.data import connectivity, events
from sightgate.analytics.data import tables as t
from sightgate.analytics.data.connectivity import SourceError
from sightgate.analytics.data.definitions import ParsedDataSet, output_columns, parse_request
from sightgate.analytics.data.model import (
    Column,
    ColumnType,
    CustomSql,
    DataSet,
    DataSource,
    DataSourceType,
    FormatVersion,
    ImportMode,
    PhysicalTable,
    RelationalTable,
    S3Source,
    SpiceVersion,
)
from sightgate.analytics.data.resources import (
    CatalogRows,
    PrincipalFilter,
    id_in_arn,
    parse_filters,
    resource_arn,
    shown,
    update_permissions,
    validate_id,
)
from sightgate.analytics.data.sources import DataSourceService
from sightgate.analytics.directory import arns, repository
from sightgate.analytics.directory.repository import page_rows, utc
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page
from sightgate.platform.uow import UnitOfWork

KIND = ResourceType.DATASET
SEARCH_ATTRIBUTES = (
    "QUICKSIGHT_VIEWER_OR_OWNER",
    "QUICKSIGHT_OWNER",
    "DIRECT_QUICKSIGHT_VIEWER_OR_OWNER",
    "DIRECT_QUICKSIGHT_OWNER",
    "DIRECT_QUICKSIGHT_SOLE_OWNER",
)
_RULE_PRINCIPALS = {
    FormatVersion.VERSION_1: ("UserName", "GroupName"),
    FormatVersion.VERSION_2: ("UserARN", "GroupARN"),
}
_RELATIONAL = (DataSourceType.POSTGRESQL, DataSourceType.AURORA_POSTGRESQL)


class StartedIngestion(Protocol):
    """What the catalog answers of an ingestion it started."""

    @property
    def arn(self) -> str: ...

    @property
    def ingestion_id(self) -> str: ...


class IngestionStarter(Protocol):
    """SPICE's ``start``: queue an ingestion of a dataset in the caller's transaction."""

    def start(
        self, uow: UnitOfWork, data_set: DataSet, ingestion_id: str | None, request_type: str
    ) -> StartedIngestion: ...


VersionReader = Callable[[Connection, str, str], SpiceVersion | None]
"""SPICE's ``SpiceVersions.current``: the version a dataset's queries read now."""


@dataclass(frozen=True)
class Saved:
    """A created or updated dataset and the ingestion that imports it (SPICE only)."""

    data_set: DataSet
    ingestion: StartedIngestion | None


class DataSetService:
    """The dataset operations, and ``DataSetLookup`` for the query engine."""

    def __init__(
        self,
        db: Database,
        permissions: PermissionService,
        authorizer: Authorizer,
        sources: DataSourceService,
        *,
        spice: IngestionStarter | None = None,
        versions: VersionReader | None = None,
    ) -> None:
        self.db = db
        self.permissions = permissions
        self.sources = sources
        self.spice = spice
        self.versions = versions
        self.search_filter = PrincipalFilter(permissions, authorizer, KIND)

    # -- commands --------------------------------------------------------------------

    def create(self, account_id: str, request: Mapping[str, Any], *, actor: Actor) -> Saved:
        """CreateDataSet: checked against its sources, then stored with its
        ``Permissions``; a SPICE dataset's first ingestion is queued with it."""
        data_set_id = validate_id(request.get("DataSetId"), "DataSetId")
        granted = parse_permissions(KIND, request.get("Permissions"), "Permissions")
        data_set = self._checked(account_id, data_set_id, parse_request(request), existing=None)
        try:
            with UnitOfWork(self.db, actor) as uow:
                repository.require_account(uow.conn, account_id, lock=True)
                uow.conn.execute(insert(t.data_sets).values(**_row_values(data_set)))
                if granted:
                    self.permissions.update(
                        Resource(account_id, KIND, data_set.arn),
                        grant=granted,
                        actor=actor,
                        uow=uow,
                    )
                uow.emit(events.data_set_event(events.DATA_SET_CREATED, data_set))
                ingestion = self._ingest(uow, data_set, "INITIAL_INGESTION")
        except IntegrityError:  # created by a concurrent request since the check
            raise ConflictError("DataSet", "DataSetId", data_set_id) from None
        return Saved(data_set, ingestion)

    def update(
        self, account_id: str, data_set_id: str, request: Mapping[str, Any], *, actor: Actor
    ) -> Saved:
        """UpdateDataSet: a full replacement of the definition (permissions stay); a
        SPICE dataset is ingested again (``EDIT``)."""
        with self.db.read() as conn:
            existing = _to_data_set(_ROWS.require(conn, account_id, data_set_id))
        data_set = self._checked(account_id, data_set_id, parse_request(request), existing=existing)
        with UnitOfWork(self.db, actor) as uow:
            values = _row_values(data_set)
            values.pop("spice_version_number")  # SPICE's own: the version queries read now
            changed = uow.conn.execute(
                update(t.data_sets).where(*_ROWS.key(account_id, data_set_id)).values(**values)
            ).rowcount
            if not changed:
                raise NotFoundError("DataSet", data_set_id)
            uow.emit(events.data_set_event(events.DATA_SET_UPDATED, data_set))
            ingestion = self._ingest(uow, data_set, "EDIT")
        return Saved(data_set, ingestion)

    def delete(self, account_id: str, data_set_id: str, *, actor: Actor) -> DataSet:
        """DeleteDataSet, with its permissions (and, by cascade, its SPICE records)."""
        with UnitOfWork(self.db, actor) as uow:
            row = _ROWS.delete(uow.conn, account_id, data_set_id)
            data_set = _to_data_set(row)
            self.permissions.delete_resource(uow, data_set.arn)
            uow.emit(events.data_set_event(events.DATA_SET_DELETED, data_set))
        return data_set

    def update_permissions(
        self,
        account_id: str,
        data_set_id: str,
        *,
        grant: Sequence[Any] | None,
        revoke: Sequence[Any] | None,
        actor: Actor,
    ) -> tuple[DataSet, list[ResourcePermission]]:
        """UpdateDataSetPermissions: revoke, then grant, under the dataset's row."""
        return update_permissions(
            self.db,
            self.permissions,
            KIND,
            account_id,
            lambda conn: _to_data_set(_ROWS.require(conn, account_id, data_set_id, lock=True)),
            grant=grant,
            revoke=revoke,
            actor=actor,
        )

    # -- queries ---------------------------------------------------------------------

    def describe(self, account_id: str, data_set_id: str) -> DataSet:
        """DescribeDataSet: the definition as given, its columns, its SPICE version."""
        with self.db.read() as conn:
            return self._with_version(
                conn, _to_data_set(_ROWS.require(conn, account_id, data_set_id))
            )

    def by_arn(self, account_id: str, arn: str) -> DataSet:
        """``DataSetLookup``: the dataset ``arn`` names in ``account_id``, with its
        current SPICE version; ``NotFoundError`` for any other ARN."""
        with self.db.read() as conn:
            region = repository.require_account(conn, account_id).region
            data_set_id = id_in_arn(arn, KIND, account_id, region)
            row = _ROWS.row(conn, account_id, data_set_id) if data_set_id else None
            if row is None:
                raise NotFoundError("DataSet", arn)
            return self._with_version(conn, _to_data_set(row))

    def describe_permissions(
        self, account_id: str, data_set_id: str
    ) -> tuple[DataSet, list[ResourcePermission]]:
        """DescribeDataSetPermissions."""
        data_set = self.describe(account_id, data_set_id)
        return data_set, self.permissions.describe(Resource(account_id, KIND, data_set.arn))

    def list(self, account_id: str, *, limit: int = 100, after: str | None = None) -> Page[DataSet]:
        """ListDataSets in id order, a page at a time."""
        ds = t.data_sets
        with self.db.read() as conn:
            repository.require_account(conn, account_id)
            query = select(ds).where(ds.c.account_id == account_id)
            rows, next_key = page_rows(conn, query, ds.c.data_set_id, limit, after)
        return Page([_to_data_set(row) for row in rows], next_key)

    def search(
        self, account_id: str, filters: object, *, limit: int = 100, after: str | None = None
    ) -> Page[DataSet]:
        """SearchDataSets: by name, or by the principal permissions reach."""
        search = parse_filters(filters, "DATASET_NAME", SEARCH_ATTRIBUTES)
        with self.db.read() as conn:
            rows, next_key = _ROWS.search(
                conn,
                account_id,
                search,
                name_attribute="DATASET_NAME",
                principals=self.search_filter,
                limit=limit,
                after=after,
            )
        return Page([_to_data_set(row) for row in rows], next_key)

    # -- checking --------------------------------------------------------------------

    def _checked(
        self,
        account_id: str,
        data_set_id: str,
        parsed: ParsedDataSet,
        *,
        existing: DataSet | None,
    ) -> DataSet:
        """The dataset ``parsed`` describes, checked against the catalog and its sources."""
        with self.db.read() as conn:
            account = repository.require_account(conn, account_id)
            arn = resource_arn(account.region, account_id, KIND, data_set_id)
            if existing is None and _ROWS.row(conn, account_id, data_set_id) is not None:
                raise ConflictError("DataSet", "DataSetId", data_set_id)
            sources = {
                table_id: self.sources.require(
                    conn,
                    account_id,
                    table.data_source_arn,
                    f"{_where(table_id, table)}.DataSourceArn",
                )
                for table_id, table in parsed.physical_tables.items()
                if table.data_source_arn is not None  # an upload's files need no source
            }
            rules_columns = self._rules_columns(conn, account_id, arn, parsed)
        _check_kinds(parsed, sources)
        physical = self._at_the_sources(account_id, parsed.physical_tables, sources)
        columns = output_columns(physical, parsed.logical_tables)
        names = {column.name for column in columns}
        _check_security(parsed, account_id, names, rules_columns)
        now = datetime.now(UTC)
        return DataSet(
            account_id=account_id,
            data_set_id=data_set_id,
            arn=arn,
            name=parsed.name,
            import_mode=parsed.import_mode,
            physical_tables=physical,
            logical_tables=parsed.logical_tables,
            output_columns=columns,
            row_level_permission_data_set=parsed.row_level_permission_data_set,
            row_level_permission_tag_configuration=parsed.row_level_permission_tag_configuration,
            column_level_permission_rules=parsed.column_level_permission_rules,
            use_as=parsed.use_as,
            definition=_with_discovered_columns(parsed.definition, physical),
            created=existing.created if existing is not None else now,
            updated=now,
        )

    def _rules_columns(
        self, conn: Connection, account_id: str, arn: str, parsed: ParsedDataSet
    ) -> set[str]:
        """The columns of the rules dataset (empty without one); its namespace exists."""
        rls = parsed.row_level_permission_data_set
        if rls is None:
            return set()
        field = "RowLevelPermissionDataSet"
        if rls.arn == arn:
            raise ValidationError(f"{field}.Arn", "a dataset cannot hold its own rules")
        region = arn.split(":")[3]
        rules_id = id_in_arn(rls.arn, KIND, account_id, region)
        row = _ROWS.row(conn, account_id, rules_id) if rules_id else None
        if row is None:
            raise ValidationError(
                f"{field}.Arn", f"{shown(rls.arn)} is not a dataset of account {account_id}"
            )
        if rls.namespace is not None:
            try:
                repository.require_namespace(conn, account_id, rls.namespace)
            except NotFoundError:
                raise ValidationError(
                    f"{field}.Namespace",
                    f"{shown(rls.namespace)} is not a namespace of the account",
                ) from None
        return {column["Name"] for column in row["output_columns"]}

    def _at_the_sources(
        self,
        account_id: str,
        tables: Mapping[str, PhysicalTable],
        sources: Mapping[str, DataSource],
    ) -> dict[str, PhysicalTable]:
        """The physical tables as their sources know them: every relational table and
        column exists; a CustomSql's columns are what the source says it returns."""
        checked: dict[str, PhysicalTable] = dict(tables)
        by_source: dict[str, list[str]] = {}
        for table_id, table in tables.items():
            if not isinstance(table, S3Source):
                by_source.setdefault(sources[table_id].arn, []).append(table_id)
        for source_arn, table_ids in by_source.items():
            first = f"{_where(table_ids[0], tables[table_ids[0]])}.DataSourceArn"
            target = self.sources.postgres(account_id, source_arn)
            try:
                with connectivity.postgres(target) as conn:
                    for table_id in table_ids:
                        checked[table_id] = _at_source(
                            conn, table_id, tables[table_id], target.database
                        )
            except SourceError as error:
                raise ValidationError(
                    first, f"data source {source_arn} cannot be read: {error.info.message}"
                ) from None
        return checked

    def _ingest(
        self, uow: UnitOfWork, data_set: DataSet, request_type: str
    ) -> StartedIngestion | None:
        if self.spice is None or data_set.import_mode is not ImportMode.SPICE:
            return None
        return self.spice.start(uow, data_set, None, request_type)

    def _with_version(self, conn: Connection, data_set: DataSet) -> DataSet:
        if self.versions is None:
            return data_set
        return replace(
            data_set, spice_version=self.versions(conn, data_set.account_id, data_set.data_set_id)
        )


def _at_source(conn: Any, table_id: str, table: PhysicalTable, database: str) -> PhysicalTable:
    where = _where(table_id, table)
    if isinstance(table, RelationalTable):
        if table.catalog is not None and table.catalog != database:
            raise ValidationError(
                f"{where}.Catalog", f"{shown(table.catalog)} is not the source's database"
            )
        found = connectivity.table_columns(conn, table.schema, table.name)
        label = f"{table.schema + '.' if table.schema else ''}{table.name}"
        if found is None:
            raise ValidationError(
                f"{where}.Name", f"table {shown(label)} does not exist at the data source"
            )
        for index, column in enumerate(table.input_columns):
            if column.name not in found:
                raise ValidationError(
                    f"{where}.InputColumns[{index}].Name",
                    f"column {shown(column.name)} does not exist in table {shown(label)}",
                )
        return table
    assert isinstance(table, CustomSql)
    try:
        described = connectivity.query_columns(conn, table.sql_query)
    except SourceError as error:
        raise ValidationError(f"{where}.SqlQuery", error.info.message) from None
    if not table.columns:
        return replace(table, columns=described)
    known = {column.name for column in described}
    for index, column in enumerate(table.columns):
        if column.name not in known:
            raise ValidationError(
                f"{where}.Columns[{index}].Name",
                f"the query returns no column {shown(column.name)}",
            )
    return table


def _check_kinds(parsed: ParsedDataSet, sources: Mapping[str, DataSource]) -> None:
    """Each table reads a source of its kind; DIRECT_QUERY reads one PostgreSQL source."""
    for table_id, table in parsed.physical_tables.items():
        if table_id not in sources:
            continue  # uploaded files
        source = sources[table_id]
        field = f"{_where(table_id, table)}.DataSourceArn"
        if isinstance(table, S3Source) and source.type is not DataSourceType.S3:
            raise ValidationError(
                field, f"{source.arn} is a {source.type.value} data source, not S3"
            )
        if not isinstance(table, S3Source) and source.type not in _RELATIONAL:
            raise ValidationError(
                field, f"{source.arn} is an S3 data source: read its files with an S3Source"
            )
    if parsed.import_mode is not ImportMode.DIRECT_QUERY:
        return
    if any(isinstance(table, S3Source) for table in parsed.physical_tables.values()):
        raise ValidationError(
            "ImportMode", "DIRECT_QUERY reads PostgreSQL sources only: import S3 files into SPICE"
        )
    if len({source.arn for source in sources.values()}) > 1:
        raise ValidationError(
            "ImportMode", "DIRECT_QUERY reads one data source: import several into SPICE"
        )


def _check_security(
    parsed: ParsedDataSet, account_id: str, names: set[str], rules_columns: set[str]
) -> None:
    """RLS rules datasets, tag rules and CLS rules against the dataset's columns."""
    rls = parsed.row_level_permission_data_set
    if rls is not None:
        principals = _RULE_PRINCIPALS[rls.format_version]
        if not rules_columns & set(principals):
            raise ValidationError(
                "RowLevelPermissionDataSet.Arn",
                f"the rules dataset has neither a {principals[0]} nor a {principals[1]} column "
                f"({rls.format_version.value})",
            )
        lacking = sorted(rules_columns - set(principals) - names)
        if lacking:
            raise ValidationError(
                "RowLevelPermissionDataSet.Arn",
                f"the rules dataset has column {shown(lacking[0])}, which this dataset lacks",
            )
    tags = parsed.row_level_permission_tag_configuration
    for index, rule in enumerate(tags.tag_rules if tags else ()):
        if rule.column_name not in names:
            raise ValidationError(
                f"RowLevelPermissionTagConfiguration.TagRules[{index}].ColumnName",
                f"{shown(rule.column_name)} is not a column of the dataset",
            )
    for index, cls_rule in enumerate(parsed.column_level_permission_rules):
        at = f"ColumnLevelPermissionRules[{index}]"
        for position, column in enumerate(cls_rule.column_names):
            if column not in names:
                raise ValidationError(
                    f"{at}.ColumnNames[{position}]",
                    f"{shown(column)} is not a column of the dataset",
                )
        for position, principal in enumerate(cls_rule.principals):
            _check_principal(principal, account_id, f"{at}.Principals[{position}]")


def _check_principal(principal: str, account_id: str, field: str) -> None:
    try:
        parsed = arns.parse_arn(principal)
    except ValidationError:
        parsed = None
    if (
        parsed is None
        or parsed.type is arns.ResourceType.NAMESPACE
        or parsed.account_id != account_id
    ):
        raise ValidationError(
            field, f"{shown(principal)} is not a user or group ARN of account {account_id}"
        )


def _where(table_id: str, table: PhysicalTable) -> str:
    return f"PhysicalTableMap.{table_id}.{type(table).__name__}"


def _with_discovered_columns(
    definition: Mapping[str, Any], physical: Mapping[str, PhysicalTable]
) -> dict[str, Any]:
    """The definition with each CustomSql's ``Columns`` as the source gave them when the
    request left them out (Describe shows them, and a stored definition parses whole)."""
    stored = dict(definition)
    tables = copy.deepcopy(stored["PhysicalTableMap"])
    for table_id, table in physical.items():
        entry = tables[table_id].get("CustomSql")
        if isinstance(table, CustomSql) and entry is not None and not entry.get("Columns"):
            entry["Columns"] = [{"Name": c.name, "Type": c.type.value} for c in table.columns]
    stored["PhysicalTableMap"] = tables
    return stored


# -- rows ------------------------------------------------------------------------------


_ROWS = CatalogRows(t.data_sets, t.data_sets.c.data_set_id, "DataSet")


def _row_values(data_set: DataSet) -> dict[str, Any]:
    return {
        "account_id": data_set.account_id,
        "data_set_id": data_set.data_set_id,
        "arn": data_set.arn,
        "name": data_set.name,
        "import_mode": data_set.import_mode.value,
        "definition": dict(data_set.definition),
        "output_columns": [{"Name": c.name, "Type": c.type.value} for c in data_set.output_columns],
        "use_as": data_set.use_as,
        "created": data_set.created,
        "updated": data_set.updated,
        "spice_version_number": None,
    }


def _to_data_set(row: RowMapping) -> DataSet:
    """A dataset from its row: the stored definition parsed again (it was checked when
    written), with the columns computed then."""
    parsed = parse_request(row["definition"])
    return DataSet(
        account_id=row["account_id"],
        data_set_id=row["data_set_id"],
        arn=row["arn"],
        name=row["name"],
        import_mode=ImportMode(row["import_mode"]),
        physical_tables=parsed.physical_tables,
        logical_tables=parsed.logical_tables,
        output_columns=tuple(
            Column(c["Name"], ColumnType(c["Type"])) for c in row["output_columns"]
        ),
        row_level_permission_data_set=parsed.row_level_permission_data_set,
        row_level_permission_tag_configuration=parsed.row_level_permission_tag_configuration,
        column_level_permission_rules=parsed.column_level_permission_rules,
        use_as=row["use_as"],
        definition=row["definition"],
        created=utc(row["created"]),
        updated=utc(row["updated"]),
    )
