"""Fixtures of the platform tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from sightgate.platform.db import Database


@pytest.fixture
def counter(db: Database) -> Iterator[Database]:
    """The store with a table ``counter`` of one row (``n`` = 0) that every write of a test
    adds one to, so two writes conflict on either store: SQLite's write lock,
    PostgreSQL's row lock."""
    with db.write() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter (n) VALUES (0)"))
    yield db
    with db.write() as conn:
        conn.execute(text("DROP TABLE counter"))
