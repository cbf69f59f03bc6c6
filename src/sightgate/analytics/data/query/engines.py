"""Where a rendered query runs: a SPICE version file in DuckDB, or a PostgreSQL source.

Both are read-only and bounded, whatever the SQL says:

- DuckDB opens a version file ``read_only`` with external access disabled (no file,
  network, ``ATTACH`` or extension loading) and its configuration locked (no statement
  can turn that back on). One watchdog thread interrupts any query past its time limit
  (a thread per query cost up to a millisecond each under load). Connections are
  kept per version file (versions are immutable); each query gets its own cursor.
- PostgreSQL connects with keyword arguments (never a connection string built from
  values), and runs each query in a ``READ ONLY`` transaction whose ``statement_timeout``
  is the time limit. Idle connections are kept per source for the next query.

At most ``row_limit`` rows come back: one more is fetched to tell "exactly the limit" from
"more", and more is ``RowLimitError``. Engine errors become ``QueryFailedError`` naming
the kind of failure only: an engine's message can quote a cell, and a viewer must never
learn a value through an error.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time as clock
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg import errors as pg_errors

from sightgate.analytics.data.model import PostgresConnection, Value
from sightgate.platform.errors import QueryTimeoutError, SightgateError, ValidationError

CONNECT_TIMEOUT_S = 5
_DUCKDB_CONFIG: Mapping[str, str | bool] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "lock_configuration": True,
}


class QueryFailedError(ValidationError):
    """The engine refused or failed a query (a cast that fails on the data, a source
    that refuses a ``CustomSql``); the message names the kind of failure, not a value."""

    def __init__(self, message: str) -> None:
        super().__init__("Query", message)


class RowLimitError(SightgateError):
    """A query would answer more rows than the row limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the query answers more than {limit} rows (the row limit); filter or limit it"
        )
        self.limit = limit


class AnalyticalTimeoutError(QueryTimeoutError):
    """A dataset query ran past the query time limit and was stopped."""

    def __init__(self, limit_ms: int) -> None:
        super().__init__(limit_ms)
        self.message = f"the query did not finish within {limit_ms} ms (the time limit)"
        self.args = (self.message,)


@dataclass(frozen=True)
class Limits:
    """How long a query may run and how many rows it may answer."""

    timeout_ms: int
    row_limit: int


Rows = list[tuple[Value, ...]]


def cell(value: Any) -> Value:
    """An engine's value as a ``Value``: exact decimals as floats, dates as datetimes,
    anything else without a JSON type as its text."""
    if value is None or isinstance(value, str | bool | int | float | datetime):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _bounded(fetched: list[tuple[Any, ...]], limits: Limits) -> Rows:
    if len(fetched) > limits.row_limit:
        raise RowLimitError(limits.row_limit)
    return [tuple(cell(value) for value in row) for row in fetched]


# -- DuckDB ------------------------------------------------------------------------------


