"""Ingestion rows: reading them as ``Ingestion`` values and moving them through their
statuses with conditional updates, so a change never lands on a row that moved on.

QUEUED -> RUNNING is a claim by one runner (``claimed_by``), which then beats its
``heartbeat``; RUNNING -> COMPLETED/FAILED happens only while that runner still holds it,
and QUEUED/RUNNING -> CANCELLED at any time (the runner sees it at its next beat). Every
finish writes an event (the audit log) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Connection, RowMapping, and_, exists, or_, select, tuple_, update
from sqlalchemy.sql.elements import ColumnElement

from sightgate.analytics.data.model import ErrorInfo
from sightgate.analytics.data.spice.model import (
    ACTIVE,
    Ingestion,
    IngestionStatus,
    RequestSource,
    RequestType,
)
from sightgate.analytics.data.spice.tables import ingestions
from sightgate.platform.events import DomainEvent

INGESTION_QUEUED = "analytics.IngestionQueued"
INGESTION_COMPLETED = "analytics.IngestionCompleted"
INGESTION_FAILED = "analytics.IngestionFailed"
INGESTION_CANCELLED = "analytics.IngestionCancelled"

c = ingestions.c
Key = tuple[str, str, str]
"""(account id, dataset id, ingestion id)."""


def key_of(ingestion: Ingestion) -> Key:
    return (ingestion.account_id, ingestion.data_set_id, ingestion.ingestion_id)


def _is(key: Key) -> ColumnElement[bool]:
    account_id, data_set_id, ingestion_id = key
    return and_(
        c.account_id == account_id, c.data_set_id == data_set_id, c.ingestion_id == ingestion_id
    )


def event(type_: str, ingestion: Ingestion, **payload: object) -> DomainEvent:
    """An event about an ingestion (scope: its account)."""
    return DomainEvent(
        type=type_,
        aggregate_type="Ingestion",
        aggregate_id=ingestion.arn,
        scope=ingestion.account_id,
        payload={
            "DataSetId": ingestion.data_set_id,
            "IngestionId": ingestion.ingestion_id,
            "RequestType": ingestion.request_type.value,
            **payload,
        },
    )


def to_ingestion(row: RowMapping, queued_behind: str | None = None) -> Ingestion:
    error = ErrorInfo(row["error_type"], row["error_message"] or "") if row["error_type"] else None
    return Ingestion(
        account_id=row["account_id"],
        data_set_id=row["data_set_id"],
        ingestion_id=row["ingestion_id"],
        arn=row["arn"],
        status=IngestionStatus(row["status"]),
        request_type=RequestType(row["request_type"]),
        request_source=RequestSource(row["request_source"]),
        created=_utc(row["created"]) or row["created"],
        started=_utc(row["started"]),
        finished=_utc(row["finished"]),
        error=error,
        rows_ingested=row["rows_ingested"],
        rows_dropped=row["rows_dropped"],
        total_rows=row["total_rows"],
        size_bytes=row["size_bytes"],
        progress=row["progress"],
        queued_behind=queued_behind,
    )


def read(conn: Connection, key: Key) -> Ingestion | None:
    row = conn.execute(select(ingestions).where(_is(key))).mappings().first()
    if row is None:
        return None
    return with_queue_info(conn, [to_ingestion(row)])[0]


def with_queue_info(conn: Connection, found: Sequence[Ingestion]) -> list[Ingestion]:
    """``found`` with each QUEUED one's ``queued_behind``: its dataset's RUNNING one."""
    queued = {(i.account_id, i.data_set_id) for i in found if i.status is IngestionStatus.QUEUED}
    if not queued:
        return list(found)
    running = {
        (r.account_id, r.data_set_id): r.ingestion_id
        for r in conn.execute(
            select(c.account_id, c.data_set_id, c.ingestion_id).where(
                c.status == IngestionStatus.RUNNING.value,
                tuple_(c.account_id, c.data_set_id).in_(sorted(queued)),
            )
        )
    }
    return [
        _replace_queue(i, running.get((i.account_id, i.data_set_id)))
        if i.status is IngestionStatus.QUEUED
        else i
        for i in found
    ]


def _replace_queue(ingestion: Ingestion, behind: str | None) -> Ingestion:
    return replace(ingestion, queued_behind=behind)


def active_of(conn: Connection, account_id: str, data_set_id: str) -> list[Ingestion]:
    """The dataset's QUEUED and RUNNING ingestions."""
    rows = conn.execute(
        select(ingestions).where(
            c.account_id == account_id,
            c.data_set_id == data_set_id,
            c.status.in_([s.value for s in ACTIVE]),
        )
    ).mappings()
    return [to_ingestion(row) for row in rows]


