"""Database access: engine setup for SQLite (embedded) and PostgreSQL, shared metadata.

SQLite runs in WAL mode and write transactions start with ``BEGIN IMMEDIATE`` so that
concurrent writers queue on the lock instead of failing half-way through. Within one
process, SQLite writers also queue on a lock of ours first: SQLite's own busy handler
waits by sleeping in growing steps (up to 100 ms), which turns a short queue into long
latency tails.

The server runs short operations on its event loop rather than on a worker thread (the
hand-off costs more than the operation); ``without_waiting`` lets it do so without ever
waiting for a lock there: on SQLite the write lock, on PostgreSQL another transaction's
row or table lock (the scope's statements run on pools of the event loop's own, whose
sessions have a ``lock_timeout``).

Every statement has a time limit (PostgreSQL's ``statement_timeout``; on SQLite a progress
handler), so a runaway query cannot hold a connection, or SQLite's write lock, for ever;
it raises ``QueryTimeoutError``. Migrations run on ``maintenance_engine``, without it.

On PostgreSQL, reads run in autocommit on a pool of their own (``read``, ``latest_row``):
at READ COMMITTED, which the store uses, each statement of a transaction sees what was
committed when it started, so a read-only transaction sees exactly what the same
statements see in autocommit, and BEGIN and COMMIT are two round trips for nothing.
Neither pool pings a connection at checkout unless it has been idle for
``PING_IF_IDLE_S``: under load a ping is a round trip per transaction, and a connection in
steady use has just proved it is alive.

The embedded database file is created readable by its owner only: it holds personal
data, token hashes and encrypted secrets.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Executable, MetaData, Row, create_engine, event, exc
from sqlalchemy.engine import ExceptionContext, make_url

from sightgate.platform.errors import QueryTimeoutError

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
SQLITE_BUSY_TIMEOUT_S = 30
IN_PLACE_LOCK_WAIT_S = 0.02
"""How long a no-wait scope still waits for a lock: on SQLite for a writer of this process,
on PostgreSQL for any other transaction (their transactions are short): much less than
handing the request to a thread costs."""
STATEMENT_TIMEOUT_MS = 30_000
"""The default limit on one statement's run time (0: none)."""
SQLITE_PROGRESS_STEPS = 10_000
"""SQLite virtual-machine steps between two checks of the time limit (well under 1 ms)."""
NO_TIME_LIMIT = "sightgate_no_time_limit"
"""Execution option of ``Database.maintenance_engine``: its statements run unlimited."""
POSTGRESQL_POOL = (10, 20)
"""Pool size and overflow of each PostgreSQL pool (writes; reads)."""
PING_IF_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle for longer is pinged at checkout (and replaced if
its server has gone); one used more recently is not. A server restart still fails the
statements in flight, as it would with a ping at every checkout, and the first failure
discards every connection the pool held before it."""


class WouldWaitError(Exception):
    """Inside ``Database.without_waiting``: a lock the scope needs is taken, and nothing
    was done."""


_no_wait_scope: ContextVar[bool] = ContextVar("no_wait_scope", default=False)
_shared_read: ContextVar[tuple[Database, Connection] | None] = ContextVar(
    "shared_read", default=None
)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Wakeup:
    """A doorbell for threads waiting for something new (the dispatcher: outbox events).

    A waiter notes ``rings`` before it looks, then calls ``wait(seen, timeout)``, so a ring
    while it was looking is never missed; any number of threads may wait.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._rings = 0

    @property
    def rings(self) -> int:
        """How often it has rung."""
        return self._rings

    def ring(self) -> None:
        """Wake every waiter."""
        with self._condition:
            self._rings += 1
            self._condition.notify_all()

    def wait(self, seen: int, timeout: float) -> bool:
        """Until it has rung since ``rings`` was ``seen``, at most ``timeout`` seconds;
        whether it did."""
        with self._condition:
            return self._condition.wait_for(lambda: self._rings != seen, timeout)


