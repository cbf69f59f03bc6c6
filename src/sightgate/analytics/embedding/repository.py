"""Rows of embed sessions, and the little embedding reads of dashboards.

Every state change is a conditional ``UPDATE`` (``… WHERE code_used_at IS NULL``), so two
redemptions of one code racing each other open the session once, whichever backend.
The statements of the request path are built once, with bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, insert, select, update

from sightgate.analytics.assets.dashboard_tables import dashboards
from sightgate.analytics.directory.repository import utc
from sightgate.analytics.embedding.sessions import EmbedSession, Experience, RegisteredUser
from sightgate.analytics.embedding.tables import embed_sessions as s

_INSERT = insert(s)
_BY_ID = select(s).where(s.c.session_id == bindparam("session_id"))
_DASHBOARD_ARN = select(dashboards.c.arn).where(
    dashboards.c.account_id == bindparam("account_id"),
    dashboards.c.dashboard_id == bindparam("dashboard_id"),
)


@dataclass(frozen=True)
class StoredSession:
    """A session with what only the store knows: the digests and bookkeeping."""

    session: EmbedSession
    code_hash: str
    code_used_at: datetime | None
    secret_hash: str | None
    expiry_recorded_at: datetime | None


def insert_session(conn: Connection, session: EmbedSession, code_hash: str) -> None:
    """Write a new, pending session."""
    user = session.user
    conn.execute(
        _INSERT,
        {
            "session_id": session.session_id,
            "account_id": session.account_id,
            "region": session.region,
            "namespace": session.namespace,
            "principal_arn": session.principal_arn,
            "user_id": None if user is None else user.user_id,
            "user_name": None if user is None else user.user_name,
            "tags": dict(session.tags),
            "resource_arns": None if session.resource_arns is None else list(session.resource_arns),
            "allowed_domains": list(session.allowed_domains),
            "experience": session.experience.to_json(),
            "lifetime_minutes": session.lifetime_minutes,
            "created_at": session.created_at,
            "expires_at": session.expires_at,
            "code_hash": code_hash,
            "code_expires_at": session.code_expires_at,
        },
    )


def find(conn: Connection, session_id: str) -> StoredSession | None:
    """The session ``session_id``, if there is one."""
    row = conn.execute(_BY_ID, {"session_id": session_id}).mappings().first()
    return None if row is None else _stored(row)


def mark_opened(conn: Connection, session_id: str, secret_hash: str, now: datetime) -> bool:
    """Spend the code and store the session secret's digest; False when the code was
    spent (or the session revoked) meanwhile."""
    result = conn.execute(
        update(s)
        .where(s.c.session_id == session_id, s.c.code_used_at.is_(None), s.c.revoked_at.is_(None))
        .values(code_used_at=now, opened_at=now, secret_hash=secret_hash)
    )
    return result.rowcount == 1


def mark_revoked(conn: Connection, session_id: str, now: datetime) -> bool:
    """Revoke; False when it already was."""
    result = conn.execute(
        update(s)
        .where(s.c.session_id == session_id, s.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def mark_expiry_recorded(conn: Connection, session_ids: Sequence[str], now: datetime) -> list[str]:
    """Note that the expiry of each session was audited; the ids that were not yet."""
    if not session_ids:
        return []
    rows = conn.execute(
        update(s)
        .where(s.c.session_id.in_(list(session_ids)), s.c.expiry_recorded_at.is_(None))
        .values(expiry_recorded_at=now)
        .returning(s.c.session_id)
    )
    return [row[0] for row in rows]


def of_account(conn: Connection, account_id: str, limit: int) -> list[EmbedSession]:
    """The newest ``limit`` sessions of an account, newest first."""
    rows = conn.execute(
        select(s)
        .where(s.c.account_id == account_id)
        .order_by(s.c.created_at.desc(), s.c.session_id)
        .limit(limit)
    ).mappings()
    return [_stored(row).session for row in rows]


def due_expiries(conn: Connection, now: datetime, limit: int) -> list[EmbedSession]:
    """Opened sessions past their expiry whose expiry was not audited yet."""
    rows = conn.execute(
        select(s)
        .where(
            s.c.expires_at <= now,
            s.c.opened_at.is_not(None),
            s.c.revoked_at.is_(None),
            s.c.expiry_recorded_at.is_(None),
        )
        .order_by(s.c.expires_at)
        .limit(limit)
    ).mappings()
    return [_stored(row).session for row in rows]


def dashboard_arn(conn: Connection, account_id: str, dashboard_id: str) -> str | None:
    """The ARN of a dashboard of the account, if it exists (one index lookup)."""
    found = conn.execute(
        _DASHBOARD_ARN, {"account_id": account_id, "dashboard_id": dashboard_id}
    ).first()
    return None if found is None else str(found[0])


def existing_dashboards(conn: Connection, account_id: str, arns: Sequence[str]) -> set[str]:
    """Which of ``arns`` are dashboards of the account."""
    if not arns:
        return set()
    rows = conn.execute(
        select(dashboards.c.arn).where(
            dashboards.c.account_id == account_id, dashboards.c.arn.in_(list(arns))
        )
    )
    return {str(row[0]) for row in rows}


def _optional_utc(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def _stored(row: RowMapping) -> StoredSession:
    user = None if row["user_id"] is None else RegisteredUser(row["user_id"], row["user_name"])
    resources: list[Any] | None = row["resource_arns"]
    session = EmbedSession(
        session_id=row["session_id"],
        account_id=row["account_id"],
        region=row["region"],
        namespace=row["namespace"],
        principal_arn=row["principal_arn"],
        user=user,
        tags=dict(row["tags"] or {}),
        resource_arns=None if resources is None else tuple(resources),
        allowed_domains=tuple(row["allowed_domains"]),
        experience=Experience.from_json(row["experience"]),
        lifetime_minutes=row["lifetime_minutes"],
        created_at=utc(row["created_at"]),
        expires_at=utc(row["expires_at"]),
        code_expires_at=utc(row["code_expires_at"]),
        opened_at=_optional_utc(row["opened_at"]),
        revoked_at=_optional_utc(row["revoked_at"]),
    )
    return StoredSession(
        session,
        row["code_hash"],
        _optional_utc(row["code_used_at"]),
        row["secret_hash"],
        _optional_utc(row["expiry_recorded_at"]),
    )
