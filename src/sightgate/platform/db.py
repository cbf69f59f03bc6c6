"""Database access: engine setup for SQLite (embedded) and PostgreSQL, shared metadata.

SQLite runs in WAL mode and write transactions start with ``BEGIN IMMEDIATE`` so that
concurrent writers queue on the lock instead of failing half-way through. Within one
process, SQLite writers also queue on a lock of ours first: SQLite's own busy handler
waits by sleeping in growing steps (up to 100 ms), which turns a short queue into long
latency tails.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
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
        self._writer_lock = threading.Lock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def local_reads(self) -> bool:
        """True when a read finishes in microseconds without waiting: the embedded SQLite
        store in WAL mode, where readers take no locks and there is no network. Callers
        on an event loop may run such reads in place instead of on a worker thread,
        whose hand-off costs more than the read."""
        return self.dialect == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction; commits on success, rolls back on error."""
        with self._writers_queue(), self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    def _writers_queue(self) -> AbstractContextManager[Any]:
        """On SQLite, this process's turn to write (see the module docstring)."""
        if self._writer_lock is None:
            return nullcontext()
        return _held(self._writer_lock, SQLITE_BUSY_TIMEOUT_S)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot on both engines)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


@contextmanager
def _held(lock: threading.Lock, timeout: float) -> Iterator[None]:
    """``lock`` held for the block; after ``timeout`` seconds of waiting, the error SQLite
    itself gives when its lock stays busy."""
    if not lock.acquire(timeout=timeout):
        raise exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
    try:
        yield
    finally:
        lock.release()


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
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


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
