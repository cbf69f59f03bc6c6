"""The audit events of embed sessions.

Each is scoped to its session (``embed:<session id>``), not to the account: an account's
epoch is what every cached access decision of the account is validated against, and an
embed URL generated or opened changes no one's access, so it must not make them all
recompute. A session's own epoch is then what its watch reads to notice a revocation.
Payloads name the session, its principal and its bounds; never a code, a secret, or a
session tag's value.
"""

from __future__ import annotations

from typing import Any

from sightgate.analytics.embedding.sessions import EmbedSession
from sightgate.platform.events import DomainEvent

EMBED_URL_GENERATED = "analytics.EmbedUrlGenerated"
EMBED_SESSION_OPENED = "analytics.EmbedSessionOpened"
EMBED_SESSION_REVOKED = "analytics.EmbedSessionRevoked"
EMBED_SESSION_EXPIRED = "analytics.EmbedSessionExpired"
SCOPE_PREFIX = "embed:"


def session_scope(session_id: str) -> str:
    """The outbox scope of one session's events."""
    return SCOPE_PREFIX + session_id


def session_event(type_: str, session: EmbedSession, **extra: Any) -> DomainEvent:
    """An event about ``session``."""
    payload = {
        "SessionId": session.session_id,
        "AccountId": session.account_id,
        "Namespace": session.namespace,
        "PrincipalArn": session.principal_arn,
        "SessionTagKeys": sorted(session.tags),
        "DashboardId": session.experience.dashboard_id,
        "ExpiresAt": session.expires_at.isoformat(),
        **extra,
    }
    return DomainEvent(
        type_, "EmbedSession", session.session_id, session_scope(session.session_id), payload
    )
