"""Opaque, tamper-proof NextTokens.

A NextToken carries the position after which the next page starts (a sort key, not an
offset, so concurrent inserts do not shift pages). It is encrypted and authenticated
(Fernet: AES-128-CBC + HMAC-SHA256) under a key derived with HKDF from the server's
token key, so a client can neither read the position (a user name, an account id) nor
forge one, nor replay a token of one operation, account or list on another:
``RequestContext`` and ``handlers.paging`` bind those into the payload. AWS tokens are
opaque strings too; clients only pass them back. Fernet's alphabet (URL-safe base64) is
within every model's ``NextToken`` pattern.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sightgate.platform import jsontext
from sightgate.protocols.aws.errors import invalid_next_token

_HKDF_INFO = b"sightgate aws next-token v2"
MAX_TOKEN_LENGTH = 8192
"""Longer tokens are refused unread (ours hold one sort key: a few hundred characters)."""


class PageTokens:
    """Encodes and verifies NextTokens with ``key`` (keep it stable across restarts and
    identical across processes, or issued tokens stop working)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the NextToken key must be at least 16 bytes")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(key)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encode(self, payload: Mapping[str, Any]) -> str:
        """A token for ``payload`` (JSON-serialisable values only)."""
        text = json.dumps(dict(payload), separators=(",", ":"), ensure_ascii=False)
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decode(self, token: str, *, service: str) -> dict[str, Any]:
        """The payload of ``token``; the service's invalid-token error if it was not issued by
        us (QuickSight: InvalidNextTokenException, Identity Center: ValidationException)."""
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise invalid_next_token(service)
        try:
            payload = jsontext.loads(self._fernet.decrypt(token.encode("ascii")))
        except (InvalidToken, ValueError):
            raise invalid_next_token(service) from None
        if not isinstance(payload, dict):
            raise invalid_next_token(service)
        return payload
