"""Reaching data sources: connection tests, and what a source says about its tables.

A data source is tested when it is created or updated (QuickSight shows the outcome as
its status), and a dataset's tables and columns are checked against the source before the
dataset is stored. Connections are opened with keyword arguments (a password or host is
never spliced into a connection string), time out after ``CONNECT_TIMEOUT_S``, and run
read-only with a statement time limit. A failure becomes an ``ErrorInfo`` whose message
names the problem: the driver's reason with the password scrubbed out, never the
password itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg

from sightgate.analytics.data.model import Column, ColumnType, ErrorInfo, PostgresConnection

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 10_000
MAX_MESSAGE = 500
_SESSION_OPTIONS = (
    f"-c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS}"
)


class SourceError(Exception):
    """A source could not be reached or refused a statement; ``info`` says why."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info


@dataclass(frozen=True)
class S3Connection:
    """How to read an S3 source's manifest: the location, the endpoint (None: AWS's),
    and the credentials (None: the environment's, as botocore finds them)."""

    bucket: str
    key: str
    endpoint_url: str | None
    region: str
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)


# -- PostgreSQL ------------------------------------------------------------------------


@contextmanager
def postgres(source: PostgresConnection) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A read-only session on ``source``; ``SourceError`` when it cannot be opened."""
    try:
        conn = psycopg.connect(
            **source.keywords(),
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="sightgate",
            options=_SESSION_OPTIONS,
        )
    except psycopg.Error as error:
        raise SourceError(_connection_failure(source, error)) from None
    try:
        with conn:
            yield conn
    except psycopg.Error as error:
        raise SourceError(_statement_failure(source, error)) from None


def probe_postgres(source: PostgresConnection) -> ErrorInfo | None:
    """None when ``source`` answers ``SELECT 1``, else why not."""
    try:
        with postgres(source) as conn:
            conn.execute("SELECT 1").fetchone()
    except SourceError as error:
        return error.info
    return None


def table_columns(
    conn: psycopg.Connection[tuple[object, ...]], schema: str | None, name: str
) -> dict[str, ColumnType] | None:
    """The columns of table or view ``schema.name`` (the session's current schema when
    ``schema`` is None) by name, or None when there is no such relation."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = COALESCE(%s, current_schema()) AND table_name = %s"
        " ORDER BY ordinal_position",
        (schema, name),
    ).fetchall()
    if not rows:
        return None
    return {str(column): _type_of_name(str(data_type)) for column, data_type in rows}


def query_columns(conn: psycopg.Connection[tuple[object, ...]], query: str) -> tuple[Column, ...]:
    """The columns a query returns, found by preparing it without running it (so even a
    slow query or one with side effects does nothing); ``SourceError`` when the source
    refuses it (a syntax error, an unknown table, several statements)."""
    pgconn = conn.pgconn
    prepared = pgconn.prepare(b"", query.encode())
    if prepared.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise SourceError(ErrorInfo("GENERIC_SQL_FAILURE", _first_line(prepared.error_message)))
    described = pgconn.describe_prepared(b"")
    if described.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise SourceError(ErrorInfo("GENERIC_SQL_FAILURE", _first_line(described.error_message)))
    if described.nfields == 0:
        raise SourceError(ErrorInfo("GENERIC_SQL_FAILURE", "the query returns no columns"))
    columns = []
    for index in range(described.nfields):
        raw_name = described.fname(index)
        name = raw_name.decode() if raw_name else f"column{index + 1}"
        columns.append(Column(name, _type_of_oid(conn, described.ftype(index))))
    return tuple(columns)


_TYPE_NAMES: Mapping[str, ColumnType] = {
    "smallint": ColumnType.INTEGER,
    "integer": ColumnType.INTEGER,
    "bigint": ColumnType.INTEGER,
    "int2": ColumnType.INTEGER,
    "int4": ColumnType.INTEGER,
    "int8": ColumnType.INTEGER,
    "numeric": ColumnType.DECIMAL,
    "real": ColumnType.DECIMAL,
    "double precision": ColumnType.DECIMAL,
    "float4": ColumnType.DECIMAL,
    "float8": ColumnType.DECIMAL,
    "money": ColumnType.DECIMAL,
    "date": ColumnType.DATETIME,
    "timestamp": ColumnType.DATETIME,
    "timestamptz": ColumnType.DATETIME,
    "timestamp without time zone": ColumnType.DATETIME,
    "timestamp with time zone": ColumnType.DATETIME,
    "boolean": ColumnType.BOOLEAN,
    "bool": ColumnType.BOOLEAN,
    "bit": ColumnType.BIT,
    "json": ColumnType.JSON,
    "jsonb": ColumnType.JSON,
}


