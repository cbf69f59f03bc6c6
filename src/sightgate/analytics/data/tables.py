"""The data catalog's tables: data sources and datasets of an analytics account.

Both are keyed by (account, id), the ids being the API's ``DataSourceId`` / ``DataSetId``,
and go with their account (cascade). A data source's credentials are stored sealed in the
secret box only (``credentials_sealed``); a dataset keeps the request members it was
created from (``definition``) beside the columns they produce (``output_columns``).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from sightgate.platform.db import metadata

# Resource ids sort in code-point order on both backends (keyset pages and NextTokens).
RESOURCE_ID = String(128).with_variant(String(128, collation="C"), "postgresql")
ARN = String(300)
NAME = String(128)
TIMESTAMP = DateTime(timezone=True)


def _account_fk() -> Column[str]:
    return Column(
        "account_id",
        String(12),
        ForeignKey("analytics_accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    )


data_sources = Table(
    "analytics_data_sources",
    metadata,
    _account_fk(),
    Column("data_source_id", RESOURCE_ID, nullable=False),
    Column("arn", ARN, nullable=False),
    Column("name", NAME, nullable=False),
    Column("type", String(40), nullable=False),
    # DataSourceParameters as given (one member, e.g. PostgreSqlParameters).
    Column("parameters", JSON, nullable=False),
    Column("ssl_disabled", Boolean, nullable=False),
    # The CredentialPair, sealed (purpose "data-source-credentials"); None without one.
    Column("credentials_sealed", Text, nullable=True),
    Column("status", String(30), nullable=False),
    Column("error_type", String(40), nullable=True),
    Column("error_message", String(2048), nullable=True),
    Column("created", TIMESTAMP, nullable=False),
    Column("updated", TIMESTAMP, nullable=False),
    PrimaryKeyConstraint("account_id", "data_source_id"),
)

data_sets = Table(
    "analytics_data_sets",
    metadata,
    _account_fk(),
    Column("data_set_id", RESOURCE_ID, nullable=False),
    Column("arn", ARN, nullable=False),
    Column("name", NAME, nullable=False),
    Column("import_mode", String(20), nullable=False),
    # The Create/UpdateDataSet members as given (what DescribeDataSet returns).
    Column("definition", JSON, nullable=False),
    # [{"Name", "Type"}] after the logical tables' transforms.
    Column("output_columns", JSON, nullable=False),
    Column("use_as", String(20), nullable=True),
    Column("created", TIMESTAMP, nullable=False),
    Column("updated", TIMESTAMP, nullable=False),
    Column("spice_version_number", Integer, nullable=True),
    PrimaryKeyConstraint("account_id", "data_set_id"),
)
