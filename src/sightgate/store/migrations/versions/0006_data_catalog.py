"""data catalog: data sources and datasets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _resource_id() -> sa.types.TypeEngine[str]:
    return sa.String(length=128).with_variant(sa.String(length=128, collation="C"), "postgresql")


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"],
        ["analytics_accounts.account_id"],
        name=op.f(f"fk_{table}_account_id_analytics_accounts"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "analytics_data_sources",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("data_source_id", _resource_id(), nullable=False),
        sa.Column("arn", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("ssl_disabled", sa.Boolean(), nullable=False),
        sa.Column("credentials_sealed", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("error_type", sa.String(length=40), nullable=True),
        sa.Column("error_message", sa.String(length=2048), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        _account_fk("analytics_data_sources"),
        sa.PrimaryKeyConstraint(
            "account_id", "data_source_id", name=op.f("pk_analytics_data_sources")
        ),
    )
    op.create_table(
        "analytics_data_sets",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("data_set_id", _resource_id(), nullable=False),
        sa.Column("arn", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("import_mode", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("output_columns", sa.JSON(), nullable=False),
        sa.Column("use_as", sa.String(length=20), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spice_version_number", sa.Integer(), nullable=True),
        _account_fk("analytics_data_sets"),
        sa.PrimaryKeyConstraint("account_id", "data_set_id", name=op.f("pk_analytics_data_sets")),
    )


def downgrade() -> None:
    op.drop_table("analytics_data_sets")
    op.drop_table("analytics_data_sources")