def _type_of_name(name: str) -> ColumnType:
    return _TYPE_NAMES.get(name, ColumnType.STRING)


def _type_of_oid(conn: psycopg.Connection[tuple[object, ...]], oid: int) -> ColumnType:
    info = conn.adapters.types.get(oid)
    return _type_of_name(info.name) if info is not None else ColumnType.STRING


def _connection_failure(source: PostgresConnection, error: psycopg.Error) -> ErrorInfo:
    reason = _scrub(str(error), source.password)
    where = f"{source.host}:{source.port}"
    lowered = reason.lower()
    if "resolve host" in lowered or "translate host name" in lowered:
        return ErrorInfo("UNKNOWN_HOST", f"the host {source.host!r} cannot be resolved")
    if "timeout expired" in lowered or "timed out" in lowered:
        return ErrorInfo("TIMEOUT", f"{where} did not answer within {CONNECT_TIMEOUT_S} seconds")
    if (
        "password authentication failed" in lowered
        or "pg_hba.conf" in lowered
        or ("role" in lowered and "does not exist" in lowered)
    ):
        return ErrorInfo("ACCESS_DENIED", f"{where} refused the credentials: {_tail(reason)}")
    if "does not support ssl" in lowered:
        return ErrorInfo(
            "UNKNOWN",
            f"{where} does not support SSL: set SslProperties.DisableSsl to connect without it",
        )
    if "connection refused" in lowered:
        return ErrorInfo("UNKNOWN", f"{where} refused the connection (is the server running?)")
    return ErrorInfo("GENERIC_SQL_FAILURE", f"cannot connect to {where}: {_tail(reason)}")


def _statement_failure(source: PostgresConnection, error: psycopg.Error) -> ErrorInfo:
    reason = _scrub(_first_line(str(error)), source.password)
    if isinstance(error, psycopg.errors.QueryCanceled):
        return ErrorInfo("TIMEOUT", f"a statement ran past {STATEMENT_TIMEOUT_MS} ms")
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return ErrorInfo("ACCESS_DENIED", reason)
    if isinstance(error, psycopg.OperationalError):
        return ErrorInfo(
            "UNKNOWN", f"the connection to {source.host}:{source.port} broke: {reason}"
        )
    return ErrorInfo("GENERIC_SQL_FAILURE", reason)


def _tail(reason: str) -> str:
    """The server's own words after libpq's ``connection to server ... failed:`` prefix."""
    line = _first_line(reason)
    _, found, rest = line.rpartition(" failed: ")
    text = rest if found else line
    return text.removeprefix("FATAL:").strip()[:MAX_MESSAGE]


def _first_line(text: str | bytes | None) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return (text or "unknown error").strip().splitlines()[0][:MAX_MESSAGE]


def _scrub(text: str, secret: str | None) -> str:
    """``text`` without ``secret`` in it (drivers do not echo passwords, but a message
    must never carry one even if a future one does)."""
    return text.replace(secret, "********") if secret else text


# -- S3 --------------------------------------------------------------------------------


def probe_s3(s3: S3Connection) -> ErrorInfo | None:
    """None when the manifest object exists and can be read, else why not."""
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    session = botocore.session.get_session()
    client = session.create_client(
        "s3",
        region_name=s3.region,
        endpoint_url=s3.endpoint_url,
        aws_access_key_id=s3.access_key_id,
        aws_secret_access_key=s3.secret_access_key,
        config=Config(
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=CONNECT_TIMEOUT_S,
            retries={"max_attempts": 1},
        ),
    )
    where = f"s3://{s3.bucket}/{s3.key}"
    try:
        client.head_object(Bucket=s3.bucket, Key=s3.key)  # type: ignore[attr-defined]
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            return ErrorInfo("ACCESS_DENIED", f"the credentials may not read {where}")
        if code in {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}:
            return ErrorInfo("UNKNOWN", f"the manifest {where} does not exist")
        return ErrorInfo("UNKNOWN", f"reading {where} failed with {code or 'an error'}")
    except EndpointConnectionError:
        return ErrorInfo(
            "UNKNOWN_HOST", f"the S3 endpoint {s3.endpoint_url or 'of AWS'} cannot be reached"
        )
    except BotoCoreError as error:
        return ErrorInfo(
            "UNKNOWN",
            f"reading {where} failed: {_scrub(str(error), s3.secret_access_key)}"[:MAX_MESSAGE],
        )
    return None
