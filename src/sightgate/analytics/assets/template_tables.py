"""Templates and themes (each with versions, aliases and tags), as tables.

Both are versioned assets of the same make: a row keyed by an internal id, the API's
``TemplateId`` / ``ThemeId`` unique per account, and versions, aliases and tags hanging
off that row (cascade), so an asset created again under the same id starts from version
1 with no old alias or tag. ``issued_version`` is the highest version number ever given
out: a deleted version's number is never reused, so a version ARN names one content for
good. A template version keeps its ``TemplateVersionDefinition`` as given; a theme
version its ``BaseThemeId`` and ``Configuration`` as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from sightgate.analytics.assets.tables import ARN, ID, ROW_ID, TIMESTAMP
from sightgate.platform.db import metadata

NAME = String(2048)
ALIAS = String(2048)


@dataclass(frozen=True)
class VersionedTables:
    """The four tables of one kind of versioned asset."""

    assets: Table
    versions: Table
    aliases: Table
    tags: Table


def _versioned(noun: str, id_column: str, *version_columns: Column[Any]) -> VersionedTables:
    """``analytics_<noun>s`` and its ``_versions``, ``_aliases`` and ``_tags``."""
    table = f"analytics_{noun}s"

    def owner() -> Column[str]:
        return Column(
            "asset_row_id",
            ROW_ID,
            ForeignKey(f"{table}.id", ondelete="CASCADE"),
            nullable=False,
        )

    assets = Table(
        table,
        metadata,
        Column("id", ROW_ID, primary_key=True),
        Column(
            "account_id",
            String(12),
            ForeignKey("analytics_accounts.account_id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column(id_column, ID, nullable=False),
        Column("arn", ARN, nullable=False),
        Column("name", NAME, nullable=False),
        Column("latest_version", Integer, nullable=False),
        Column("issued_version", Integer, nullable=False),
        Column("created", TIMESTAMP, nullable=False),
        Column("updated", TIMESTAMP, nullable=False),
        UniqueConstraint("account_id", id_column, name=f"uq_{table}_{id_column}"),
        UniqueConstraint("arn", name=f"uq_{table}_arn"),
    )
    versions = Table(
        f"{table[:-1]}_versions",
        metadata,
        owner(),
        Column("version_number", Integer, nullable=False),
        Column("status", String(30), nullable=False),
        Column("description", String(512), nullable=True),
        *version_columns,
        Column("created", TIMESTAMP, nullable=False),
        PrimaryKeyConstraint("asset_row_id", "version_number"),
    )
    aliases = Table(
        f"{table[:-1]}_aliases",
        metadata,
        owner(),
        Column("alias_name", ALIAS, nullable=False),
        Column("version_number", Integer, nullable=False),
        PrimaryKeyConstraint("asset_row_id", "alias_name"),
    )
    tags = Table(
        f"{table[:-1]}_tags",
        metadata,
        owner(),
        Column("key", String(128), nullable=False),
        Column("value", String(256), nullable=False),
        PrimaryKeyConstraint("asset_row_id", "key"),
    )
    return VersionedTables(assets, versions, aliases, tags)


templates = _versioned(
    "template",
    "template_id",
    Column("source_entity_arn", ARN, nullable=True),
    # The TemplateVersionDefinition as given (or as made from an analysis or a template).
    Column("definition", JSON, nullable=False),
    # [{Type, Message, ViolatedEntities}] found under LENIENT; [] when none.
    Column("errors", JSON, nullable=False),
)

themes = _versioned(
    "theme",
    "theme_id",
    Column("base_theme_id", String(512), nullable=False),
    # The ThemeConfiguration as given.
    Column("configuration", JSON, nullable=False),
)