class Watchdog:
    """Calls a query's ``interrupt`` once its deadline passes, for every query at once: a
    heap of deadlines and one daemon thread (started on first use) that sleeps on a
    condition variable until the earliest one. Once ``watching`` has exited, its
    interrupt is never called: the check and the call happen under the same lock."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._active: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    @contextmanager
    def watching(self, seconds: float, interrupt: Callable[[], None]) -> Iterator[None]:
        """``interrupt`` is called if the block runs longer than ``seconds``."""
        token = next(self._ids)
        with self._ready:
            heapq.heappush(self._heap, (clock.monotonic() + seconds, token, interrupt))
            self._active.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="query-watchdog")
                self._thread.daemon = True
                self._thread.start()
            if self._heap[0][1] == token:
                self._ready.notify()
        try:
            yield
        finally:
            with self._ready:
                self._active.discard(token)
                if len(self._heap) > 2 * len(self._active) + 64:
                    # Finished queries' entries are dropped lazily; keep the heap small.
                    self._heap = [entry for entry in self._heap if entry[1] in self._active]
                    heapq.heapify(self._heap)

    def _run(self) -> None:
        with self._ready:
            while True:
                while self._heap and self._heap[0][1] not in self._active:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._ready.wait()
                    continue
                deadline, token, interrupt = self._heap[0]
                now = clock.monotonic()
                if deadline > now:
                    self._ready.wait(deadline - now)
                    continue
                heapq.heappop(self._heap)
                self._active.discard(token)
                with suppress(Exception):  # one failed interrupt must not stop the others
                    interrupt()


_WATCHDOG = Watchdog()


@dataclass
class _Opened:
    connection: duckdb.DuckDBPyConnection
    users: int = 0


@dataclass
class DuckDBReader:
    """Reads SPICE version files (see the module docstring)."""

    max_open: int = 16
    _open: OrderedDict[Path, _Opened] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fetch(self, path: Path, sql: str, parameters: Mapping[str, Value], limits: Limits) -> Rows:
        """The rows of ``sql`` over the version file at ``path``."""
        with self._cursor(path) as cursor:
            try:
                with _WATCHDOG.watching(limits.timeout_ms / 1000, cursor.interrupt):
                    cursor.execute(sql, dict(parameters))
                    fetched = cursor.fetchmany(limits.row_limit + 1)
            except duckdb.InterruptException:
                raise AnalyticalTimeoutError(limits.timeout_ms) from None
            except duckdb.Error as error:
                raise QueryFailedError(f"DuckDB: {_kind(str(error))}") from None
        return _bounded(fetched, limits)

    @contextmanager
    def _cursor(self, path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            opened = self._open.get(path)
            if opened is None:
                opened = self._open[path] = _Opened(self._connect(path))
            opened.users += 1
            self._open.move_to_end(path)
        try:
            cursor = opened.connection.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        finally:
            with self._lock:
                opened.users -= 1
                self._evict()

    @staticmethod
    def _connect(path: Path) -> duckdb.DuckDBPyConnection:
        if not path.is_file():
            raise QueryFailedError("the dataset's SPICE version file is missing")
        try:
            return duckdb.connect(str(path), read_only=True, config=dict(_DUCKDB_CONFIG))
        except duckdb.Error as error:
            raise QueryFailedError(f"DuckDB: {_kind(str(error))}") from None

    def _evict(self) -> None:
        """Close the least recently used idle files beyond ``max_open``."""
        idle = [path for path, opened in self._open.items() if opened.users == 0]
        for path in idle[: max(0, len(self._open) - self.max_open)]:
            self._open.pop(path).connection.close()

    def close(self) -> None:
        """Close every idle file (at shutdown)."""
        with self._lock:
            for path in [p for p, opened in self._open.items() if opened.users == 0]:
                self._open.pop(path).connection.close()


def _kind(message: str) -> str:
    """The kind of a DuckDB error ("Conversion Error"), without its details."""
    kind, _, _ = message.partition(":")
    return kind.strip() or "error"


# -- PostgreSQL --------------------------------------------------------------------------


@dataclass
class PostgresRunner:
    """Runs queries on PostgreSQL sources (see the module docstring)."""

    max_idle: int = 4
    _idle: dict[PostgresConnection, deque[psycopg.Connection[Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fetch(
        self, source: PostgresConnection, sql: str, parameters: Mapping[str, Value], limits: Limits
    ) -> Rows:
        """The rows of ``sql`` on ``source``, in a read-only transaction."""
        conn = self._take(source)
        healthy = False
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION READ ONLY")
                conn.execute(
                    "SELECT set_config('statement_timeout', %s, true)", (str(limits.timeout_ms),)
                )
                with conn.cursor() as cursor:
                    cursor.execute(sql, dict(parameters))
                    fetched = cursor.fetchmany(limits.row_limit + 1)
            healthy = True
        except pg_errors.QueryCanceled:
            healthy = True
            raise AnalyticalTimeoutError(limits.timeout_ms) from None
        except psycopg.Error as error:
            healthy = not isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
            raise QueryFailedError(f"PostgreSQL: {_pg_kind(error)}") from None
        finally:
            self._give_back(source, conn, healthy)
        return _bounded(fetched, limits)

    def _take(self, source: PostgresConnection) -> psycopg.Connection[Any]:
        with self._lock:
            idle = self._idle.get(source)
            while idle:
                conn = idle.pop()
                if not conn.closed:
                    return conn
        try:
            return psycopg.connect(
                **source.keywords(),
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="sightgate-query",
                options="-c default_transaction_read_only=on",
                autocommit=True,
            )
        except psycopg.Error as error:
            raise QueryFailedError(
                f"the data source did not accept a connection ({_pg_kind(error)})"
            ) from None

    def _give_back(
        self, source: PostgresConnection, conn: psycopg.Connection[Any], healthy: bool
    ) -> None:
        if (
            healthy
            and not conn.closed
            and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        ):
            with self._lock:
                idle = self._idle.setdefault(source, deque())
                if len(idle) < self.max_idle:
                    idle.append(conn)
                    return
        conn.close()

    def close(self) -> None:
        """Close every idle connection (at shutdown)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for conn in connections:
                conn.close()


def _pg_kind(error: psycopg.Error) -> str:
    """The kind of a PostgreSQL error (its condition name and SQLSTATE), no details."""
    state = error.sqlstate
    return f"{type(error).__name__} ({state})" if state else type(error).__name__
