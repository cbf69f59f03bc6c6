"""Opaque, tamper-proof NextTokens.

A NextToken carries the position after which the next page starts (a sort key, not an
offset, so concurrent inserts do not shift pages). It is sealed in the platform's secret
box (Fernet under a key derived from the server secret for this purpose), so a client can
neither read the position (a user name, an account id) nor forge one, nor replay a token
of one operation, account or list on another: ``RequestContext`` and ``handlers.paging``
bind those into the payload. AWS tokens are opaque strings too; clients only pass them
back. Fernet's alphabet (URL-safe base64) is within every model's ``NextToken`` pattern.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sightgate.platform import jsontext
from sightgate.platform.secretbox import SealedError, SecretBox
from sightgate.protocols.aws.errors import invalid_next_token

_PURPOSE = "sightgate aws next-token v3"
MAX_TOKEN_LENGTH = 8192
"""Longer tokens are refused unread (ours hold one sort key: a few hundred characters)."""


class PageTokens:
    """Encodes and verifies NextTokens under the server secret ``key`` (keep it stable
    across restarts and identical across processes, or issued tokens stop working)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the NextToken key must be at least 16 bytes")
        self._box = SecretBox(key, _PURPOSE)

    def encode(self, payload: Mapping[str, Any]) -> str:
        """A token for ``payload`` (JSON-serialisable values only)."""
        text = json.dumps(dict(payload), separators=(",", ":"), ensure_ascii=False)
        return self._box.seal(text.encode())

    def decode(self, token: str, *, service: str) -> dict[str, Any]:
        """The payload of ``token``; the service's invalid-token error if it was not issued by
        us (QuickSight: InvalidNextTokenException, Identity Center: ValidationException)."""
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise invalid_next_token(service)
        try:
            payload = jsontext.loads(self._box.open(token))
        except (SealedError, ValueError):
            raise invalid_next_token(service) from None
        if not isinstance(payload, dict):
            raise invalid_next_token(service)
        return payload
