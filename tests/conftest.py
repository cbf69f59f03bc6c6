"""Shared fixtures: a store per test on SQLite and, when configured, on PostgreSQL.

Set ``SIGHTGATE_TEST_DATABASE_URL`` to a PostgreSQL database the tests may use as an entry
point: the session creates a fresh database beside it and drops it at the end, so runs
never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from sightgate.bootstrap import Services
from sightgate.platform.db import Database, metadata, normalize_url
from sightgate.store.migrate import upgrade

PG_ENTRY_URL = os.environ.get("SIGHTGATE_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_ENTRY_URL else [])]
TEST_SECRET = "test server secret, not for production use"
# `make test` spreads the suite over pytest-xdist workers a module at a time (its
# module-scoped fixtures start servers); the browser package's fixtures outlive a module
# (scope="package": a server, the demo store and Chromium), so it goes whole to one worker.
WHOLE_PACKAGES = ("tests/e2e/browser/",)
SLOW_FIRST = ("tests/e2e/", "tests/conformance/")
"""Where the modules that wait longest on processes are: handed out first, so the quick
unit-test modules fill the end of the run instead of one worker waiting on a long tail."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``SLOW_FIRST`` ahead of the rest (a stable sort: each part keeps its order)."""
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """pytest-xdist's scheduler by scope, with ``WHOLE_PACKAGES`` as one scope each."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # keep the order above, not by test count

    class ByModule(LoadScopeScheduling):  # type: ignore[misc]  # xdist has no types
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return next((p for p in WHOLE_PACKAGES if module.startswith(p)), module)

    return ByModule(config, log)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    if not PG_ENTRY_URL:
        pytest.skip("SIGHTGATE_TEST_DATABASE_URL is not set")
    entry = make_url(normalize_url(PG_ENTRY_URL))
    name = f"sightgate_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(entry, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = entry.set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    upgrade(database)
    database.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        database = Database(url)
        upgrade(database)
        database.dispose()
        return url
    pg_url: str = request.getfixturevalue("postgres_url")
    database = Database(pg_url)
    _truncate_all(database)
    database.dispose()
    return pg_url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """An empty, migrated store on each backend."""
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def services(db: Database) -> Services:
    """The services over the test store."""
    from sightgate.analytics.access.authorizer import may_change_identity_source_records
    from sightgate.analytics.access.services import Access
    from sightgate.analytics.access_keys import AccessKeyService
    from sightgate.analytics.assets.folders import FolderService
    from sightgate.analytics.assets.templates import TemplateService
    from sightgate.analytics.assets.themes import ThemeService
    from sightgate.analytics.assets.tree import FolderPaths
    from sightgate.analytics.data.services import Data
    from sightgate.analytics.directory.services import Directory
    from sightgate.analytics.provisioning.services import Provisioning
    from sightgate.analytics.signin.jit import JitProvisioning
    from sightgate.bootstrap import member_catalogs
    from sightgate.config import Settings
    from sightgate.identity.directory import IdentityStoreService
    from sightgate.identity.instances import InstanceService
    from sightgate.identity.scim_tokens import ScimTokenService

    instances = InstanceService(db)
    identity = IdentityStoreService(db)
    directory = Directory.build(db, instances, may_change_identity_source_records)
    provisioning = Provisioning.build(db, directory, identity, instances)
    access = Access.build(
        db, provisioning.service.truth, provisioning.rules, instances, FolderPaths()
    )
    data = Data.build(db, Settings(secret_key=TEST_SECRET), access)
    return Services(
        db=db,
        instances=instances,
        identity=identity,
        scim_tokens=ScimTokenService(db),
        directory=directory,
        access_keys=AccessKeyService(db, lambda: b"test server secret, not for production use"),
        provisioning=provisioning,
        access=access,
        jit=JitProvisioning(db, provisioning.service, access.principals, provisioning.rules),
        data=data,
        folders=FolderService(db, access, member_catalogs()),
        templates=TemplateService(db, access.permissions, data.datasets),
        themes=ThemeService(db, access.permissions),
    )


@pytest.fixture
def store_id(services: Services) -> str:
    """The identity store of a fresh ACCOUNT instance."""
    from sightgate.identity.model import InstanceType
    from sightgate.platform.events import Actor

    instance = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="111122223333", actor=Actor("test", "setup")
    )
    return instance.identity_store_id
