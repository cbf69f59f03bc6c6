"""The data context's values: data sources, datasets (their physical and logical tables,
row- and column-level security), SPICE versions, and the queries the engine answers.

Plain frozen values, no I/O. The catalog (``sources.py``, ``datasets.py``) parses the API's
dicts into them and validates them; the query engine (``query/``) compiles them to SQL;
SPICE (``spice/``) ingests them. The API dict a dataset was created from is kept beside
its parsed form (``DataSet.definition``), so Describe returns it member for member.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

Value = str | int | float | bool | datetime | None
"""A cell, a bound parameter or a filter value."""


class ColumnType(StrEnum):
    """QuickSight's column types (``InputColumn.Type``; ``OutputColumn.Type`` uses the
    first four plus BIT and BOOLEAN)."""

    STRING = "STRING"
    INTEGER = "INTEGER"
    DECIMAL = "DECIMAL"
    DATETIME = "DATETIME"
    BIT = "BIT"
    BOOLEAN = "BOOLEAN"
    JSON = "JSON"


@dataclass(frozen=True)
class Column:
    """A named, typed column."""

    name: str
    type: ColumnType


# -- data sources -------------------------------------------------------------------------


class DataSourceType(StrEnum):
    """The data source types sightgate connects to (QuickSight has more; others are
    refused with ``InvalidParameterValueException``)."""

    POSTGRESQL = "POSTGRESQL"
    AURORA_POSTGRESQL = "AURORA_POSTGRESQL"
    S3 = "S3"


class ResourceStatus(StrEnum):
    """QuickSight's ``ResourceStatus`` as data sources use it."""

    CREATION_IN_PROGRESS = "CREATION_IN_PROGRESS"
    CREATION_SUCCESSFUL = "CREATION_SUCCESSFUL"
    CREATION_FAILED = "CREATION_FAILED"
    UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
    UPDATE_SUCCESSFUL = "UPDATE_SUCCESSFUL"
    UPDATE_FAILED = "UPDATE_FAILED"
    DELETED = "DELETED"


@dataclass(frozen=True)
class ErrorInfo:
    """``DataSourceErrorInfo`` / an ingestion's ``ErrorInfo``: a type and a message that
    names the problem (never a credential, never a cell value)."""

    type: str
    message: str


NO_PASSFILE = "/nonexistent/sightgate/.pgpass"


@dataclass(frozen=True)
class PostgresConnection:
    """How to reach a PostgreSQL source. ``password`` is decrypted only to connect."""

    host: str
    port: int
    database: str
    user: str | None
    password: str | None
    ssl: bool

    def __repr__(self) -> str:  # never print the password
        return f"PostgresConnection({self.user}@{self.host}:{self.port}/{self.database})"

    def keywords(self) -> dict[str, Any]:
        """libpq's connection keywords (never a connection string built from values).

        ``passfile`` names a file that cannot exist, so libpq never falls back on the
        server's own ``~/.pgpass``; ``/dev/null`` would do the same but makes libpq warn
        that it is not a plain file."""
        return {
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
            "user": self.user,
            "password": self.password,
            "sslmode": "require" if self.ssl else "disable",
            "passfile": NO_PASSFILE,
        }


@dataclass(frozen=True)
class S3Location:
    """Where an S3 source's manifest lives (``S3Parameters.ManifestFileLocation``)."""

    bucket: str
    key: str


@dataclass(frozen=True)
class DataSource:
    """A data source as Describe shows it (credentials are never part of it)."""

    account_id: str
    data_source_id: str
    arn: str
    name: str
    type: DataSourceType
    parameters: Mapping[str, Any]
    """``DataSourceParameters`` as given (one member, e.g. ``PostgreSqlParameters``)."""
    ssl_disabled: bool
    status: ResourceStatus
    error: ErrorInfo | None
    created: datetime
    updated: datetime


# -- datasets: physical tables ------------------------------------------------------------


class ImportMode(StrEnum):
    SPICE = "SPICE"
    DIRECT_QUERY = "DIRECT_QUERY"


@dataclass(frozen=True)
class RelationalTable:
    """A table (or view) of a relational source."""

    data_source_arn: str
    schema: str | None
    name: str
    input_columns: tuple[Column, ...]
    catalog: str | None = None


@dataclass(frozen=True)
class CustomSql:
    """A read-only query of a relational source, run as the source's own dialect."""

    data_source_arn: str
    name: str
    sql_query: str
    columns: tuple[Column, ...]


