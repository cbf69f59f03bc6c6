"""Staging: each physical table of a dataset as a relation of the build's DuckDB database.

Every source ends up as local files read by DuckDB's own readers, with the dataset's
column types given explicitly (never sniffed), under a view ``stage_<n>``:

- uploaded files (``S3Source.local_files``): read where they are;
- S3 sources: the manifest's objects, downloaded beside the build with botocore;
- PostgreSQL tables and custom SQL: ``COPY (SELECT …) TO STDOUT`` as CSV into a file, in a
  read-only session.

A row whose value does not convert to its column's type is dropped and counted, as
QuickSight does (``RowsDropped``): CSV through DuckDB's rejects tables, JSON and Parquet
by a ``TRY_CAST`` filter. Every statement is built as a sqlglot tree; names, paths and
options are literals or quoted identifiers of that tree.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlglot import exp

from sightgate.analytics.data.connectivity import S3Connection, SourceError
from sightgate.analytics.data.connectivity import postgres as postgres_session
from sightgate.analytics.data.model import (
    Column,
    ColumnType,
    CustomSql,
    ErrorInfo,
    FileFormat,
    PhysicalTable,
    PostgresConnection,
    RelationalTable,
    S3Source,
    UploadSettings,
)
from sightgate.analytics.data.query.plan import SQL_TYPES

if TYPE_CHECKING:
    import duckdb

SESSION_SETTINGS = (
    "SELECT set_config('statement_timeout', %s, false), set_config('TimeZone', 'UTC', false),"
    " set_config('DateStyle', 'ISO, YMD', false)"
)
"""Times in UTC and ISO form (what DuckDB reads), and a limit for long copies."""
COPY_STATEMENT_TIMEOUT_MS = 3_600_000
"""The longest a source may take to deliver one table (the session's default is short)."""
ROW_END = b"\n"
"""Counted in copied chunks to report rows so far (an estimate: a value may hold one)."""

# PostgreSQL error types (DataSourceErrorInfo) -> ingestion error types.
_INGESTION_ERROR_TYPES = {
    "ACCESS_DENIED": "DATA_SOURCE_AUTH_FAILED",
    "UNKNOWN_HOST": "UNRESOLVABLE_HOST",
    "TIMEOUT": "QUERY_TIMEOUT",
    "GENERIC_SQL_FAILURE": "SQL_EXCEPTION",
    "UNKNOWN": "DATA_SOURCE_CONNECTION_FAILED",
}


class StagingFailed(Exception):
    """A physical table could not be staged; ``info`` says why (an ingestion error)."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info


class StagingStopped(Exception):
    """The build was asked to stop while a table was being staged."""


class SpiceSources(Protocol):
    """How SPICE reaches a dataset's sources (the catalog's ``DataSourceService``)."""

    def postgres(self, account_id: str, data_source_arn: str) -> PostgresConnection: ...

    def s3(self, account_id: str, data_source_arn: str) -> S3Connection: ...


@dataclass(frozen=True)
class StagedTable:
    """A physical table as a view of the build database, and how to count its drops."""

    view: str
    dropped: Callable[[duckdb.DuckDBPyConnection], int]


@dataclass
class StagingContext:
    """What staging needs from its build: where files go, how big they may be, when to
    stop, and where to report rows copied so far."""

    account_id: str
    prefix: Path
    """The start of this build's temporary file names."""
    max_bytes: int
    stop: threading.Event
    sources: SpiceSources
    add_rows: Callable[[int], None]


def duckdb_type(column_type: ColumnType) -> str:
    """How a column of ``column_type`` is stored in SPICE: as the query plan casts it."""
    return SQL_TYPES[column_type]


def stage(
    duck: duckdb.DuckDBPyConnection, index: int, table: PhysicalTable, ctx: StagingContext
) -> StagedTable:
    """Stage one physical table as view ``stage_<index>``."""
    if isinstance(table, S3Source):
        files = _s3_files(table, index, ctx)
        return _file_view(duck, index, files, table.upload_settings, table.input_columns)
    files = [_copy_from_postgres(table, index, ctx)]
    columns = table.input_columns if isinstance(table, RelationalTable) else table.columns
    return _file_view(duck, index, files, POSTGRES_CSV, columns)


POSTGRES_CSV = UploadSettings(format=FileFormat.CSV, contains_header=False)
"""What ``COPY … TO STDOUT (FORMAT csv)`` writes."""


# -- reading files ---------------------------------------------------------------------


def _call(name: str, first: exp.Expr, **options: exp.Expr) -> exp.Expr:
    """``name(first, option = value, …)`` for a DuckDB table function."""
    named = [exp.EQ(this=exp.column(key), expression=value) for key, value in options.items()]
    return exp.Anonymous(this=name, expressions=[first, *named])


