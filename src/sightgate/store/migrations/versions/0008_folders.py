"""folders: the tree, its closure, members and tags

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[str]:
    return sa.String(length=900).with_variant(sa.String(length=900, collation="C"), "postgresql")


def _folder_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["analytics_folders.id"],
        name=op.f(f"fk_{table}_{column}_analytics_folders"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "analytics_folders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("folder_id", _id(), nullable=False),
        sa.Column("arn", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("folder_type", sa.String(length=20), nullable=False),
        sa.Column("sharing_model", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column(
            "parent_key",
            sa.String(length=36),
            nullable=False,
            comment="parent_id, or '' for a root",
        ),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["analytics_accounts.account_id"],
            name=op.f("fk_analytics_folders_account_id_analytics_accounts"),
            ondelete="CASCADE",
        ),
        _folder_fk("analytics_folders", "parent_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_folders")),
        sa.UniqueConstraint("account_id", "folder_id", name="uq_analytics_folders_folder_id"),
        sa.UniqueConstraint("account_id", "parent_key", "name", name="uq_analytics_folders_name"),
        sa.UniqueConstraint("arn", name="uq_analytics_folders_arn"),
    )
    with op.batch_alter_table("analytics_folders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_folders_parent_id"), ["parent_id"], unique=False
        )

    op.create_table(
        "analytics_folder_members",
        sa.Column("folder_id", sa.String(length=36), nullable=False),
        sa.Column("member_type", sa.String(length=20), nullable=False),
        sa.Column("member_id", _id(), nullable=False),
        sa.Column("member_arn", sa.String(length=1024), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        _folder_fk("analytics_folder_members", "folder_id"),
        sa.PrimaryKeyConstraint(
            "folder_id", "member_type", "member_id", name=op.f("pk_analytics_folder_members")
        ),
    )
    with op.batch_alter_table("analytics_folder_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_folder_members_member_arn"), ["member_arn"], unique=False
        )

    op.create_table(
        "analytics_folder_paths",
        sa.Column("folder_id", sa.String(length=36), nullable=False),
        sa.Column("ancestor_id", sa.String(length=36), nullable=False),
        sa.Column("ancestor_arn", sa.String(length=1024), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False, comment="0 for the folder itself"),
        _folder_fk("analytics_folder_paths", "ancestor_id"),
        _folder_fk("analytics_folder_paths", "folder_id"),
        sa.PrimaryKeyConstraint("folder_id", "ancestor_id", name=op.f("pk_analytics_folder_paths")),
    )
    with op.batch_alter_table("analytics_folder_paths", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_folder_paths_ancestor_arn"), ["ancestor_arn"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_analytics_folder_paths_ancestor_id"), ["ancestor_id"], unique=False
        )

    op.create_table(
        "analytics_folder_tags",
        sa.Column("folder_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        _folder_fk("analytics_folder_tags", "folder_id"),
        sa.PrimaryKeyConstraint("folder_id", "key", name=op.f("pk_analytics_folder_tags")),
    )


def downgrade() -> None:
    op.drop_table("analytics_folder_tags")
    with op.batch_alter_table("analytics_folder_paths", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_folder_paths_ancestor_id"))
        batch_op.drop_index(batch_op.f("ix_analytics_folder_paths_ancestor_arn"))
    op.drop_table("analytics_folder_paths")
    with op.batch_alter_table("analytics_folder_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_folder_members_member_arn"))
    op.drop_table("analytics_folder_members")
    with op.batch_alter_table("analytics_folders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_folders_parent_id"))
    op.drop_table("analytics_folders")