class Database:
    """One engine and the two kinds of transaction the services use."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
        in_place: bool = True,
    ) -> None:
        self.url = normalize_url(url)
        if make_url(self.url).get_backend_name() == "sqlite":
            _create_private_file(self.url)
        self.engine: Engine = _create_engine(self.url, echo=echo)
        if statement_timeout_ms:
            _limit_statements(self.engine, statement_timeout_ms)
        self.maintenance_engine: Engine = self.engine.execution_options(**{NO_TIME_LIMIT: True})
        """The engine for migrations and other long administrative work: no time limit."""
        self.new_events = Wakeup()
        """Rung when outbox events may have been committed: after a commit of this process
        (embedded store) or a NOTIFY from any process (PostgreSQL, see ``dispatch``)."""
        self.in_place = in_place
        """Whether the server may run bounded operations on its event loop, inside
        ``without_waiting`` (``platform.execution``)."""
        self._writer_lock = threading.Lock() if self.embedded else None
        self._reads: Engine | None = None
        """PostgreSQL's read connections: autocommit (see the module docstring)."""
        self._in_place_reads: Engine | None = None
        self._in_place_writes: Engine | None = None
        """PostgreSQL's connections for ``without_waiting``: the event loop's own (it never
        waits for one), their sessions with a ``lock_timeout``."""
        if not self.embedded:
            self._reads = _sibling_engine(self.engine, statement_timeout_ms, autocommit=True)
            self._in_place_reads = _in_place_engine(
                self.engine, statement_timeout_ms, autocommit=True
            )
            self._in_place_writes = _in_place_engine(
                self.engine, statement_timeout_ms, autocommit=False
            )

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def embedded(self) -> bool:
        """True for the embedded SQLite store: a local file, readers never wait (WAL) and
        writers wait only for each other. A caller on an event loop may run a short
        operation in place, inside ``without_waiting``, instead of on a worker thread."""
        return self.dialect == "sqlite"

    def events_committed(self) -> None:
        """Called after a commit that wrote outbox events, to wake this process's
        dispatchers. On PostgreSQL the NOTIFY sent with the events wakes every process's
        dispatchers (this one's too), so there is nothing to do here."""
        if self.embedded:
            self.new_events.ring()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction; commits on success, rolls back on error."""
        no_wait = _no_wait_scope.get()
        if no_wait:
            _no_wait_scope.set(False)
        engine = self._in_place_writes if no_wait and self._in_place_writes else self.engine
        with self._writers_queue(wait=not no_wait), engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE", sqlite_no_wait=no_wait)
            with conn.begin():
                yield conn

    @contextmanager
    def without_waiting(self) -> Iterator[None]:
        """A scope whose reads and first write transaction raise ``WouldWaitError``
        instead of waiting for a lock. On SQLite only writes wait: for another process's
        writer at all, for another thread's for more than ``IN_PLACE_LOCK_WAIT_S``; it
        raises before any statement of the transaction runs. On PostgreSQL a statement
        waits for another transaction's lock (a row another write holds; a table a
        migration alters) for at most ``IN_PLACE_LOCK_WAIT_S``, and its transaction is
        rolled back.

        Either way it raises before anything of the scope was written, so the caller can
        run the whole scope again elsewhere. Once a write transaction of the scope has
        committed, later reads and writes wait as usual.
        """
        reset = _no_wait_scope.set(True)
        try:
            yield
        finally:
            _no_wait_scope.reset(reset)

    def _writers_queue(self, *, wait: bool) -> AbstractContextManager[Any]:
        """On SQLite, this process's turn to write (see the module docstring)."""
        if self._writer_lock is None:
            return nullcontext()
        if wait:
            return _held(self._writer_lock, SQLITE_BUSY_TIMEOUT_S, _locked)
        return _held(self._writer_lock, IN_PLACE_LOCK_WAIT_S, WouldWaitError)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading: on SQLite a read transaction (one consistent
        snapshot); on PostgreSQL autocommit, each statement seeing what was committed when
        it started, as it would inside a READ COMMITTED transaction (the module
        docstring). Inside ``snapshot``, that block's connection."""
        shared = self._shared()
        if shared is not None:
            yield shared
            return
        reads = self._read_engine()
        if reads is not None:
            with reads.connect() as conn:
                yield conn
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _read_engine(self) -> Engine | None:
        """PostgreSQL's pool for this read: the event loop's in a no-wait scope."""
        return self._in_place_reads if _no_wait_scope.get() else self._reads

    def _shared(self) -> Connection | None:
        """The connection of the ``snapshot`` block this runs in, if it is this store's."""
        shared = _shared_read.get()
        return shared[1] if shared is not None and shared[0] is self else None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One connection (on SQLite one read transaction) for every ``read()`` in the
        block: a request that only reads checks one connection out, and on SQLite sees
        one consistent state."""
        with self.read() as conn:
            shared = _shared_read.set((self, conn))
            try:
                yield
            finally:
                _shared_read.reset(shared)

    def latest_row(self, statement: Executable, params: Mapping[str, Any]) -> Row[Any]:
        """The one row of a one-statement read that sees every change committed before it
        started, in any process (what a cached answer's epochs need: docs/access.md).

        On PostgreSQL it runs in autocommit (READ COMMITTED: each statement sees what was
        committed when it started): one round trip. A connection the server has dropped
        (a restart) fails the statement; the pool then discards its connections and the
        statement runs once more on a new one. Inside ``snapshot`` it is that block's
        connection, and on SQLite a read transaction (there BEGIN and COMMIT are function
        calls, not round trips).
        """
        reads = self._read_engine()
        if reads is None or self._shared() is not None:
            with self.read() as conn:
                return conn.execute(statement, params).one()
        try:
            return _one(reads, statement, params)
        except exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
        return _one(reads, statement, params)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        for engine in (self._reads, self._in_place_reads, self._in_place_writes):
            if engine is not None:
                engine.dispose()


def _one(engine: Engine, statement: Executable, params: Mapping[str, Any]) -> Row[Any]:
    with engine.connect() as conn:
        return conn.execute(statement, params).one()


def _sibling_engine(
    engine: Engine,
    statement_timeout_ms: int,
    *,
    autocommit: bool,
    pool: tuple[int, int] = POSTGRESQL_POOL,
    lock_timeout_ms: int = 0,
) -> Engine:
    """Another pool on ``engine``'s PostgreSQL database (``pool``: size, overflow), in
    autocommit if asked (see ``Database.read``), its sessions with ``engine``'s statement
    time limit and the given ``lock_timeout`` (0: none).

    It shares ``engine``'s event listeners, present and future, as SQLAlchemy's own
    option engines do (``Engine.execution_options``: a joined dispatch, and events on),
    so whatever observes the store's statements (the statement time limit's error
    mapping, tests that count statements) sees these too.
    """
    options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    sibling = create_engine(
        engine.url, echo=engine.echo, pool_size=pool[0], max_overflow=pool[1], **options
    )
    _ping_if_idle(sibling, PING_IF_IDLE_S)
    sibling.dispatch = sibling.dispatch._join(engine.dispatch)
    sibling._has_events = True
    _configure_sessions(sibling, statement_timeout_ms, lock_timeout_ms)
    if statement_timeout_ms:
        _report_timeouts(sibling, statement_timeout_ms)
    return sibling


def _in_place_engine(engine: Engine, statement_timeout_ms: int, *, autocommit: bool) -> Engine:
    """A pool for ``Database.without_waiting`` on PostgreSQL: one connection kept, more
    opened rather than waited for (the event loop never waits for a connection), and a
    ``lock_timeout`` of ``IN_PLACE_LOCK_WAIT_S`` whose expiry raises ``WouldWaitError``."""
    lock_timeout_ms = int(IN_PLACE_LOCK_WAIT_S * 1000)
    in_place = _sibling_engine(
        engine,
        statement_timeout_ms,
        autocommit=autocommit,
        pool=(1, -1),
        lock_timeout_ms=lock_timeout_ms,
    )

    @event.listens_for(in_place, "handle_error")
    def _would_wait(context: ExceptionContext) -> BaseException | None:
        lock_not_available = getattr(context.original_exception, "sqlstate", None) == "55P03"
        return WouldWaitError() if lock_not_available else None

    return in_place


def _ping_if_idle(engine: Engine, idle_s: float) -> None:
    """Ping a connection at checkout only if it has been idle for ``idle_s`` (see
    ``PING_IF_IDLE_S``); one whose server has gone is replaced by the pool."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
            if not dbapi_conn.autocommit:
                dbapi_conn.rollback()  # the ping's SELECT began a transaction
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_conn, None):
                raise exc.DisconnectionError() from error
            raise