def _paths(files: Sequence[Path]) -> exp.Expr:
    return exp.Array(expressions=[exp.Literal.string(str(f)) for f in files])


def _struct(columns: Sequence[Column], types: Callable[[Column], str]) -> exp.Expr:
    return exp.Struct(
        expressions=[
            exp.PropertyEQ(
                this=exp.to_identifier(c.name, quoted=True),
                expression=exp.Literal.string(types(c)),
            )
            for c in columns
        ]
    )


def reader(files: Sequence[Path], settings: UploadSettings, columns: Sequence[Column]) -> exp.Expr:
    """The DuckDB table function reading ``files``: CSV/TSV with the columns typed and bad
    rows rejected; JSON and Parquet as they are (``_file_view`` converts them)."""
    paths = _paths(files)
    if settings.format in (FileFormat.CSV, FileFormat.TSV):
        return _call(
            "read_csv",
            paths,
            header=exp.convert(settings.contains_header),
            delim=exp.Literal.string(
                "\t" if settings.format is FileFormat.TSV else settings.delimiter
            ),
            quote=exp.Literal.string(settings.text_qualifier),
            escape=exp.Literal.string(settings.text_qualifier),
            skip=exp.Literal.number(max(0, settings.start_from_row - 1)),
            columns=_struct(columns, lambda c: duckdb_type(c.type)),
            auto_detect=exp.false(),
            allow_quoted_nulls=exp.false(),
            ignore_errors=exp.true(),
            store_rejects=exp.true(),
        )
    if settings.format is FileFormat.JSON:
        return _call(
            "read_json",
            paths,
            columns=_struct(columns, lambda c: "VARCHAR"),
            format=exp.Literal.string("auto"),
        )
    return _call("read_parquet", paths)


def _file_view(
    duck: duckdb.DuckDBPyConnection,
    index: int,
    files: Sequence[Path],
    settings: UploadSettings,
    columns: Sequence[Column],
) -> StagedTable:
    view = f"stage_{index}"
    read = reader(files, settings, columns)
    if settings.format in (FileFormat.CSV, FileFormat.TSV):
        rejects, scans = f"rejects_{index}", f"rejects_scan_{index}"
        read.append(
            "expressions",
            exp.EQ(this=exp.column("rejects_table"), expression=exp.Literal.string(rejects)),
        )
        read.append(
            "expressions",
            exp.EQ(this=exp.column("rejects_scan"), expression=exp.Literal.string(scans)),
        )
        _create_view(duck, view, exp.select("*").from_(read))
        return StagedTable(view, lambda d: _rejected_lines(d, rejects, scans))
    typed, ok = _converted(columns)
    raw = exp.Subquery(
        this=exp.select("*").from_(read), alias=exp.TableAlias(this=exp.to_identifier("raw"))
    )
    _create_view(duck, view, exp.select(*typed).from_(raw).where(ok))
    counting = (
        exp.select(exp.func("count", exp.Star())).from_(raw.copy()).where(exp.not_(ok.copy()))
    )
    return StagedTable(view, lambda d: _scalar(d, counting))


def _converted(columns: Sequence[Column]) -> tuple[list[exp.Expr], exp.Expr]:
    """Each column converted to its SPICE type, and the condition that every non-null
    value converted."""
    typed: list[exp.Expr] = []
    checks: list[exp.Expr] = []
    for column in columns:
        source = exp.column(column.name, table="raw", quoted=True)
        cast = exp.TryCast(
            this=source, to=exp.DataType.build(duckdb_type(column.type), dialect="duckdb")
        )
        typed.append(exp.alias_(cast, column.name, quoted=True))
        checks.append(
            exp.or_(
                exp.Is(this=source.copy(), expression=exp.null()),
                exp.not_(exp.Is(this=cast.copy(), expression=exp.null())),
            )
        )
    return typed, exp.and_(*checks) if checks else exp.true()


def _create_view(duck: duckdb.DuckDBPyConnection, name: str, query: exp.Expr) -> None:
    statement = exp.Create(this=exp.to_table(name), kind="VIEW", expression=query)
    duck.execute(statement.sql(dialect="duckdb"))


def _scalar(duck: duckdb.DuckDBPyConnection, query: exp.Expr) -> int:
    row = duck.execute(query.sql(dialect="duckdb")).fetchone()
    return int(row[0]) if row else 0


