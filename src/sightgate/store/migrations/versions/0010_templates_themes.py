"""templates and themes: each with versions, aliases and tags

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 12:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[str]:
    return sa.String(length=900).with_variant(sa.String(length=900, collation="C"), "postgresql")


def _owner(table: str, target: str) -> list[Any]:
    """The column naming the owning asset's row, and its cascading foreign key."""
    return [
        sa.Column("asset_row_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_row_id"],
            [f"{target}.id"],
            name=op.f(f"fk_{table}_asset_row_id_{target}"),
            ondelete="CASCADE",
        ),
    ]


def _versioned(noun: str, id_column: str, *version_columns: sa.Column[object]) -> None:
    """``analytics_<noun>s`` with its ``_versions``, ``_aliases`` and ``_tags``."""
    table = f"analytics_{noun}s"
    op.create_table(
        table,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column(id_column, _id(), nullable=False),
        sa.Column("arn", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=2048), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("issued_version", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["analytics_accounts.account_id"],
            name=op.f(f"fk_{table}_account_id_analytics_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("account_id", id_column, name=f"uq_{table}_{id_column}"),
        sa.UniqueConstraint("arn", name=f"uq_{table}_arn"),
    )
    versions = f"analytics_{noun}_versions"
    op.create_table(
        versions,
        *_owner(versions, table),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=True),
        *version_columns,
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("asset_row_id", "version_number", name=op.f(f"pk_{versions}")),
    )
    aliases = f"analytics_{noun}_aliases"
    op.create_table(
        aliases,
        *_owner(aliases, table),
        sa.Column("alias_name", sa.String(length=2048), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("asset_row_id", "alias_name", name=op.f(f"pk_{aliases}")),
    )
    tags = f"analytics_{noun}_tags"
    op.create_table(
        tags,
        *_owner(tags, table),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("asset_row_id", "key", name=op.f(f"pk_{tags}")),
    )


def upgrade() -> None:
    _versioned(
        "template",
        "template_id",
        sa.Column("source_entity_arn", sa.String(length=1024), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
    )
    _versioned(
        "theme",
        "theme_id",
        sa.Column("base_theme_id", sa.String(length=512), nullable=False),
        sa.Column("configuration", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    for noun in ("theme", "template"):
        for table in (f"{noun}_tags", f"{noun}_aliases", f"{noun}_versions", f"{noun}s"):
            op.drop_table(f"analytics_{table}")
