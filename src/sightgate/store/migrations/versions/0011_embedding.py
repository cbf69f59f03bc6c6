"""embedding: embed sessions (one per generated embed URL)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-11 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "analytics_embed_sessions"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=30), nullable=False),
        sa.Column("namespace", sa.String(length=64), nullable=False),
        sa.Column("principal_arn", sa.String(length=1024), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("user_name", sa.String(length=256), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("resource_arns", sa.JSON(), nullable=True),
        sa.Column("allowed_domains", sa.JSON(), nullable=False),
        sa.Column("experience", sa.JSON(), nullable=False),
        sa.Column("lifetime_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expiry_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["analytics_accounts.account_id"],
            name=op.f(f"fk_{TABLE}_account_id_analytics_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f(f"pk_{TABLE}")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f(f"ix_{TABLE}_account_id_created_at"),
            ["account_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_expires_at"))
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_account_id_created_at"))
    op.drop_table(TABLE)