def claim_next(conn: Connection, runner: str, now: datetime) -> Ingestion | None:
    """Claim the oldest QUEUED ingestion of a dataset with none RUNNING, for ``runner``;
    None when there is none (or another runner was faster)."""
    running = ingestions.alias("running")
    candidate = conn.execute(
        select(c.account_id, c.data_set_id, c.ingestion_id)
        .where(
            c.status == IngestionStatus.QUEUED.value,
            ~exists().where(
                running.c.account_id == c.account_id,
                running.c.data_set_id == c.data_set_id,
                running.c.status == IngestionStatus.RUNNING.value,
            ),
        )
        .order_by(c.created, c.ingestion_id)
        .limit(1)
    ).first()
    if candidate is None:
        return None
    return claim(conn, (candidate[0], candidate[1], candidate[2]), runner, now)


def claim(conn: Connection, key: Key, runner: str, now: datetime) -> Ingestion | None:
    """Claim ``key`` if it is still QUEUED; the claimed ingestion, or None."""
    claimed = conn.execute(
        update(ingestions)
        .where(_is(key), c.status == IngestionStatus.QUEUED.value)
        .values(
            status=IngestionStatus.RUNNING.value,
            claimed_by=runner,
            started=now,
            heartbeat=now,
            rows_ingested=0,
        )
    )
    if claimed.rowcount != 1:
        return None
    return read(conn, key)


def beat(
    conn: Connection, key: Key, runner: str, now: datetime, rows: int, progress: float | None
) -> bool:
    """Record that ``runner`` still works on ``key``, with its progress; False when the
    ingestion is no longer its own (cancelled, or failed by recovery)."""
    result = conn.execute(
        update(ingestions)
        .where(_is(key), c.status == IngestionStatus.RUNNING.value, c.claimed_by == runner)
        .values(heartbeat=now, rows_ingested=rows, progress=progress)
    )
    return result.rowcount == 1


def complete(
    conn: Connection,
    key: Key,
    runner: str,
    now: datetime,
    *,
    rows: int,
    dropped: int,
    size: int,
) -> bool:
    """RUNNING -> COMPLETED while ``runner`` holds it; whether it did."""
    result = conn.execute(
        update(ingestions)
        .where(_is(key), c.status == IngestionStatus.RUNNING.value, c.claimed_by == runner)
        .values(
            status=IngestionStatus.COMPLETED.value,
            finished=now,
            heartbeat=now,
            rows_ingested=rows,
            rows_dropped=dropped,
            total_rows=rows,
            size_bytes=size,
            progress=1.0,
        )
    )
    return result.rowcount == 1


def fail(
    conn: Connection,
    keys: Iterable[Key],
    now: datetime,
    error: ErrorInfo,
    runner: str | None = None,
) -> list[Ingestion]:
    """RUNNING -> FAILED (only while ``runner`` holds it, when given); the ones failed."""
    failed: list[Ingestion] = []
    for key in keys:
        condition = and_(_is(key), c.status == IngestionStatus.RUNNING.value)
        if runner is not None:
            condition = and_(condition, c.claimed_by == runner)
        result = conn.execute(
            update(ingestions)
            .where(condition)
            .values(
                status=IngestionStatus.FAILED.value,
                finished=now,
                error_type=error.type,
                error_message=error.message[:2048],
                progress=None,
            )
        )
        if result.rowcount == 1:
            found = read(conn, key)
            if found is not None:
                failed.append(found)
    return failed


def cancel(conn: Connection, key: Key, now: datetime, error: ErrorInfo) -> bool:
    """QUEUED/RUNNING -> CANCELLED; whether it was still active."""
    result = conn.execute(
        update(ingestions)
        .where(_is(key), c.status.in_([s.value for s in ACTIVE]))
        .values(
            status=IngestionStatus.CANCELLED.value,
            finished=now,
            cancel_requested=True,
            error_type=error.type,
            error_message=error.message,
            progress=None,
        )
    )
    return result.rowcount == 1


def claims(conn: Connection) -> list[tuple[Key, str]]:
    """Every RUNNING ingestion and the runner holding it."""
    rows = conn.execute(
        select(c.account_id, c.data_set_id, c.ingestion_id, c.claimed_by).where(
            c.status == IngestionStatus.RUNNING.value
        )
    )
    return [((r[0], r[1], r[2]), r[3] or "") for r in rows]


def stale(conn: Connection, cutoff: datetime) -> list[Key]:
    """RUNNING ingestions whose runner has not beaten since ``cutoff``."""
    rows = conn.execute(
        select(c.account_id, c.data_set_id, c.ingestion_id).where(
            c.status == IngestionStatus.RUNNING.value,
            or_(c.heartbeat.is_(None), c.heartbeat < cutoff),
        )
    )
    return [(r[0], r[1], r[2]) for r in rows]


def _utc(value: datetime | None) -> datetime | None:
    """A stored time as UTC (SQLite drops the zone; we always store UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
