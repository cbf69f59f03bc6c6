"""Dashboards (with their versions) and analyses, as tables.

Both are keyed by an internal row id, the API's ``DashboardId`` / ``AnalysisId`` being
unique per account, so versions and tags hang off a row and go with it (cascade): a
dashboard created again under the same id starts from version 1 without old tags.
A definition is stored as the API member it came as (``definition``, JSON, untouched),
beside what was derived from it on write (``data_set_arns``, ``errors``), so Describe
never re-derives and ``Describe*Definition`` returns exactly what was sent.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from sightgate.analytics.assets.tables import ARN, ID, ROW_ID, TIMESTAMP
from sightgate.platform.db import metadata

NAME = String(2048)


def _account_fk() -> Column[str]:
    return Column(
        "account_id",
        String(12),
        ForeignKey("analytics_accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    )


def _row_fk(name: str, target: str) -> Column[str]:
    return Column(name, ROW_ID, ForeignKey(f"{target}.id", ondelete="CASCADE"), nullable=False)


dashboards = Table(
    "analytics_dashboards",
    metadata,
    Column("id", ROW_ID, primary_key=True),
    _account_fk(),
    Column("dashboard_id", ID, nullable=False),
    Column("arn", ARN, nullable=False),
    Column("name", NAME, nullable=False),
    Column("latest_version", Integer, nullable=False),
    Column("published_version", Integer, nullable=False),
    # LinkSharingConfiguration.Permissions ([{Principal, Actions}]); None when never set.
    Column("link_permissions", JSON, nullable=True),
    Column("created", TIMESTAMP, nullable=False),
    Column("updated", TIMESTAMP, nullable=False),
    Column("published", TIMESTAMP, nullable=False),
    UniqueConstraint("account_id", "dashboard_id", name="uq_analytics_dashboards_dashboard_id"),
    UniqueConstraint("arn", name="uq_analytics_dashboards_arn"),
    Index(None, "account_id", "name"),
)

dashboard_versions = Table(
    "analytics_dashboard_versions",
    metadata,
    _row_fk("dashboard_row_id", "analytics_dashboards"),
    Column("version_number", Integer, nullable=False),
    Column("status", String(30), nullable=False),
    Column("description", String(512), nullable=True),
    Column("source_entity_arn", ARN, nullable=True),
    Column("theme_arn", ARN, nullable=True),
    Column("data_set_arns", JSON, nullable=False),
    # The DashboardVersionDefinition as given (or as made from a template).
    Column("definition", JSON, nullable=False),
    Column("publish_options", JSON, nullable=True),
    # [{Type, Message, ViolatedEntities}] found under LENIENT; [] when none.
    Column("errors", JSON, nullable=False),
    Column("created", TIMESTAMP, nullable=False),
    PrimaryKeyConstraint("dashboard_row_id", "version_number"),
)

dashboard_tags = Table(
    "analytics_dashboard_tags",
    metadata,
    _row_fk("dashboard_row_id", "analytics_dashboards"),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
    PrimaryKeyConstraint("dashboard_row_id", "key"),
)

analyses = Table(
    "analytics_analyses",
    metadata,
    Column("id", ROW_ID, primary_key=True),
    _account_fk(),
    Column("analysis_id", ID, nullable=False),
    Column("arn", ARN, nullable=False),
    Column("name", NAME, nullable=False),
    Column("status", String(30), nullable=False),
    Column("source_entity_arn", ARN, nullable=True),
    Column("theme_arn", ARN, nullable=True),
    Column("data_set_arns", JSON, nullable=False),
    # The AnalysisDefinition as given (or as made from a template).
    Column("definition", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("created", TIMESTAMP, nullable=False),
    Column("updated", TIMESTAMP, nullable=False),
    # When a deleted analysis goes for good (None while it is not deleted).
    Column("deletion_time", TIMESTAMP, nullable=True),
    UniqueConstraint("account_id", "analysis_id", name="uq_analytics_analyses_analysis_id"),
    UniqueConstraint("arn", name="uq_analytics_analyses_arn"),
    Index(None, "account_id", "name"),
)

analysis_tags = Table(
    "analytics_analysis_tags",
    metadata,
    _row_fk("analysis_row_id", "analytics_analyses"),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
    PrimaryKeyConstraint("analysis_row_id", "key"),
)

UNIQUE_FIELDS = {
    "uq_analytics_dashboards_dashboard_id": ("Dashboard", "DashboardId"),
    "uq_analytics_dashboards_arn": ("Dashboard", "DashboardId"),
    "uq_analytics_analyses_analysis_id": ("Analysis", "AnalysisId"),
    "uq_analytics_analyses_arn": ("Analysis", "AnalysisId"),
}
"""Which input each unique constraint protects, for conflict errors."""
