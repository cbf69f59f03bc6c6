"""Bearer tokens that let one SCIM client provision one identity store.

A token reads ``sgscim_<token id>_<secret>``. The id (16 hex digits) is not secret: it
names the token in listings, the audit log and ``revoke``. The secret is 256 random bits
and is shown once, at creation; the store keeps only its SHA-256.

A fast, unsalted hash is the right tool here, unlike for passwords: salts and slow hashes
(bcrypt, scrypt, Argon2) exist to make guessing low-entropy human secrets expensive, and a
256-bit random secret cannot be guessed at any speed. A slow hash would only make every
SCIM request pay tens of milliseconds of CPU, and invite denial of service.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import Connection, RowMapping, bindparam, select, update

from sightgate.identity import tables as t
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor, DomainEvent
from sightgate.platform.ids import random_hex
from sightgate.platform.uow import UnitOfWork

# Event types and the token prefix are not secrets, whatever their names suggest to S105.
SCIM_TOKEN_CREATED = "identity.ScimTokenCreated"  # noqa: S105
SCIM_TOKEN_REVOKED = "identity.ScimTokenRevoked"  # noqa: S105

TOKEN_PREFIX = "sgscim_"  # noqa: S105
DEFAULT_EXPIRES_IN = timedelta(days=365)
MIN_EXPIRES_IN = timedelta(hours=1)
MAX_EXPIRES_IN = timedelta(days=5 * 365)
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is this precise, so a busy client costs one write a minute, not one
per request."""

_TOKEN_ID = re.compile(r"[0-9a-f]{16}")
# token_urlsafe(32) is always 43 characters of the URL-safe base64 alphabet. The id has a
# fixed length, so an underscore inside the secret cannot make the split ambiguous.
_TOKEN = re.compile(rf"{TOKEN_PREFIX}(?P<token_id>[0-9a-f]{{16}})_(?P<secret>[A-Za-z0-9_-]{{43}})")


# Built once: on every SCIM request, building the statement would cost more than running it.
_BY_ID = select(t.scim_tokens).where(t.scim_tokens.c.token_id == bindparam("token_id"))


class TokenStatus(Enum):
    """Whether a token authenticates now."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


@dataclass(frozen=True)
class ScimToken:
    """A token's metadata: everything but its secret, which is never stored."""

    token_id: str
    identity_store_id: str
    description: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def status_at(self, now: datetime) -> TokenStatus:
        """The token's status at ``now`` (revocation wins over expiry)."""
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if self.expires_at <= now:
            return TokenStatus.EXPIRED
        return TokenStatus.ACTIVE

    def use_unrecorded_at(self, now: datetime) -> bool:
        """Whether a use at ``now`` should move ``last_used_at`` (see ``record_use``)."""
        return self.last_used_at is None or self.last_used_at <= now - LAST_USED_RESOLUTION

    @property
    def actor(self) -> Actor:
        """Who the audit log names for changes made with this token (``scim:<token id>``)."""
        return Actor("scim", self.token_id)


@dataclass(frozen=True)
class IssuedToken:
    """A new token. ``token`` is the only copy of the secret there will ever be.

    It is left out of ``repr`` so that logging or printing this object by accident does
    not leak the secret.
    """

    token_id: str
    token: str = field(repr=False)
    identity_store_id: str
    created_at: datetime
    expires_at: datetime