def _rejected_lines(duck: duckdb.DuckDBPyConnection, rejects: str, scans: str) -> int:
    """Distinct rejected lines of a CSV view (a line with two bad cells counts once; a
    view read twice counts each file's lines once)."""
    exists = duck.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", [rejects]
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    lines = (
        exp.select(exp.column("file_path", "s"), exp.column("line", "r"))
        .distinct()
        .from_(exp.to_table(rejects).as_("r"))
        .join(
            exp.to_table(scans).as_("s"),
            on=exp.and_(
                exp.column("scan_id", "r").eq(exp.column("scan_id", "s")),
                exp.column("file_id", "r").eq(exp.column("file_id", "s")),
            ),
        )
    )
    query = exp.select(exp.func("count", exp.Star())).from_(lines.subquery("lines"))
    return _scalar(duck, query)


# -- sources ---------------------------------------------------------------------------


def _check_size(paths: Sequence[Path], limit: int) -> None:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except FileNotFoundError:
            raise StagingFailed(
                ErrorInfo("S3_UPLOADED_FILE_DELETED", f"the uploaded file {path} no longer exists")
            ) from None
    if total > limit:
        raise StagingFailed(ErrorInfo("DATA_SET_SIZE_LIMIT_EXCEEDED", too_large(total, limit)))


def too_large(size: int, limit: int) -> str:
    """The message for input over the upload limit."""
    return (
        f"the input is {size / 2**30:.2f} GiB; SPICE accepts at most {limit / 2**30:.2f} GiB "
        "per ingestion (SIGHTGATE_SPICE_MAX_UPLOAD_BYTES)"
    )


def _s3_files(table: S3Source, index: int, ctx: StagingContext) -> list[Path]:
    if table.local_files:
        _check_size(table.local_files, ctx.max_bytes)
        return list(table.local_files)
    if table.data_source_arn is None:
        raise StagingFailed(
            ErrorInfo("DATA_SOURCE_NOT_FOUND", "the S3 source names no data source")
        )
    return download_manifest(ctx.sources.s3(ctx.account_id, table.data_source_arn), index, ctx)


def download_manifest(s3: S3Connection, index: int, ctx: StagingContext) -> list[Path]:
    """The objects an S3 manifest names, downloaded beside the build."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = _s3_client(s3)
    where = f"s3://{s3.bucket}/{s3.key}"
    try:
        manifest = json.loads(client.get_object(Bucket=s3.bucket, Key=s3.key)["Body"].read())
        objects = list(_manifest_objects(client, manifest, s3.bucket))
    except (ClientError, BotoCoreError) as error:
        raise StagingFailed(
            ErrorInfo(
                "S3_MANIFEST_ERROR", f"reading the manifest {where} failed: {_s3_reason(error)}"
            )
        ) from None
    except (ValueError, TypeError, KeyError) as error:
        raise StagingFailed(
            ErrorInfo("S3_MANIFEST_ERROR", f"the manifest {where} is not valid: {error}")
        ) from None
    if not objects:
        raise StagingFailed(ErrorInfo("S3_MANIFEST_ERROR", f"the manifest {where} names no files"))
    total = sum(size for _, _, size in objects)
    if total > ctx.max_bytes:
        raise StagingFailed(
            ErrorInfo("DATA_SET_SIZE_LIMIT_EXCEEDED", too_large(total, ctx.max_bytes))
        )
    files = []
    for number, (bucket, key, _) in enumerate(objects):
        target = ctx.prefix.with_name(
            f"{ctx.prefix.name}s3-{index}-{number}{Path(key).suffix[:16]}"
        )
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
            with target.open("wb") as out:
                while chunk := body.read(1 << 20):
                    if ctx.stop.is_set():
                        raise StagingStopped
                    out.write(chunk)
        except (ClientError, BotoCoreError) as error:
            raise StagingFailed(
                ErrorInfo("S3_FILE_INACCESSIBLE", f"s3://{bucket}/{key}: {_s3_reason(error)}")
            ) from None
        files.append(target)
    return files


def _s3_reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or "an error")
    return type(error).__name__


def _s3_client(s3: S3Connection) -> Any:
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        "s3",
        region_name=s3.region,
        endpoint_url=s3.endpoint_url,
        aws_access_key_id=s3.access_key_id,
        aws_secret_access_key=s3.secret_access_key,
        config=Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 3}),
    )


def _s3_uri(uri: str, default_bucket: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key`` or ``https://host/bucket/key``."""
    if uri.startswith("s3://"):
        bucket, _, key = uri[5:].partition("/")
        return bucket, key
    if uri.startswith(("https://", "http://")):
        path = uri.split("://", 1)[1].partition("/")[2]
        bucket, _, key = path.partition("/")
        return bucket, key
    return default_bucket, uri


