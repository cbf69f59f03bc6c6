"""Applying and checking migrations, without an alembic.ini on disk."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from sightgate.platform.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")
# Serialises migrations of several processes starting at once against PostgreSQL.
MIGRATION_LOCK_KEY = 0x5347_4D47  # "SGMG"


def alembic_config(db: Database) -> Config:
    """An Alembic configuration bound to ``db``'s engine without a statement time limit."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.maintenance_engine
    return config


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision (safe to run concurrently on PostgreSQL)."""
    config = alembic_config(db)
    if db.dialect == "postgresql":
        with db.maintenance_engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            try:
                command.upgrade(config, "head")
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
    else:
        command.upgrade(config, "head")


def current_revision(db: Database) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(db: Database) -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def is_current(db: Database) -> bool:
    """Whether the schema is at the newest revision."""
    return current_revision(db) == head_revision(db)
