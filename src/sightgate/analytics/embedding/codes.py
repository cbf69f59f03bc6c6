"""Session ids, one-time codes and session secrets: made, hashed, and checked.

A session id (32 hex digits) names a session in URLs, listings and the audit log; it is
not secret. A code (in the embed URL, redeemable once for 5 minutes) and a session
secret (handed to the page when the code is redeemed) are 256 random bits each, shown
once; the store keeps only their SHA-256, compared in constant time. As for SCIM tokens
(``identity/scim_tokens.py``), a fast unsalted hash is right for random secrets of this
size: nothing can be guessed, and a slow hash would only cost every request CPU.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sightgate.platform.ids import random_hex

SESSION_ID_LENGTH = 32
_SESSION_ID = re.compile(rf"[0-9a-f]{{{SESSION_ID_LENGTH}}}")
# token_urlsafe(32) is always 43 characters of the URL-safe base64 alphabet: anything
# else (a truncated or padded copy) is refused before any lookup.
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


def new_session_id() -> str:
    """A fresh session id."""
    return random_hex(SESSION_ID_LENGTH)


def new_secret() -> str:
    """A fresh code or session secret (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def is_session_id(value: object) -> bool:
    """Whether ``value`` has the shape of a session id."""
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def is_secret(value: object) -> bool:
    """Whether ``value`` has the shape of a code or session secret."""
    return isinstance(value, str) and _SECRET.fullmatch(value) is not None


def digest(secret: str) -> str:
    """What the store keeps of a code or secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(stored_digest: str | None, presented: str) -> bool:
    """Whether ``presented`` is the secret ``stored_digest`` was made from, compared in
    constant time (a digest never stored matches nothing)."""
    if stored_digest is None or not is_secret(presented):
        return False
    return hmac.compare_digest(stored_digest, digest(presented))
