"""What a handler learns about the request besides its input: who calls, where, and how."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sightgate.platform.events import Actor
from sightgate.protocols.aws.errors import invalid_next_token
from sightgate.protocols.aws.pagination import PageTokens

PAGING_MEMBERS = frozenset({"NextToken", "MaxResults"})
"""The input members that move through a list rather than say which list it is."""


@dataclass(frozen=True)
class RequestContext:
    """One authenticated AWS API call.

    ``service`` is ``quicksight``, ``identitystore`` or ``sso-admin``; ``account_id`` is the
    caller's account (from its credential; in dev mode see ``sigv4.authenticate``);
    ``region`` is the region of the SigV4 credential scope; ``params`` the validated input
    (URI labels, query, headers and body members by name).
    """

    service: str
    operation: str
    account_id: str
    access_key_id: str
    region: str
    request_id: str
    dev_mode: bool
    tokens: PageTokens = field(repr=False, compare=False)
    params: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    base_url: str = ""
    """``scheme://host[:port]`` the request came to (its signed ``Host``), for links in
    responses when no public URL is configured (embed URLs)."""

    @property
    def actor(self) -> Actor:
        """The audit trail's name for the caller: its access key."""
        return Actor("aws", self.access_key_id)

    @cached_property
    def list_key(self) -> str:
        """A digest of what defines the list a NextToken pages, derived from the request
        alone: service and operation (QuickSight and IdentityStore both have a ListUsers),
        account, and every input member but ``NextToken`` and ``MaxResults`` (so every URI
        label, filter and parent id). A token of namespace A, or of the filter UserName=a,
        cannot page (and silently skip into) another list."""
        defining = {k: v for k, v in self.params.items() if k not in PAGING_MEMBERS}
        text = json.dumps(
            [self.service, self.operation, self.account_id, defining],
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def encode_next_token(self, payload: Mapping[str, Any]) -> str:
        """A NextToken for ``payload``, valid only for the list this request pages."""
        return self.tokens.encode({"l": self.list_key, "p": dict(payload)})

    def decode_next_token(self, token: str) -> dict[str, Any]:
        """The payload ``encode_next_token`` put in ``token``; the service's invalid-token
        error for a forged token or one issued for another list (operation, account, or
        any defining member)."""
        data = self.tokens.decode(token, service=self.service)
        payload = data.get("p")
        if data.get("l") != self.list_key or not isinstance(payload, dict):
            raise invalid_next_token(self.service)
        return payload


Handler = Callable[[RequestContext, dict[str, Any]], dict[str, Any]]
"""A synchronous operation implementation: input keyed by member name -> output dict.

It runs in a worker thread (it may use the database). It raises ``AwsError`` or a
``SightgateError`` (mapped by ``errors.domain_error``); anything else is a 500.
"""
