"""Resource permissions: which user, group or namespace may do which actions on a resource.

A grant names its principal by a foreign key to the user, group or namespace row (exactly
one of the three), so deleting a principal deletes its grants in the same transaction, and
a user or group created later under the same name never inherits them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    text,
)

from sightgate.platform.db import metadata


def _principal_fk(name: str, target: str) -> Column[str]:
    return Column(name, String(36), ForeignKey(target, ondelete="CASCADE"), nullable=True)


resource_permissions = Table(
    "analytics_resource_permissions",
    metadata,
    Column("resource_arn", String(1024), nullable=False),
    Column("principal_arn", String(300), nullable=False),
    Column(
        "account_id",
        String(12),
        ForeignKey("analytics_accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("resource_type", String(20), nullable=False),
    _principal_fk("user_id", "analytics_users.user_id"),
    _principal_fk("group_id", "analytics_groups.group_id"),
    _principal_fk("namespace_id", "analytics_namespaces.namespace_id"),
    # The granted actions, sorted: at most 20 per principal and resource.
    Column("actions", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("resource_arn", "principal_arn"),
    CheckConstraint(
        "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
        " + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END)"
        " + (CASE WHEN namespace_id IS NULL THEN 0 ELSE 1 END) = 1",
        name="one_principal",
    ),
    # "What may this principal see": grants by principal, per resource type.
    Index(None, "user_id", "resource_type"),
    Index(None, "group_id", "resource_type"),
    Index(None, "namespace_id", "resource_type"),
)

grant_actions = Table(
    "analytics_grant_actions",
    metadata,
    Column("resource_arn", String(1024), nullable=False),
    Column("principal_arn", String(300), nullable=False),
    Column("action", String(64), nullable=False),
    Column("account_id", String(12), nullable=False),
    Column("resource_type", String(20), nullable=False),
    Column("user_id", String(36), nullable=True),
    Column("group_id", String(36), nullable=True),
    Column("namespace_id", String(36), nullable=True),
    PrimaryKeyConstraint("resource_arn", "principal_arn", "action"),
    ForeignKeyConstraint(
        ["resource_arn", "principal_arn"],
        [resource_permissions.c.resource_arn, resource_permissions.c.principal_arn],
        name="fk_analytics_grant_actions_grant",
        ondelete="CASCADE",
    ),
    # "Where does this principal have this action": one covering index scan each, partial
    # (a row is in the index of its one kind of principal), so a grant writes each row into
    # the primary key and one index only.
    *(
        Index(
            f"ix_analytics_grant_actions_{kind}",
            f"{kind}_id",
            "account_id",
            "resource_type",
            "action",
            "resource_arn",
            sqlite_where=text(f"{kind}_id IS NOT NULL"),
            postgresql_where=text(f"{kind}_id IS NOT NULL"),
        )
        for kind in ("user", "group", "namespace")
    ),
)
"""One row per action of each resource permission, with its principal ids: what lets SQL
decide "which resources give this principal this action" by an index scan, without
decoding JSON. Derived from ``analytics_resource_permissions.actions`` by triggers the
migration creates (insert, update; deletes cascade), so every writer, a bulk load
included, keeps it exact in the same transaction."""