def _manifest_objects(
    client: Any, manifest: Mapping[str, Any], bucket: str
) -> list[tuple[str, str, int]]:
    """(bucket, key, size) of each file a QuickSight manifest names (``fileLocations``
    with ``URIs`` and ``URIPrefixes``)."""
    found: list[tuple[str, str, int]] = []
    for location in manifest["fileLocations"]:
        for uri in location.get("URIs", []):
            b, k = _s3_uri(str(uri), bucket)
            found.append((b, k, int(client.head_object(Bucket=b, Key=k)["ContentLength"])))
        for uri in location.get("URIPrefixes", []):
            b, prefix = _s3_uri(str(uri), bucket)
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=b, Prefix=prefix)
            for page in pages:
                found.extend(
                    (b, o["Key"], int(o["Size"]))
                    for o in page.get("Contents", [])
                    if not o["Key"].endswith("/")
                )
    return found


def _source_query(table: RelationalTable | CustomSql) -> str:
    """The SELECT whose rows ``COPY`` writes: the table's input columns in order, or the
    custom SQL as its author wrote it (it runs in a read-only session)."""
    if isinstance(table, CustomSql):
        return table.sql_query.strip().rstrip(";")
    source = exp.Table(
        this=exp.to_identifier(table.name, quoted=True),
        db=exp.to_identifier(table.schema, quoted=True) if table.schema else None,
    )
    columns = [exp.column(c.name, quoted=True) for c in table.input_columns]
    return exp.select(*columns).from_(source).sql(dialect="postgres")


def _copy_from_postgres(
    table: RelationalTable | CustomSql, index: int, ctx: StagingContext
) -> Path:
    import psycopg
    from psycopg import sql

    connection = ctx.sources.postgres(ctx.account_id, table.data_source_arn)
    target = ctx.prefix.with_name(f"{ctx.prefix.name}pg-{index}.csv")
    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(sql.SQL(_source_query(table)))
    try:
        with postgres_session(connection) as conn, target.open("wb") as out:
            conn.execute(
                SESSION_SETTINGS,
                (str(COPY_STATEMENT_TIMEOUT_MS),),
            )
            with conn.cursor() as cursor, cursor.copy(statement) as copy:
                written = 0
                for chunk in copy:
                    if ctx.stop.is_set():
                        raise StagingStopped
                    data = bytes(chunk)
                    out.write(data)
                    written += len(data)
                    if written > ctx.max_bytes:
                        raise StagingFailed(
                            ErrorInfo(
                                "DATA_SET_SIZE_LIMIT_EXCEEDED", too_large(written, ctx.max_bytes)
                            )
                        )
                    ctx.add_rows(data.count(ROW_END))
    except SourceError as error:
        kind = _INGESTION_ERROR_TYPES.get(error.info.type, "SQL_EXCEPTION")
        raise StagingFailed(ErrorInfo(kind, error.info.message)) from None
    except psycopg.Error as error:  # raised outside the session's own translation
        raise StagingFailed(
            ErrorInfo("DATA_SOURCE_CONNECTION_FAILED", str(error).splitlines()[0][:500])
        ) from None
    return target


def sniff_columns(
    duck: duckdb.DuckDBPyConnection, path: Path, settings: UploadSettings
) -> tuple[Column, ...]:
    """The columns of a file as DuckDB's readers detect them (for ``datasets upload``)."""
    paths = _paths([path])
    if settings.format in (FileFormat.CSV, FileFormat.TSV):
        read = _call(
            "read_csv",
            paths,
            header=exp.convert(settings.contains_header),
            delim=exp.Literal.string(
                "\t" if settings.format is FileFormat.TSV else settings.delimiter
            ),
            quote=exp.Literal.string(settings.text_qualifier),
        )
    elif settings.format is FileFormat.JSON:
        read = _call("read_json", paths, format=exp.Literal.string("auto"))
    else:
        read = _call("read_parquet", paths)
    described = duck.execute(
        exp.Describe(this=exp.select("*").from_(read)).sql(dialect="duckdb")
    ).fetchall()
    return tuple(Column(str(name), _column_type(str(kind))) for name, kind, *_ in described)


def _column_type(duckdb_type_name: str) -> ColumnType:
    name = duckdb_type_name.upper()
    if name in {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
    }:
        return ColumnType.INTEGER
    if name in {"FLOAT", "DOUBLE", "REAL"} or name.startswith("DECIMAL"):
        return ColumnType.DECIMAL
    if name == "DATE" or name.startswith("TIMESTAMP"):
        return ColumnType.DATETIME
    if name == "BOOLEAN":
        return ColumnType.BOOLEAN
    return ColumnType.STRING
