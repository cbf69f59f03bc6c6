"""SPICE: ingestions and versions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _resource_id() -> sa.types.TypeEngine[str]:
    return sa.String(length=128).with_variant(sa.String(length=128, collation="C"), "postgresql")


def _count() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _data_set_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id", "data_set_id"],
        ["analytics_data_sets.account_id", "analytics_data_sets.data_set_id"],
        name=op.f(f"fk_{table}_account_id_analytics_data_sets"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "analytics_ingestions",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("data_set_id", _resource_id(), nullable=False),
        sa.Column("ingestion_id", _resource_id(), nullable=False),
        sa.Column("arn", sa.String(length=600), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("request_type", sa.String(length=30), nullable=False),
        sa.Column("request_source", sa.String(length=20), nullable=False),
        sa.Column("error_type", sa.String(length=60), nullable=True),
        sa.Column("error_message", sa.String(length=2048), nullable=True),
        sa.Column("rows_ingested", _count(), nullable=True),
        sa.Column("rows_dropped", _count(), nullable=True),
        sa.Column("total_rows", _count(), nullable=True),
        sa.Column("size_bytes", _count(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=300), nullable=True),
        sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False),
        _data_set_fk("analytics_ingestions"),
        sa.PrimaryKeyConstraint(
            "account_id", "data_set_id", "ingestion_id", name=op.f("pk_analytics_ingestions")
        ),
    )
    with op.batch_alter_table("analytics_ingestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_ingestions_status_created"), ["status", "created"]
        )
        for status in ("RUNNING", "QUEUED"):
            condition = sa.text(f"status = '{status}'")
            batch_op.create_index(
                f"uq_analytics_ingestions_one_{status.lower()}",
                ["account_id", "data_set_id"],
                unique=True,
                sqlite_where=condition,
                postgresql_where=condition,
            )
    op.create_table(
        "analytics_spice_versions",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("data_set_id", _resource_id(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=4096), nullable=False),
        sa.Column("row_count", _count(), nullable=False),
        sa.Column("size_bytes", _count(), nullable=False),
        sa.Column("ingestion_id", _resource_id(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        _data_set_fk("analytics_spice_versions"),
        sa.PrimaryKeyConstraint(
            "account_id", "data_set_id", "number", name=op.f("pk_analytics_spice_versions")
        ),
    )


def downgrade() -> None:
    op.drop_table("analytics_spice_versions")
    with op.batch_alter_table("analytics_ingestions", schema=None) as batch_op:
        batch_op.drop_index("uq_analytics_ingestions_one_queued")
        batch_op.drop_index("uq_analytics_ingestions_one_running")
        batch_op.drop_index(batch_op.f("ix_analytics_ingestions_status_created"))
    op.drop_table("analytics_ingestions")
