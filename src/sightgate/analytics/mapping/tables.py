"""The provisioning rules table: one JSON document per account."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Table

from sightgate.platform.db import metadata

provisioning_rules = Table(
    "analytics_provisioning_rules",
    metadata,
    Column(
        "account_id",
        String(12),
        ForeignKey("analytics_accounts.account_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # The validated document (rules_to_json's shape), re-validated when read.
    Column("document", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
