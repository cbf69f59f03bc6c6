"""Embed sessions as a table.

One row per generated URL: the session it opens, with the SHA-256 of its one-time code
and, once redeemed, of the session secret (never the secrets themselves). ``user_id`` is
the analytics user's row id when the URL was generated, compared with the user's row
now, so a user deleted and created again under the same name gets no old session; it is
not a foreign key, so the session (and its audit trail) outlives the user.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Table

from sightgate.platform.db import metadata

TIMESTAMP = DateTime(timezone=True)

embed_sessions = Table(
    "analytics_embed_sessions",
    metadata,
    Column("session_id", String(32), primary_key=True),
    Column(
        "account_id",
        String(12),
        ForeignKey("analytics_accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("region", String(30), nullable=False),
    Column("namespace", String(64), nullable=False),
    Column("principal_arn", String(1024), nullable=False),
    Column("user_id", String(36), nullable=True),
    Column("user_name", String(256), nullable=True),
    Column("tags", JSON, nullable=False),
    # None: the dashboards the registered user may view; else AuthorizedResourceArns.
    Column("resource_arns", JSON, nullable=True),
    Column("allowed_domains", JSON, nullable=False),
    Column("experience", JSON, nullable=False),
    Column("lifetime_minutes", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("expires_at", TIMESTAMP, nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("code_expires_at", TIMESTAMP, nullable=False),
    Column("code_used_at", TIMESTAMP, nullable=True),
    Column("secret_hash", String(64), nullable=True),
    Column("opened_at", TIMESTAMP, nullable=True),
    Column("revoked_at", TIMESTAMP, nullable=True),
    Column("expiry_recorded_at", TIMESTAMP, nullable=True),
    Index(None, "account_id", "created_at"),
    Index(None, "expires_at"),
)
