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
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
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
