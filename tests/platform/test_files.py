"""The embedded store's files are private to their owner: they hold personal data, token
hashes and encrypted secrets."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from sightgate.config import Settings
from sightgate.platform.db import Database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems have, under which files are created readable by everyone."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_new_store_file_and_its_wal_and_shm_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "sightgate.db"
    db = Database(f"sqlite:///{path}")
    try:
        with db.write() as conn:  # WAL mode: the -wal and -shm files exist while it is open
            conn.execute(text("CREATE TABLE scratch (n INTEGER)"))
            conn.execute(text("INSERT INTO scratch (n) VALUES (1)"))
        for name in ("sightgate.db", "sightgate.db-wal", "sightgate.db-shm"):
            assert mode(tmp_path / name) == 0o600, name
    finally:
        db.dispose()


def test_an_existing_store_keeps_its_mode_and_a_readable_one_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "shared.db"
    sqlite3.connect(path).close()
    path.chmod(0o640)  # an operator's choice, e.g. for a backup group
    with caplog.at_level(logging.WARNING, logger="sightgate.platform.db"):
        db = Database(f"sqlite:///{path}")
    try:
        with db.read() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        db.dispose()
    assert mode(path) == 0o640
    assert [r for r in caplog.records if str(path) in r.getMessage() and "640" in r.getMessage()]


def test_a_private_existing_store_raises_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "private.db"
    Database(f"sqlite:///{path}").dispose()
    with caplog.at_level(logging.WARNING, logger="sightgate.platform.db"):
        Database(f"sqlite:///{path}").dispose()
    assert caplog.records == []


def test_the_data_directory_is_created_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    settings.ensure_data_dir()
    assert mode(tmp_path / "data") == 0o700
    settings.server_secret()
    assert mode(tmp_path / "data" / "secret.key") == 0o600


def test_a_store_in_a_missing_directory_fails_when_opened_as_before(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'missing' / 'sightgate.db'}")
    with pytest.raises(OperationalError, match="unable to open"), db.read():
        pass
    db.dispose()
