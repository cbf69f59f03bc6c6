"""The migrations create exactly the schema the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sightgate.platform.db import Database, metadata
from sightgate.store.migrate import current_revision, head_revision, is_current, upgrade


def test_migrated_schema_matches_the_declared_tables(db: Database) -> None:
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_upgrade_is_idempotent_and_reports_current(db: Database) -> None:
    upgrade(db)
    assert is_current(db)
    assert current_revision(db) == head_revision(db)


def test_fresh_store_is_not_current(tmp_path: object) -> None:
    fresh = Database(f"sqlite:///{tmp_path}/fresh.db")
    assert current_revision(fresh) is None
    assert not is_current(fresh)
    upgrade(fresh)
    assert is_current(fresh)
