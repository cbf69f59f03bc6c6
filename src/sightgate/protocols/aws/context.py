"""What a handler learns about the request besides its input: who calls, where, and how."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sightgate.platform.events import Actor
from sightgate.protocols.aws.errors import invalid_next_token
from sightgate.protocols.aws.pagination import PageTokens


@dataclass(frozen=True)
class RequestContext:
    """One authenticated AWS API call.

    ``service`` is ``quicksight``, ``identitystore`` or ``sso-admin``; ``account_id`` is the
    caller's account (from its credential; in dev mode see ``sigv4.authenticate``);
    ``region`` is the region of the SigV4 credential scope.
    """

    service: str
    operation: str
    account_id: str
    access_key_id: str
    region: str
    request_id: str
    dev_mode: bool
    tokens: PageTokens = field(repr=False, compare=False)

    @property
    def actor(self) -> Actor:
        """The audit trail's name for the caller: its access key."""
        return Actor("aws", self.access_key_id)

    @property
    def _scope(self) -> str:
        # Both QuickSight and IdentityStore have a ListUsers: the service is part of it.
        return f"{self.service}:{self.operation}"

    def encode_next_token(self, payload: Mapping[str, Any]) -> str:
        """A NextToken for ``payload``, valid only for this service, operation and account."""
        return self.tokens.encode({"o": self._scope, "a": self.account_id, "p": dict(payload)})

    def decode_next_token(self, token: str) -> dict[str, Any]:
        """The payload ``encode_next_token`` put in ``token``; the service's invalid-token
        error for a forged token or one issued for another operation or account."""
        data = self.tokens.decode(token, service=self.service)
        if data.get("o") != self._scope or data.get("a") != self.account_id:
            raise invalid_next_token(self.service)
        payload = data.get("p")
        if not isinstance(payload, dict):
            raise invalid_next_token(self.service)
        return payload


Handler = Callable[[RequestContext, dict[str, Any]], dict[str, Any]]
"""A synchronous operation implementation: input keyed by member name -> output dict.

It runs in a worker thread (it may use the database). It raises ``AwsError`` or a
``SightgateError`` (mapped by ``errors.domain_error``); anything else is a 500.
"""