@contextmanager
def _held(
    lock: threading.Lock, timeout: float, timed_out: Callable[[], Exception]
) -> Iterator[None]:
    """``lock`` held for the block; ``timed_out()`` is raised after ``timeout`` seconds."""
    if not lock.acquire(timeout=timeout):
        raise timed_out()
    try:
        yield
    finally:
        lock.release()


def _locked() -> Exception:
    """The error SQLite itself gives when its lock stays busy."""
    return exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))


def _create_private_file(url: str) -> None:
    """Create the SQLite file with mode 0600 before SQLite creates it with the umask's
    (it gives the -wal and -shm files the database file's mode).

    An existing file keeps its mode, which its owner may have chosen (a backup group, say);
    a warning names one that other users can read.
    """
    parsed = make_url(url)
    name = parsed.database
    if not name or name == ":memory:" or parsed.query.get("uri") or name.startswith("file:"):
        return
    path = Path(name)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except (FileNotFoundError, PermissionError):
        return  # SQLite says so when it opens the file, as it always did
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning(
                "the store %s has mode %o: other users may read it; chmod 600 it (and its "
                "-wal and -shm files)",
                path,
                mode,
            )


class _TimedSQLiteConnection(sqlite3.Connection):
    """A SQLite connection that interrupts a statement running past its deadline."""

    deadline = math.inf

    def past_deadline(self) -> bool:
        """SQLite's progress handler: a true answer interrupts the statement."""
        return time.monotonic() > self.deadline


