"""Database access: engine setup for SQLite (embedded) and PostgreSQL, shared metadata.

SQLite runs in WAL mode and write transactions start with ``BEGIN IMMEDIATE`` so that
concurrent writers queue on the lock instead of failing half-way through. Within one
process, SQLite writers also queue on a lock of ours first: SQLite's own busy handler
waits by sleeping in growing steps (up to 100 ms), which turns a short queue into long
latency tails.

On the embedded store, the server runs short operations on its event loop rather than on
a worker thread (the hand-off costs more than the operation); ``without_waiting`` lets it
do so without ever waiting for the write lock there.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, exc
from sqlalchemy.engine import make_url

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
"""How long a write in a no-wait scope still waits for a writer of this process (their
transactions are short): much less than handing the request to a thread costs."""


class WriteWouldWaitError(Exception):
    """Inside ``Database.without_waiting``: the write lock is taken, and nothing was done."""


_no_wait_scope: ContextVar[bool] = ContextVar("no_wait_scope", default=False)
_shared_read: ContextVar[Connection | None] = ContextVar("shared_read", default=None)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """One engine and the two kinds of transaction the services use."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        self.engine: Engine = _create_engine(self.url, echo=echo)
        self._writer_lock = threading.Lock() if self.embedded else None

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

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction; commits on success, rolls back on error."""
        no_wait = _no_wait_scope.get()
        if no_wait:
            _no_wait_scope.set(False)
        with self._writers_queue(wait=not no_wait), self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE", sqlite_no_wait=no_wait)
            with conn.begin():
                yield conn

    @contextmanager
    def without_waiting(self) -> Iterator[None]:
        """A scope whose first write transaction raises ``WriteWouldWaitError`` instead of
        waiting when another writer holds the lock: another process at all, another
        thread of this one for more than ``IN_PLACE_LOCK_WAIT_S``.

        It raises before any statement of that transaction runs and before anything of
        the scope was written, so the caller can run the whole scope again elsewhere.
        Later write transactions of the scope (after one committed) wait as usual.
        """
        reset = _no_wait_scope.set(self.embedded)
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
        return _held(self._writer_lock, IN_PLACE_LOCK_WAIT_S, WriteWouldWaitError)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot on both engines); inside
        ``snapshot``, that block's transaction."""
        shared = _shared_read.get()
        if shared is not None and shared.engine is self.engine:
            yield shared
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction for every ``read()`` in the block: a request that only
        reads pays for one BEGIN and one COMMIT, and sees one consistent state."""
        with self.read() as conn:
            shared = _shared_read.set(conn)
            try:
                yield
            finally:
                _shared_read.reset(shared)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


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


def _create_engine(url: str, *, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        # A pool as large as the server's thread pool: reopening SQLite connections (and
        # their PRAGMAs) under load costs more than keeping them.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=20,
            max_overflow=20,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


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
                raise WriteWouldWaitError from error
            raise
        finally:
            driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")


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
