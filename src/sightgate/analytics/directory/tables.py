"""The analytics directory's tables (and the access keys'). Uniqueness lives here, as
constraints the database enforces; deletions cascade down the ownership tree
(account -> namespace -> users, groups, memberships, role memberships, tags)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

from sightgate.platform.db import metadata


def _key(length: int) -> TypeEngine[str]:
    """A sort and uniqueness key: code-point order on both backends.

    SQLite compares bytes; PostgreSQL would use the database's locale (which may ignore
    spaces and punctuation), so lists would come in another order than on SQLite.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


ID = String(36)
ACCOUNT_ID = String(12)
NAMESPACE = String(64)
NAMESPACE_KEY = _key(64)
# Names are Latin-1 (QuickSight's U+0020-U+00FF); case folding can at most triple them.
USER_NAME = String(256)
USER_NAME_KEY = _key(768)
GROUP_NAME = String(128)
GROUP_NAME_KEY = _key(384)
TEXT = String(1024)
TIMESTAMP = DateTime(timezone=True)


def _namespace_fk() -> Column[str]:
    return Column(
        "namespace_id",
        ID,
        ForeignKey("analytics_namespaces.namespace_id", ondelete="CASCADE"),
        nullable=False,
    )


accounts = Table(
    "analytics_accounts",
    metadata,
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("account_name", String(62), nullable=False),
    Column("account_name_key", String(62), nullable=False),
    Column("edition", String(20), nullable=False),
    Column("authentication_method", String(30), nullable=False),
    Column("notification_email", TEXT, nullable=False),
    Column("region", String(30), nullable=False),
    Column("directory_id", String(12), nullable=False),
    Column("identity_center_instance_arn", String(200), nullable=True),
    Column("status", String(30), nullable=False),
    Column("default_namespace", NAMESPACE, nullable=False),
    Column("termination_protection_enabled", Boolean, nullable=False),
    Column("public_sharing_enabled", Boolean, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    # QuickSight account names are unique across all accounts.
    UniqueConstraint("account_name_key", name="uq_analytics_accounts_name"),
)

namespaces = Table(
    "analytics_namespaces",
    metadata,
    Column("namespace_id", ID, primary_key=True),
    Column(
        "account_id",
        ACCOUNT_ID,
        ForeignKey("analytics_accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", NAMESPACE, nullable=False),
    Column("name_key", NAMESPACE_KEY, nullable=False),
    Column("identity_store", String(20), nullable=False),
    Column("capacity_region", String(30), nullable=False),
    Column("creation_status", String(30), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    UniqueConstraint("account_id", "name_key", name="uq_analytics_namespaces_name"),
)

users = Table(
    "analytics_users",
    metadata,
    Column("user_id", ID, primary_key=True),
    _namespace_fk(),
    Column("user_name", USER_NAME, nullable=False),
    Column("user_name_key", USER_NAME_KEY, nullable=False),
    Column("email", TEXT, nullable=False),
    Column("role", String(20), nullable=False),
    Column("identity_type", String(30), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("principal_id", String(300), nullable=False),
    Column("iam_arn", TEXT, nullable=True),
    Column("custom_permissions_name", String(64), nullable=True),
    Column("external_login_provider_type", String(20), nullable=True),
    Column("external_login_provider_url", TEXT, nullable=True),
    Column("external_login_id", String(256), nullable=True),
    Column("identity_store_user_id", String(64), nullable=True),
    Column("source", String(20), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    UniqueConstraint("namespace_id", "user_name_key", name="uq_analytics_users_name"),
    UniqueConstraint("namespace_id", "principal_id", name="uq_analytics_users_principal"),
    # Provisioning finds every analytics user of one identity-store user.
    Index(None, "identity_store_user_id"),
)

groups = Table(
    "analytics_groups",
    metadata,
    Column("group_id", ID, primary_key=True),
    _namespace_fk(),
    Column("group_name", GROUP_NAME, nullable=False),
    Column("group_name_key", GROUP_NAME_KEY, nullable=False),
    Column("description", String(512), nullable=True),
    Column("principal_id", String(300), nullable=False),
    Column("identity_store_group_id", String(64), nullable=True),
    Column("source", String(20), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    UniqueConstraint("namespace_id", "group_name_key", name="uq_analytics_groups_name"),
    # Provisioning finds every analytics group of one identity-store group.
    Index(None, "identity_store_group_id"),
)

group_memberships = Table(
    "analytics_group_memberships",
    metadata,
    Column(
        "group_id",
        ID,
        ForeignKey("analytics_groups.group_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "user_id",
        ID,
        ForeignKey("analytics_users.user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", TIMESTAMP, nullable=False),
    PrimaryKeyConstraint("group_id", "user_id"),
    Index(None, "user_id"),
)

role_memberships = Table(
    "analytics_role_memberships",
    metadata,
    _namespace_fk(),
    Column("role", String(20), nullable=False),
    Column("member_name", GROUP_NAME, nullable=False),
    Column("member_name_key", GROUP_NAME_KEY, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    PrimaryKeyConstraint("namespace_id", "role", "member_name_key"),
)

tags = Table(
    "analytics_tags",
    metadata,
    # Every taggable resource lives in a namespace: deleting it deletes their tags.
    _namespace_fk(),
    Column("resource_id", ID, nullable=False, comment="namespace, user or group id"),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
    PrimaryKeyConstraint("resource_id", "key"),
    Index(None, "namespace_id"),
)

access_keys = Table(
    "analytics_access_keys",
    metadata,
    Column("access_key_id", String(20), primary_key=True),
    # No foreign key: a key may exist before its account's subscription does.
    Column("account_id", ACCOUNT_ID, nullable=False),
    # Fernet token of "<access key id>:<secret>": see sightgate.analytics.access_keys.
    Column("secret_ciphertext", String(512), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Index(None, "account_id"),
)

UNIQUE_FIELDS = {
    "pk_analytics_accounts": ("AccountSubscription", "AwsAccountId"),
    "uq_analytics_accounts_name": ("AccountSubscription", "AccountName"),
    "uq_analytics_namespaces_name": ("Namespace", "Namespace"),
    "uq_analytics_users_name": ("User", "UserName"),
    "uq_analytics_users_principal": ("User", "PrincipalId"),
    "uq_analytics_groups_name": ("Group", "GroupName"),
}
"""Which domain field each unique constraint protects, for conflict errors."""
