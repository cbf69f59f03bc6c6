"""The identity store's tables. Uniqueness lives here, as constraints the database enforces."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)

from sightgate.platform.db import metadata

ID = String(64)
TEXT = String(1024)

instances = Table(
    "identity_instances",
    metadata,
    Column("instance_id", ID, primary_key=True),
    Column("instance_arn", String(200), nullable=False, unique=True),
    Column("identity_store_id", ID, nullable=False, unique=True),
    Column("type", String(20), nullable=False),
    Column("owner_account_id", String(12), nullable=False),
    # Set only for ACCOUNT instances: an account owns at most one account instance.
    Column("account_instance_owner", String(12), nullable=True, unique=True),
    Column("name", String(255), nullable=True),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

instance_accounts = Table(
    "identity_instance_accounts",
    metadata,
    Column(
        "instance_id",
        ID,
        ForeignKey("identity_instances.instance_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("account_id", String(12), primary_key=True),
    Index(None, "account_id"),
)

users = Table(
    "identity_users",
    metadata,
    Column("user_id", ID, primary_key=True),
    Column(
        "identity_store_id",
        ID,
        ForeignKey("identity_instances.identity_store_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("user_name", String(128), nullable=False),
    Column("user_name_key", String(512), nullable=False),
    Column("display_name", TEXT),
    Column("formatted_name", TEXT),
    Column("family_name", TEXT),
    Column("given_name", TEXT),
    Column("middle_name", TEXT),
    Column("honorific_prefix", TEXT),
    Column("honorific_suffix", TEXT),
    Column("nick_name", TEXT),
    Column("profile_url", TEXT),
    Column("title", TEXT),
    Column("user_type", TEXT),
    Column("preferred_language", TEXT),
    Column("locale", TEXT),
    Column("timezone", TEXT),
    Column("active", Boolean, nullable=False),
    Column("employee_number", TEXT),
    Column("cost_center", TEXT),
    Column("organization", TEXT),
    Column("division", TEXT),
    Column("department", TEXT),
    Column("manager_id", ID),
    Column("extra", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("identity_store_id", "user_name_key", name="uq_identity_users_name"),
)

user_emails = Table(
    "identity_user_emails",
    metadata,
    Column("user_id", ID, ForeignKey("identity_users.user_id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("value", TEXT, nullable=False),
    Column("value_key", TEXT, nullable=False),
    Column("type", String(255)),
    Column("display", TEXT),
    Column("is_primary", Boolean, nullable=False),
    UniqueConstraint("user_id", "ordinal"),
    Index(None, "value_key"),
)

groups = Table(
    "identity_groups",
    metadata,
    Column("group_id", ID, primary_key=True),
    Column(
        "identity_store_id",
        ID,
        ForeignKey("identity_instances.identity_store_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("display_name", TEXT, nullable=False),
    Column("display_name_key", String(4096), nullable=False),
    Column("description", TEXT),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("identity_store_id", "display_name_key", name="uq_identity_groups_name"),
)

external_ids = Table(
    "identity_external_ids",
    metadata,
    Column("identity_store_id", ID, nullable=False),
    Column("resource_type", String(10), nullable=False, comment="user or group"),
    Column("resource_id", ID, nullable=False),
    Column("issuer", TEXT, nullable=False),
    Column("external_id", TEXT, nullable=False),
    Column("ordinal", Integer, nullable=False),
    Index(
        "ix_identity_external_ids_lookup",
        "identity_store_id",
        "resource_type",
        "issuer",
        "external_id",
    ),
    # Unique per issuer, except SCIM's externalId: RFC 7643 does not make it unique and
    # provisioning clients (Entra's own test suite among them) reuse it.
    Index(
        "uq_identity_external_ids",
        "identity_store_id",
        "resource_type",
        "issuer",
        "external_id",
        unique=True,
        sqlite_where=text("issuer <> 'scim'"),
        postgresql_where=text("issuer <> 'scim'"),
    ),
    Index(None, "resource_id"),
)

memberships = Table(
    "identity_group_memberships",
    metadata,
    Column("membership_id", ID, primary_key=True),
    Column("identity_store_id", ID, nullable=False),
    Column(
        "group_id", ID, ForeignKey("identity_groups.group_id", ondelete="CASCADE"), nullable=False
    ),
    Column("user_id", ID, ForeignKey("identity_users.user_id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("group_id", "user_id", name="uq_identity_memberships"),
    Index(None, "user_id"),
)

scim_tokens = Table(
    "identity_scim_tokens",
    metadata,
    Column("token_id", String(16), primary_key=True),
    Column(
        "identity_store_id",
        ID,
        ForeignKey("identity_instances.identity_store_id", ondelete="CASCADE"),
        nullable=False,
    ),
    # SHA-256 of the secret part only: see sightgate.identity.scim_tokens for why.
    Column("secret_hash", String(64), nullable=False),
    Column("description", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    # Listing a store's tokens, and the ON DELETE CASCADE when its instance goes.
    Index(None, "identity_store_id"),
)

UNIQUE_FIELDS = {
    "uq_identity_users_name": ("User", "UserName"),
    "uq_identity_groups_name": ("Group", "DisplayName"),
    "uq_identity_external_ids": ("resource", "ExternalId"),
    "uq_identity_instances_account_instance_owner": ("Instance", "AccountId"),
    "uq_identity_memberships": ("GroupMembership", "MemberId"),
}
"""Which domain field each unique constraint protects, for conflict errors."""