class FileFormat(StrEnum):
    CSV = "CSV"
    TSV = "TSV"
    JSON = "JSON"
    PARQUET = "PARQUET"  # ``datasets upload`` only; the S3 API's UploadSettings has no PARQUET


@dataclass(frozen=True)
class UploadSettings:
    """``S3Source.UploadSettings``: how to read the files."""

    format: FileFormat = FileFormat.CSV
    start_from_row: int = 1
    contains_header: bool = True
    text_qualifier: str = '"'
    delimiter: str = ","


@dataclass(frozen=True)
class S3Source:
    """Files named by an S3 source's manifest (or, for an uploaded dataset, ``local_files``
    staged by ``datasets upload``)."""

    data_source_arn: str | None
    upload_settings: UploadSettings
    input_columns: tuple[Column, ...]
    local_files: tuple[Path, ...] = ()


PhysicalTable = RelationalTable | CustomSql | S3Source


# -- datasets: logical tables -------------------------------------------------------------


class JoinType(StrEnum):
    INNER = "INNER"
    LEFT = "LEFT"
    RIGHT = "RIGHT"
    OUTER = "OUTER"


@dataclass(frozen=True)
class JoinInstruction:
    """Two logical (or physical) tables joined on a calculated-field condition."""

    left_operand: str
    right_operand: str
    type: JoinType
    on_clause: str


@dataclass(frozen=True)
class ProjectOperation:
    projected_columns: tuple[str, ...]


@dataclass(frozen=True)
class FilterOperation:
    condition_expression: str


@dataclass(frozen=True)
class CalculatedColumn:
    column_name: str
    column_id: str
    expression: str


@dataclass(frozen=True)
class CreateColumnsOperation:
    columns: tuple[CalculatedColumn, ...]


@dataclass(frozen=True)
class RenameColumnOperation:
    column_name: str
    new_column_name: str


@dataclass(frozen=True)
class CastColumnTypeOperation:
    column_name: str
    new_column_type: ColumnType
    format: str | None = None


@dataclass(frozen=True)
class TagColumnOperation:
    """Geographic and description tags: metadata only, they change no value."""

    column_name: str
    tags: tuple[Mapping[str, Any], ...]


Transform = (
    ProjectOperation
    | FilterOperation
    | CreateColumnsOperation
    | RenameColumnOperation
    | CastColumnTypeOperation
    | TagColumnOperation
)


@dataclass(frozen=True)
class LogicalTable:
    """A ``LogicalTable``: a source (a physical table id, a join, or another dataset's
    ARN) and the transforms applied to it in order."""

    alias: str
    physical_table_id: str | None = None
    join: JoinInstruction | None = None
    data_set_arn: str | None = None
    transforms: tuple[Transform, ...] = ()


# -- datasets: security -------------------------------------------------------------------


class PermissionPolicy(StrEnum):
    GRANT_ACCESS = "GRANT_ACCESS"
    DENY_ACCESS = "DENY_ACCESS"


class FormatVersion(StrEnum):
    VERSION_1 = "VERSION_1"
    """Rules name users and groups (``UserName``, ``GroupName``) in ``namespace``."""
    VERSION_2 = "VERSION_2"
    """Rules name users and groups by ARN (``UserARN``, ``GroupARN``)."""


@dataclass(frozen=True)
class RowLevelPermissionDataSet:
    """Which dataset holds this dataset's row rules, and how to read them."""

    arn: str
    permission_policy: PermissionPolicy
    format_version: FormatVersion = FormatVersion.VERSION_1
    namespace: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class TagRule:
    tag_key: str
    column_name: str
    tag_multi_value_delimiter: str | None = None
    match_all_value: str | None = None


