"""Refusals an adapter turns into its protocol's "access denied"."""

from __future__ import annotations

from sightgate.platform.errors import SightgateError


class AccessDeniedError(SightgateError):
    """The principal may not do this; ``reason`` says why (for logs and the audit trail)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"access denied: {reason}")
        self.reason = reason
