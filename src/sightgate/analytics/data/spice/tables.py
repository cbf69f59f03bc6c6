"""SPICE's tables: the ingestions of each dataset and the versions they produced.

Both belong to their dataset (cascade). The store keeps the rules about concurrent
ingestions, not the code: at most one RUNNING and one QUEUED ingestion per dataset
(partial unique indexes), so two processes claiming or starting at once cannot both win.
A version row names an immutable DuckDB file; the dataset's current one is
``analytics_data_sets.spice_version_number`` (the catalog's table).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    false,
    text,
)

from sightgate.analytics.data.tables import RESOURCE_ID, TIMESTAMP
from sightgate.platform.db import metadata

COUNT = BigInteger().with_variant(Integer(), "sqlite")


def _data_set_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["account_id", "data_set_id"],
        ["analytics_data_sets.account_id", "analytics_data_sets.data_set_id"],
        ondelete="CASCADE",
    )


def _one_per_data_set(status: str) -> Index:
    """At most one ingestion of a dataset in ``status``."""
    condition = text(f"status = '{status}'")
    return Index(
        f"uq_analytics_ingestions_one_{status.lower()}",
        "account_id",
        "data_set_id",
        unique=True,
        sqlite_where=condition,
        postgresql_where=condition,
    )


ingestions = Table(
    "analytics_ingestions",
    metadata,
    Column("account_id", String(12), nullable=False),
    Column("data_set_id", RESOURCE_ID, nullable=False),
    Column("ingestion_id", RESOURCE_ID, nullable=False),
    Column("arn", String(600), nullable=False),
    Column("status", String(20), nullable=False),
    Column("request_type", String(30), nullable=False),
    Column("request_source", String(20), nullable=False),
    Column("error_type", String(60), nullable=True),
    Column("error_message", String(2048), nullable=True),
    Column("rows_ingested", COUNT, nullable=True),
    Column("rows_dropped", COUNT, nullable=True),
    Column("total_rows", COUNT, nullable=True),
    Column("size_bytes", COUNT, nullable=True),
    Column("progress", Float, nullable=True),
    Column("created", TIMESTAMP, nullable=False),
    Column("started", TIMESTAMP, nullable=True),
    Column("finished", TIMESTAMP, nullable=True),
    # host:pid:token of the runner that claimed it, and when that runner last said so.
    Column("claimed_by", String(300), nullable=True),
    Column("heartbeat", TIMESTAMP, nullable=True),
    Column("cancel_requested", Boolean, nullable=False, server_default=false()),
    PrimaryKeyConstraint("account_id", "data_set_id", "ingestion_id"),
    _data_set_fk(),
    _one_per_data_set("RUNNING"),
    _one_per_data_set("QUEUED"),
    # The runners' question: what is waiting, oldest first; what is running (recovery).
    Index(None, "status", "created"),
)

spice_versions = Table(
    "analytics_spice_versions",
    metadata,
    Column("account_id", String(12), nullable=False),
    Column("data_set_id", RESOURCE_ID, nullable=False),
    Column("number", Integer, nullable=False),
    # The DuckDB file (absolute: every process of a deployment reads the same files).
    Column("path", String(4096), nullable=False),
    Column("row_count", COUNT, nullable=False),
    Column("size_bytes", COUNT, nullable=False),
    Column("ingestion_id", RESOURCE_ID, nullable=False),
    Column("created", TIMESTAMP, nullable=False),
    PrimaryKeyConstraint("account_id", "data_set_id", "number"),
    _data_set_fk(),
)
