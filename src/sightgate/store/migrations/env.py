"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

import sightgate.analytics.access.tables
import sightgate.analytics.assets.dashboard_tables
import sightgate.analytics.assets.tables
import sightgate.analytics.assets.template_tables
import sightgate.analytics.data.tables
import sightgate.analytics.directory.tables
import sightgate.analytics.embedding.tables
import sightgate.analytics.mapping.tables
import sightgate.identity.tables
import sightgate.platform.events  # noqa: F401
from sightgate.platform.db import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