@dataclass(frozen=True)
class RowLevelPermissionTagConfiguration:
    """Tag rules for anonymous sessions: ``tag_rule_configurations`` lists sets of tag
    keys (OR across sets, AND within one); empty means all ``tag_rules`` AND-ed."""

    tag_rules: tuple[TagRule, ...]
    tag_rule_configurations: tuple[tuple[str, ...], ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class ColumnLevelPermissionRule:
    """``column_names`` are visible only to ``principals`` (user or group ARNs) — and to
    the principals of any other rule naming the same column."""

    principals: tuple[str, ...]
    column_names: tuple[str, ...]


# -- datasets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    """A dataset: its parsed definition and the API dict it was created from."""

    account_id: str
    data_set_id: str
    arn: str
    name: str
    import_mode: ImportMode
    physical_tables: Mapping[str, PhysicalTable]
    logical_tables: Mapping[str, LogicalTable]
    output_columns: tuple[Column, ...]
    row_level_permission_data_set: RowLevelPermissionDataSet | None = None
    row_level_permission_tag_configuration: RowLevelPermissionTagConfiguration | None = None
    column_level_permission_rules: tuple[ColumnLevelPermissionRule, ...] = ()
    use_as: str | None = None
    definition: Mapping[str, Any] = field(default_factory=dict)
    """The Create/UpdateDataSet request's members as given (what Describe returns)."""
    created: datetime | None = None
    updated: datetime | None = None
    spice_version: SpiceVersion | None = None
    """The SPICE version queries read now (None: no ingestion has completed yet)."""


@dataclass(frozen=True)
class SpiceVersion:
    """One immutable import of a SPICE dataset: a DuckDB file holding table ``data``."""

    number: int
    path: Path
    row_count: int
    size_bytes: int


# -- queries ------------------------------------------------------------------------------


class SortDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True)
class Field:
    """One output column of a query: a calculated-field expression (``{revenue}``,
    ``sum({revenue})``, ``truncDate('MM', {order_date})``) and the name it is returned
    under."""

    name: str
    expression: str


class PredicateOperator(StrEnum):
    EQUALS = "EQUALS"
    DOES_NOT_EQUAL = "DOES_NOT_EQUAL"
    IN = "IN"
    NOT_IN = "NOT_IN"
    CONTAINS = "CONTAINS"
    DOES_NOT_CONTAIN = "DOES_NOT_CONTAIN"
    STARTS_WITH = "STARTS_WITH"
    ENDS_WITH = "ENDS_WITH"
    LESS_THAN = "LESS_THAN"
    LESS_THAN_OR_EQUAL = "LESS_THAN_OR_EQUAL"
    GREATER_THAN = "GREATER_THAN"
    GREATER_THAN_OR_EQUAL = "GREATER_THAN_OR_EQUAL"
    BETWEEN = "BETWEEN"
    IS_NULL = "IS_NULL"
    IS_NOT_NULL = "IS_NOT_NULL"


@dataclass(frozen=True)
class Predicate:
    """A filter whose values come from a person (a filter control, a URL parameter):
    the values are always bound, never written into the expression."""

    expression: str
    operator: PredicateOperator
    values: tuple[Value, ...] = ()
    on_aggregate: bool = False
    """True: applied after grouping (HAVING), e.g. on ``sum({revenue})``."""


@dataclass(frozen=True)
class Sort:
    field: str
    """The ``Field.name`` to sort by."""
    direction: SortDirection = SortDirection.ASC


@dataclass(frozen=True)
class LogicalQuery:
    """What a visual, a preview or an API asks of a dataset.

    With no aggregate in ``fields``, rows are returned as they are (``group_by`` empty);
    otherwise the non-aggregate fields are the grouping. ``parameters`` give the values
    of ``${Name}`` references (bound, like every value).
    """

    fields: tuple[Field, ...]
    predicates: tuple[Predicate, ...] = ()
    conditions: tuple[str, ...] = ()
    """Boolean calculated-field expressions (may reference ``${Parameter}``)."""
    sort: tuple[Sort, ...] = ()
    limit: int | None = None
    parameters: Mapping[str, Value | tuple[Value, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class AnonymousViewer:
    """An anonymous embed session: a namespace and the session tags that drive the
    datasets' tag rules (no user, no groups)."""

    account_id: str
    namespace: str
    tags: Mapping[str, str]


@dataclass(frozen=True)
class MatchedRule:
    """A row-level rule that applied to the viewer, for ``--explain``."""

    via: str
    """``user <name>``, ``group <name>``, ``tag <key>``."""
    values: Mapping[str, str | None]


@dataclass(frozen=True)
class Explanation:
    """Why a viewer saw what they saw: the rules that matched, the columns withheld, and
    the SQL that ran with its bound parameters."""

    matched_rules: tuple[MatchedRule, ...]
    restricted_columns: tuple[str, ...]
    sql: str
    parameters: tuple[Value, ...]


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[Column, ...]
    rows: list[tuple[Value, ...]]
    explanation: Explanation | None = None

    @property
    def row_count(self) -> int:
        return len(self.rows)
