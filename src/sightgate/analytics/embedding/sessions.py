"""Embed sessions as values: what one embed URL opens, and for whom, until when.

A session is bound at creation to its account, namespace and principal (a registered
user, or anonymous session tags), the resources it may open, the domains that may frame
it and its expiry; none of that changes afterwards. Its state moves forward only:
pending (the code not yet redeemed) → active (opened) → expired or revoked; a code
never redeemed within its 5 minutes leaves the session unused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sightgate.analytics.embedding.domains import (
    AllowedDomain,
    frame_ancestors,
    origin_allowed,
    parse_domain,
)
from sightgate.platform.errors import ValidationError

CODE_LIFETIME = timedelta(minutes=5)
MIN_LIFETIME_MINUTES = 15
MAX_LIFETIME_MINUTES = 600
DEFAULT_LIFETIME_MINUTES = 600
MAX_SESSION_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
LIFETIME_FIELD = "SessionLifetimeInMinutes"


class ExperienceType(StrEnum):
    """What the URL embeds."""

    DASHBOARD = "DASHBOARD"
    DASHBOARD_VISUAL = "DASHBOARD_VISUAL"


@dataclass(frozen=True)
class Experience:
    """The experience configuration: the first dashboard (and for one visual, its sheet
    and visual), and the feature settings as the request gave them, for the viewer to
    honour where they apply."""

    type: ExperienceType
    dashboard_id: str
    sheet_id: str | None = None
    visual_id: str | None = None
    features: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "Type": self.type.value,
            "DashboardId": self.dashboard_id,
            "SheetId": self.sheet_id,
            "VisualId": self.visual_id,
            "Features": dict(self.features),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Experience:
        """What ``to_json`` stored."""
        return cls(
            ExperienceType(data["Type"]),
            data["DashboardId"],
            data.get("SheetId"),
            data.get("VisualId"),
            data.get("Features") or {},
        )


class SessionStatus(StrEnum):
    """A session's state at some moment."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    UNUSED = "UNUSED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


@dataclass(frozen=True)
class RegisteredUser:
    """The analytics user a session is for: the row it was generated for, so a user
    created later under the same name never inherits the session."""

    user_id: str
    user_name: str


@dataclass(frozen=True)
class EmbedSession:
    """One embed session. ``user`` is None for an anonymous session, which has ``tags``
    instead; ``resource_arns`` None means "the dashboards the user may view" (registered
    users), else the only ones the session may open (``AuthorizedResourceArns``)."""

    session_id: str
    account_id: str
    region: str
    namespace: str
    principal_arn: str
    user: RegisteredUser | None
    tags: Mapping[str, str]
    resource_arns: tuple[str, ...] | None
    allowed_domains: tuple[str, ...]
    experience: Experience
    lifetime_minutes: int
    created_at: datetime
    expires_at: datetime
    code_expires_at: datetime
    opened_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def anonymous(self) -> bool:
        """Whether no registered user is behind the session."""
        return self.user is None

    @property
    def domains(self) -> tuple[AllowedDomain, ...]:
        """The allowed domains, parsed (they were checked when the session was made)."""
        return tuple(parse_domain(text, "AllowedDomains") for text in self.allowed_domains)

    def allows_origin(self, origin: str) -> bool:
        """Whether a page at ``origin`` may frame the session: one of its allowed domains
        (or ``http://localhost`` beside them). A session bound to no domain at all (none
        requested, none configured: ``SIGHTGATE_EMBED_ALLOWED_DOMAINS``) allows none."""
        return bool(self.allowed_domains) and origin_allowed(self.domains, origin)

    @property
    def frame_ancestors(self) -> tuple[str, ...]:
        """CSP ``frame-ancestors`` sources of the session's own allowed domains."""
        return frame_ancestors(self.domains) if self.allowed_domains else ()

    def status_at(self, now: datetime) -> SessionStatus:
        """The state at ``now`` (revocation wins over expiry)."""
        if self.revoked_at is not None:
            return SessionStatus.REVOKED
        if self.expires_at <= now:
            return SessionStatus.EXPIRED
        if self.opened_at is not None:
            return SessionStatus.ACTIVE
        if self.code_expires_at <= now:
            return SessionStatus.UNUSED
        return SessionStatus.PENDING

    def to_json(self, now: datetime) -> dict[str, Any]:
        """A listing's view: everything but the tags' values (sensitive in the API)."""
        return {
            "SessionId": self.session_id,
            "AccountId": self.account_id,
            "Namespace": self.namespace,
            "PrincipalArn": self.principal_arn,
            "Anonymous": self.anonymous,
            "SessionTagKeys": sorted(self.tags),
            "AuthorizedResourceArns": None
            if self.resource_arns is None
            else list(self.resource_arns),
            "AllowedDomains": list(self.allowed_domains),
            "Experience": self.experience.to_json(),
            "SessionLifetimeInMinutes": self.lifetime_minutes,
            "Status": self.status_at(now).value,
            "CreatedAt": self.created_at.isoformat(),
            "ExpiresAt": self.expires_at.isoformat(),
            "OpenedAt": None if self.opened_at is None else self.opened_at.isoformat(),
            "RevokedAt": None if self.revoked_at is None else self.revoked_at.isoformat(),
        }


def validate_lifetime(value: object) -> int:
    """``SessionLifetimeInMinutes``: 15 to 600, 600 when not given."""
    if value is None:
        return DEFAULT_LIFETIME_MINUTES
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_LIFETIME_MINUTES <= value <= MAX_LIFETIME_MINUTES
    ):
        raise ValidationError(
            LIFETIME_FIELD,
            f"must be {MIN_LIFETIME_MINUTES} to {MAX_LIFETIME_MINUTES} minutes",
        )
    return value


def validate_session_tags(value: Sequence[object] | None) -> dict[str, str]:
    """``SessionTags``: 1 to 50 ``{Key, Value}`` (keys of 1 to 128 characters, unique;
    values of 1 to 256), none when not given. Values never appear in an error message."""
    if value is None:
        return {}
    if not 1 <= len(value) <= MAX_SESSION_TAGS:
        raise ValidationError("SessionTags", f"must hold 1 to {MAX_SESSION_TAGS} tags")
    tags: dict[str, str] = {}
    for index, entry in enumerate(value):
        where = f"SessionTags[{index}]"
        if not isinstance(entry, Mapping):
            raise ValidationError(where, "must be an object with Key and Value")
        key, tag_value = entry.get("Key"), entry.get("Value")
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY:
            raise ValidationError(f"{where}.Key", f"must be 1 to {MAX_TAG_KEY} characters")
        if not isinstance(tag_value, str) or not 1 <= len(tag_value) <= MAX_TAG_VALUE:
            raise ValidationError(f"{where}.Value", f"must be 1 to {MAX_TAG_VALUE} characters")
        if key in tags:
            raise ValidationError(f"{where}.Key", f"{key[:128]!r} is given twice")
        tags[key] = tag_value
    return tags
