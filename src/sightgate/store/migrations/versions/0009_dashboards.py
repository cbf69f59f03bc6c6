"""dashboards: dashboards, their versions and tags; analyses and their tags

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[str]:
    return sa.String(length=900).with_variant(sa.String(length=900, collation="C"), "postgresql")


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"],
        ["analytics_accounts.account_id"],
        name=op.f(f"fk_{table}_account_id_analytics_accounts"),
        ondelete="CASCADE",
    )


def _row_fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def _asset_columns(id_column: str) -> list[sa.Column[object]]:
    """The columns dashboards and analyses begin with."""
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column(id_column, _id(), nullable=False),
        sa.Column("arn", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=2048), nullable=False),
    ]


def _tags(table: str, column: str, target: str) -> None:
    op.create_table(
        table,
        sa.Column(column, sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        _row_fk(table, column, target),
        sa.PrimaryKeyConstraint(column, "key", name=op.f(f"pk_{table}")),
    )


def _name_index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f(f"ix_{table}_account_id_name"), ["account_id", "name"], unique=False
        )


def upgrade() -> None:
    op.create_table(
        "analytics_dashboards",
        *_asset_columns("dashboard_id"),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=False),
        sa.Column("link_permissions", sa.JSON(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=False),
        _account_fk("analytics_dashboards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_dashboards")),
        sa.UniqueConstraint(
            "account_id", "dashboard_id", name="uq_analytics_dashboards_dashboard_id"
        ),
        sa.UniqueConstraint("arn", name="uq_analytics_dashboards_arn"),
    )
    _name_index("analytics_dashboards")
    op.create_table(
        "analytics_dashboard_versions",
        sa.Column("dashboard_row_id", sa.String(length=36), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=True),
        sa.Column("source_entity_arn", sa.String(length=1024), nullable=True),
        sa.Column("theme_arn", sa.String(length=1024), nullable=True),
        sa.Column("data_set_arns", sa.JSON(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("publish_options", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        _row_fk("analytics_dashboard_versions", "dashboard_row_id", "analytics_dashboards"),
        sa.PrimaryKeyConstraint(
            "dashboard_row_id", "version_number", name=op.f("pk_analytics_dashboard_versions")
        ),
    )
    _tags("analytics_dashboard_tags", "dashboard_row_id", "analytics_dashboards")

    op.create_table(
        "analytics_analyses",
        *_asset_columns("analysis_id"),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("source_entity_arn", sa.String(length=1024), nullable=True),
        sa.Column("theme_arn", sa.String(length=1024), nullable=True),
        sa.Column("data_set_arns", sa.JSON(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deletion_time", sa.DateTime(timezone=True), nullable=True),
        _account_fk("analytics_analyses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_analyses")),
        sa.UniqueConstraint("account_id", "analysis_id", name="uq_analytics_analyses_analysis_id"),
        sa.UniqueConstraint("arn", name="uq_analytics_analyses_arn"),
    )
    _name_index("analytics_analyses")
    _tags("analytics_analysis_tags", "analysis_row_id", "analytics_analyses")


def downgrade() -> None:
    op.drop_table("analytics_analysis_tags")
    with op.batch_alter_table("analytics_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_analyses_account_id_name"))
    op.drop_table("analytics_analyses")
    op.drop_table("analytics_dashboard_tags")
    op.drop_table("analytics_dashboard_versions")
    with op.batch_alter_table("analytics_dashboards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_dashboards_account_id_name"))
    op.drop_table("analytics_dashboards")
