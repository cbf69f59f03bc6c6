"""Domain events and the outbox they are written to.

The outbox is also the audit log: each row says what changed, on which aggregate, who
did it and when. Rows are written in the same transaction as the change they describe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    RowMapping,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)

from sightgate.platform.db import metadata
from sightgate.platform.ids import new_event_id

POSITION_TYPE = BigInteger().with_variant(Integer(), "sqlite")

# A constant key for PostgreSQL's transaction-level advisory lock taken while outbox rows
# are written: it makes positions commit in increasing order, so a reader that has seen
# position N can never later find a smaller one appearing (no skipped events).
OUTBOX_LOCK_KEY = 0x5347_4F42  # "SGOB"
# The PostgreSQL notification channel a transaction that wrote outbox rows notifies; the
# notification is delivered when (and only if) it commits, and wakes the dispatchers.
EVENTS_CHANNEL = "sightgate_events"

events_table = Table(
    "events",
    metadata,
    Column("position", POSITION_TYPE, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(100), nullable=False),
    Column("aggregate_type", String(50), nullable=False),
    Column("aggregate_id", String(200), nullable=False),
    Column("scope", String(200), nullable=False, comment="identity store or account id"),
    Column("actor", String(300), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    Index(None, "aggregate_type", "aggregate_id", "position"),
    Index(None, "scope", "position"),
)

event_cursors_table = Table(
    "event_cursors",
    metadata,
    Column("subscriber", String(200), primary_key=True),
    Column("position", POSITION_TYPE, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
)


@dataclass(frozen=True)
class Actor:
    """Who caused a change: ``kind`` is e.g. ``cli``, ``scim``, ``api``, ``system``."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


SYSTEM = Actor("system", "sightgate")
PROVISIONING = Actor("system", "provisioning")
"""The provisioning worker: the only actor that changes records provisioned from the
identity source (see ``sightgate.analytics.access.authorizer``)."""


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to one aggregate, before it is stored."""

    type: str
    aggregate_type: str
    aggregate_id: str
    scope: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEvent:
    """A domain event as read back from the outbox, with its position in commit order."""

    position: int
    event_id: str
    type: str
    aggregate_type: str
    aggregate_id: str
    scope: str
    actor: str
    occurred_at: datetime
    payload: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the shape ``sightgate events tail --json`` prints)."""
        return {
            "Position": self.position,
            "EventId": self.event_id,
            "Type": self.type,
            "AggregateType": self.aggregate_type,
            "AggregateId": self.aggregate_id,
            "Scope": self.scope,
            "Actor": self.actor,
            "OccurredAt": self.occurred_at.isoformat(),
            "Payload": dict(self.payload),
        }


def append_events(conn: Connection, actor: Actor, events: Sequence[DomainEvent]) -> None:
    """Write ``events`` to the outbox inside the caller's transaction (on PostgreSQL,
    with a notification on ``EVENTS_CHANNEL`` for its commit)."""
    if not events:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:key), pg_notify(:channel, '')"),
            {"key": OUTBOX_LOCK_KEY, "channel": EVENTS_CHANNEL},
        )
    now = datetime.now(UTC)
    conn.execute(
        insert(events_table),
        [
            {
                "event_id": new_event_id(),
                "type": e.type,
                "aggregate_type": e.aggregate_type,
                "aggregate_id": e.aggregate_id,
                "scope": e.scope,
                "actor": str(actor),
                "occurred_at": now,
                "payload": dict(e.payload),
            }
            for e in events
        ],
    )


def read_events(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = 100,
    scope: str | None = None,
    types: Sequence[str] | None = None,
) -> list[StoredEvent]:
    """Events with a position greater than ``after``, oldest first."""
    query = select(events_table).where(events_table.c.position > after)
    if scope is not None:
        query = query.where(events_table.c.scope == scope)
    if types:
        query = query.where(events_table.c.type.in_(types))
    rows = conn.execute(query.order_by(events_table.c.position).limit(limit)).mappings()
    return [_to_stored(row) for row in rows]


def latest_events(conn: Connection, *, limit: int) -> list[StoredEvent]:
    """The newest ``limit`` events, oldest first."""
    newest = conn.execute(select(func.max(events_table.c.position))).scalar_one_or_none() or 0
    return read_events(conn, after=max(0, newest - limit), limit=limit)


def _to_stored(row: RowMapping) -> StoredEvent:
    occurred_at: datetime = row["occurred_at"]
    if occurred_at.tzinfo is None:  # SQLite drops the zone; we always store UTC
        occurred_at = occurred_at.replace(tzinfo=UTC)
    return StoredEvent(
        position=row["position"],
        event_id=row["event_id"],
        type=row["type"],
        aggregate_type=row["aggregate_type"],
        aggregate_id=row["aggregate_id"],
        scope=row["scope"],
        actor=row["actor"],
        occurred_at=occurred_at,
        payload=row["payload"],
    )
