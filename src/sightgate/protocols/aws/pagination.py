"""Opaque, tamper-proof NextTokens.

A NextToken carries the position after which the next page starts (a sort key, not an
offset, so concurrent inserts do not shift pages). It is signed with a server key so a
client can neither forge a position nor replay a token of one operation or account on
another: ``RequestContext`` binds both into the signed payload. AWS tokens are opaque
strings too; clients only pass them back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from sightgate.protocols.aws.errors import invalid_next_token

_SALT = "sightgate.aws.next-token"
MAX_TOKEN_LENGTH = 4096


class PageTokens:
    """Encodes and verifies NextTokens with ``key`` (keep it stable across restarts and
    identical across processes, or issued tokens stop working)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the NextToken key must be at least 16 bytes")
        self._serializer = URLSafeSerializer(
            key, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def encode(self, payload: Mapping[str, Any]) -> str:
        """A token for ``payload`` (JSON-serialisable values only)."""
        return str(self._serializer.dumps(dict(payload)))

    def decode(self, token: str, *, service: str) -> dict[str, Any]:
        """The payload of ``token``; the service's invalid-token error if it was not issued by
        us (QuickSight: InvalidNextTokenException, Identity Center: ValidationException)."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise invalid_next_token(service)
        try:
            payload = self._serializer.loads(token)
        except (BadData, ValueError, UnicodeDecodeError):
            raise invalid_next_token(service) from None
        if not isinstance(payload, dict):
            raise invalid_next_token(service)
        return payload
