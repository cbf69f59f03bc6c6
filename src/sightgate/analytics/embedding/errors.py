"""The ways an embed URL or session is refused, kept apart so the viewer can tell the
SDK which happened (``Forbidden`` for a code, ``Unauthorized`` for a session)."""

from __future__ import annotations

from sightgate.platform.errors import NotFoundError, SightgateError


class CodeRejectedError(SightgateError):
    """A one-time code that opens nothing: spent, expired, revoked, forged or truncated.

    ``reason`` says which, for logs; the message does not, so a page learns nothing
    about a code it could not redeem."""

    def __init__(self, reason: str) -> None:
        super().__init__("the embed URL is spent, expired or not valid: generate a new one")
        self.reason = reason


class SessionRejectedError(SightgateError):
    """A session that lets nothing in any more: unknown, wrong secret, expired, revoked,
    or its user is gone or no longer let in. ``reason`` is for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__("the embed session has expired or was revoked")
        self.reason = reason


class UnknownUserError(NotFoundError):
    """The ``UserArn`` names no user of the account (QuickSight answers this with an
    error of its own, not ResourceNotFoundException)."""

    def __init__(self, user_arn: str) -> None:
        super().__init__("User", user_arn)