def _create_engine(url: str, *, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        # A pool as large as the server's thread pool: reopening SQLite connections (and
        # their PRAGMAs) under load costs more than keeping them.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "factory": _TimedSQLiteConnection},
            pool_size=20,
            max_overflow=20,
        )
        _configure_sqlite(engine)
        return engine
    size, overflow = POSTGRESQL_POOL
    engine = create_engine(url, echo=echo, pool_size=size, max_overflow=overflow)
    _ping_if_idle(engine, PING_IF_IDLE_S)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}",
            "PRAGMA synchronous=NORMAL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        begin = f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}"
        if not options.get("sqlite_no_wait"):
            conn.exec_driver_sql(begin)
            return
        driver = conn.connection.driver_connection
        if driver is None:
            raise RuntimeError("a SQLite transaction began on a closed connection")
        driver.execute("PRAGMA busy_timeout=0")
        try:
            conn.exec_driver_sql(begin)
        except exc.OperationalError as error:
            if "locked" in str(error.orig) or "busy" in str(error.orig):
                raise WouldWaitError from error
            raise
        finally:
            driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")


def _limit_statements(engine: Engine, limit_ms: int) -> None:
    """Cancel statements running longer than ``limit_ms`` with ``QueryTimeoutError``,
    except on connections with the ``NO_TIME_LIMIT`` execution option."""
    if engine.dialect.name == "sqlite":
        _limit_sqlite_statements(engine, limit_ms / 1000)
    else:
        _limit_postgresql_statements(engine, limit_ms)
    _report_timeouts(engine, limit_ms)


def _report_timeouts(engine: Engine, limit_ms: int) -> None:
    """A statement cancelled by its time limit raises ``QueryTimeoutError``. (An error
    handler belongs to an engine's dialect, which an engine does not share.)"""

    @event.listens_for(engine, "handle_error")
    def _timed_out(context: ExceptionContext) -> BaseException | None:
        error = context.original_exception
        sqlite_interrupted = isinstance(error, sqlite3.OperationalError) and (
            str(error) == "interrupted"
        )
        if sqlite_interrupted or getattr(error, "sqlstate", None) == "57014":
            return QueryTimeoutError(limit_ms)
        return None


def _limit_sqlite_statements(engine: Engine, limit_s: float) -> None:
    """A progress handler per connection; each statement sets the connection's deadline."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_progress_handler(dbapi_conn.past_deadline, SQLITE_PROGRESS_STEPS)

    @event.listens_for(engine, "before_cursor_execute")
    def _on_statement(conn: Connection, cursor: Any, *_: Any) -> None:
        unlimited = conn.get_execution_options().get(NO_TIME_LIMIT)
        cursor.connection.deadline = math.inf if unlimited else time.monotonic() + limit_s


def _limit_postgresql_statements(engine: Engine, limit_ms: int) -> None:
    """The session's ``statement_timeout``, lifted per transaction for maintenance."""
    _configure_sessions(engine, limit_ms)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(NO_TIME_LIMIT):
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")


def _configure_sessions(
    engine: Engine, statement_timeout_ms: int, lock_timeout_ms: int = 0
) -> None:
    """Each new PostgreSQL connection of ``engine`` gets ``statement_timeout`` and
    ``lock_timeout``; one given as 0 is not set, so the database's own default holds."""
    settings = [
        (name, str(value))
        for name, value in (
            ("statement_timeout", statement_timeout_ms),
            ("lock_timeout", lock_timeout_ms),
        )
        if value
    ]
    if not settings:
        return
    sql = "SELECT " + ", ".join("set_config(%s, %s, false)" for _ in settings)
    params = [part for setting in settings for part in setting]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute(sql, params)
        dbapi_conn.commit()


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)")


def violated_constraint(error: exc.IntegrityError) -> str | None:
    """The name of the unique constraint or index an ``IntegrityError`` broke, if known."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return str(diag.constraint_name)
    match = _SQLITE_UNIQUE.search(str(error.orig))
    if not match:
        return None
    qualified = [c.strip() for c in match.group("columns").split(",")]
    table_name = qualified[0].split(".")[0]
    columns = [c.split(".")[1] for c in qualified]
    table = metadata.tables.get(table_name)
    if table is None:
        return None
    for index in table.indexes:
        if index.unique and [c.name for c in index.columns] == columns:
            return str(index.name)
    for constraint in table.constraints:
        if [c.name for c in getattr(constraint, "columns", [])] == columns:
            return str(constraint.name)
    return None
