"""grant actions: one row per action of each resource permission, kept by triggers;
covering indexes for what folder grants reach

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12 12:00:00.000000

``analytics_grant_actions`` lets "which resources give this principal this action" be an
index scan instead of decoding every grant's JSON. The database derives it from
``analytics_resource_permissions.actions``: triggers on insert and update rewrite a
grant's rows, and deleting a grant (or its principal, resource or account) cascades, so
no writer (a bulk load included) can let it drift, and it changes in the grant's own
transaction. Existing grants are copied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLE = "analytics_grant_actions"
GRANTS = "analytics_resource_permissions"
PATHS = "analytics_folder_paths"
MEMBERS = "analytics_folder_members"
INDEXED = ["account_id", "resource_type", "action", "resource_arn"]

# The statements are fixed text: no value is formatted into them.
SQLITE = [
    """CREATE TRIGGER analytics_grant_actions_insert
    AFTER INSERT ON analytics_resource_permissions
    BEGIN
        INSERT INTO analytics_grant_actions (resource_arn, principal_arn, action, account_id,
            resource_type, user_id, group_id, namespace_id)
        SELECT NEW.resource_arn, NEW.principal_arn, value, NEW.account_id, NEW.resource_type,
            NEW.user_id, NEW.group_id, NEW.namespace_id
        FROM json_each(NEW.actions);
    END""",
    """CREATE TRIGGER analytics_grant_actions_update
    AFTER UPDATE ON analytics_resource_permissions
    BEGIN
        DELETE FROM analytics_grant_actions
        WHERE resource_arn = OLD.resource_arn AND principal_arn = OLD.principal_arn;
        INSERT INTO analytics_grant_actions (resource_arn, principal_arn, action, account_id,
            resource_type, user_id, group_id, namespace_id)
        SELECT NEW.resource_arn, NEW.principal_arn, value, NEW.account_id, NEW.resource_type,
            NEW.user_id, NEW.group_id, NEW.namespace_id
        FROM json_each(NEW.actions);
    END""",
    """INSERT INTO analytics_grant_actions (resource_arn, principal_arn, action, account_id,
        resource_type, user_id, group_id, namespace_id)
    SELECT g.resource_arn, g.principal_arn, a.value, g.account_id, g.resource_type,
        g.user_id, g.group_id, g.namespace_id
    FROM analytics_resource_permissions AS g, json_each(g.actions) AS a""",
]

POSTGRESQL = [
    """CREATE FUNCTION analytics_grant_actions_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM analytics_grant_actions
            WHERE resource_arn = OLD.resource_arn AND principal_arn = OLD.principal_arn;
        END IF;
        INSERT INTO analytics_grant_actions (resource_arn, principal_arn, action, account_id,
            resource_type, user_id, group_id, namespace_id)
        SELECT NEW.resource_arn, NEW.principal_arn, a, NEW.account_id, NEW.resource_type,
            NEW.user_id, NEW.group_id, NEW.namespace_id
        FROM json_array_elements_text(NEW.actions) AS a;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER analytics_grant_actions_sync
    AFTER INSERT OR UPDATE ON analytics_resource_permissions
    FOR EACH ROW EXECUTE FUNCTION analytics_grant_actions_sync()""",
    """INSERT INTO analytics_grant_actions (resource_arn, principal_arn, action, account_id,
        resource_type, user_id, group_id, namespace_id)
    SELECT g.resource_arn, g.principal_arn, a, g.account_id, g.resource_type,
        g.user_id, g.group_id, g.namespace_id
    FROM analytics_resource_permissions AS g, json_array_elements_text(g.actions) AS a""",
]


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("resource_arn", sa.String(length=1024), nullable=False),
        sa.Column("principal_arn", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("resource_type", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("group_id", sa.String(length=36), nullable=True),
        sa.Column("namespace_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_arn", "principal_arn"],
            [f"{GRANTS}.resource_arn", f"{GRANTS}.principal_arn"],
            name="fk_analytics_grant_actions_grant",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "resource_arn", "principal_arn", "action", name=op.f(f"pk_{TABLE}")
        ),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for principal in ("user", "group", "namespace"):
            only = sa.text(f"{principal}_id IS NOT NULL")
            batch_op.create_index(
                f"ix_{TABLE}_{principal}",
                [f"{principal}_id", *INDEXED],
                unique=False,
                sqlite_where=only,
                postgresql_where=only,
            )
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    # What folder grants reach, read from the indexes alone.
    with op.batch_alter_table(PATHS, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{PATHS}_ancestor_arn"))
        batch_op.create_index(
            batch_op.f(f"ix_{PATHS}_ancestor_arn_folder_id"), ["ancestor_arn", "folder_id"]
        )
    with op.batch_alter_table(MEMBERS, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f(f"ix_{MEMBERS}_folder_id_member_type_member_arn"),
            ["folder_id", "member_type", "member_arn"],
        )


def downgrade() -> None:
    with op.batch_alter_table(MEMBERS, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{MEMBERS}_folder_id_member_type_member_arn"))
    with op.batch_alter_table(PATHS, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{PATHS}_ancestor_arn_folder_id"))
        batch_op.create_index(batch_op.f(f"ix_{PATHS}_ancestor_arn"), ["ancestor_arn"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER analytics_grant_actions_sync ON analytics_resource_permissions")
        op.execute("DROP FUNCTION analytics_grant_actions_sync()")
    else:
        op.execute("DROP TRIGGER analytics_grant_actions_update")
        op.execute("DROP TRIGGER analytics_grant_actions_insert")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for principal in ("namespace", "group", "user"):
            batch_op.drop_index(f"ix_{TABLE}_{principal}")
    op.drop_table(TABLE)