class ScimTokenService:
    """Issue, list, revoke and check the SCIM bearer tokens of identity stores."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        identity_store_id: str,
        *,
        actor: Actor,
        expires_in: timedelta = DEFAULT_EXPIRES_IN,
        description: str | None = None,
    ) -> IssuedToken:
        """A new token for one store, valid for ``expires_in`` (1 hour to 5 years)."""
        if not MIN_EXPIRES_IN <= expires_in <= MAX_EXPIRES_IN:
            raise ValidationError("expires_in", "must be between 1 hour and 5 years (1825 days)")
        if description is not None:
            description = description.strip()
            if not 0 < len(description) <= 255:
                raise ValidationError("description", "must be 1 to 255 characters")
        token_id = random_hex(16)
        secret = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        token = ScimToken(
            token_id=token_id,
            identity_store_id=identity_store_id,
            description=description,
            created_at=now,
            expires_at=now + expires_in,
            revoked_at=None,
            last_used_at=None,
        )
        with UnitOfWork(self.db, actor) as uow:
            _require_store(uow.conn, identity_store_id)
            uow.conn.execute(
                t.scim_tokens.insert().values(
                    token_id=token_id,
                    identity_store_id=identity_store_id,
                    secret_hash=_hash(secret),
                    description=description,
                    created_at=token.created_at,
                    expires_at=token.expires_at,
                )
            )
            uow.emit(_event(SCIM_TOKEN_CREATED, token))
        return IssuedToken(
            token_id=token_id,
            token=f"{TOKEN_PREFIX}{token_id}_{secret}",
            identity_store_id=identity_store_id,
            created_at=token.created_at,
            expires_at=token.expires_at,
        )

    def revoke(self, identity_store_id: str, token_id: str, *, actor: Actor) -> ScimToken:
        """Stop a token from authenticating, for good; revoking it again changes nothing.

        Only the first revocation emits an event and sets ``revoked_at``.
        """
        s = t.scim_tokens
        now = datetime.now(UTC)
        with UnitOfWork(self.db, actor) as uow:
            current = _load_for_update(uow.conn, identity_store_id, token_id)
            if current.revoked_at is not None:
                return current
            uow.conn.execute(update(s).where(s.c.token_id == token_id).values(revoked_at=now))
            revoked = replace(current, revoked_at=now)
            uow.emit(_event(SCIM_TOKEN_REVOKED, revoked))
        return revoked

    def authenticate(self, identity_store_id: str, presented: str) -> ScimToken | None:
        """The token ``presented`` is, if it is active and belongs to this store; else None.

        Never raises on bad input: a malformed, forged, foreign, revoked or expired token
        is simply not a token. The secret is compared in constant time; whether a token id
        exists is not hidden, as ids are not secret. This only reads, so it can run where
        waiting for the write lock cannot; the caller records the use with ``record_use``.
        """
        match = _TOKEN.fullmatch(presented)
        if match is None:
            return None
        with self.db.read() as conn:
            row = conn.execute(_BY_ID, {"token_id": match["token_id"]}).mappings().first()
        if row is None or not hmac.compare_digest(row["secret_hash"], _hash(match["secret"])):
            return None
        token = _to_token(row)
        now = datetime.now(UTC)
        if token.identity_store_id != identity_store_id:
            return None
        if token.status_at(now) is not TokenStatus.ACTIVE:
            return None
        return token

    def list(self, identity_store_id: str) -> list[ScimToken]:
        """Every token of a store (active, expired and revoked), oldest first."""
        s = t.scim_tokens
        with self.db.read() as conn:
            _require_store(conn, identity_store_id)
            rows = conn.execute(
                select(s)
                .where(s.c.identity_store_id == identity_store_id)
                .order_by(s.c.created_at, s.c.token_id)
            ).mappings()
            return [_to_token(row) for row in rows]

    def record_use(self, token: ScimToken, now: datetime | None = None) -> ScimToken:
        """Note that ``token`` was used at ``now``; it writes at most once a minute per token
        (``LAST_USED_RESOLUTION``), so a busy client costs no write per request."""
        now = now or datetime.now(UTC)
        if not token.use_unrecorded_at(now):
            return token
        s = t.scim_tokens
        with self.db.write() as conn:
            conn.execute(
                update(s)
                .where(
                    s.c.token_id == token.token_id,
                    s.c.last_used_at.is_(None) | (s.c.last_used_at <= now - LAST_USED_RESOLUTION),
                )
                .values(last_used_at=now)
            )
        return replace(token, last_used_at=now)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _event(type_: str, token: ScimToken) -> DomainEvent:
    """An event about a token: its id and validity, never its secret or hash."""
    payload = {
        "TokenId": token.token_id,
        "IdentityStoreId": token.identity_store_id,
        "Description": token.description,
        "ExpiresAt": token.expires_at.isoformat(),
    }
    if token.revoked_at is not None:
        payload["RevokedAt"] = token.revoked_at.isoformat()
    return DomainEvent(type_, "ScimToken", token.token_id, token.identity_store_id, payload)


def _require_store(conn: Connection, identity_store_id: str) -> None:
    found = conn.execute(
        select(t.instances.c.instance_id).where(
            t.instances.c.identity_store_id == identity_store_id
        )
    ).first()
    if not found:
        raise NotFoundError("IdentityStore", identity_store_id)


def _load_for_update(conn: Connection, identity_store_id: str, token_id: str) -> ScimToken:
    """One token of one store, row-locked; a token of another store is not found."""
    s = t.scim_tokens
    row = None
    if _TOKEN_ID.fullmatch(token_id):
        row = (
            conn.execute(
                select(s)
                .where(s.c.token_id == token_id, s.c.identity_store_id == identity_store_id)
                .with_for_update()
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFoundError("ScimToken", token_id)
    return _to_token(row)


def _utc(value: datetime) -> datetime:
    """SQLite drops the zone of stored times; we always store UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _optional_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _to_token(row: RowMapping) -> ScimToken:
    return ScimToken(
        token_id=row["token_id"],
        identity_store_id=row["identity_store_id"],
        description=row["description"],
        created_at=_utc(row["created_at"]),
        expires_at=_utc(row["expires_at"]),
        revoked_at=_optional_utc(row["revoked_at"]),
        last_used_at=_optional_utc(row["last_used_at"]),
    )
