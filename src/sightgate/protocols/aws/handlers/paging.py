"""NextToken <-> the services' keyset positions, signed so clients cannot forge them."""

from __future__ import annotations

from typing import Any

from sightgate.platform.pagination import Page
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import invalid_next_token

DEFAULT_PAGE_SIZE = 100
# The members that say *which* list is paged: a token is valid only for the same ones, so a
# token from namespace A cannot page (and silently skip into) namespace B's list.
LIST_SCOPE = (
    "Namespace",
    "GroupName",
    "UserName",
    "Role",
    "IdentityStoreId",
    "GroupId",
    "MemberId",
)


def _scope(params: dict[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in LIST_SCOPE if k in params}


def page_request(ctx: RequestContext, params: dict[str, Any]) -> tuple[int, str | None]:
    """(limit, after) from ``MaxResults`` and ``NextToken``."""
    token = params.get("NextToken")
    after = None
    if token:
        payload = ctx.decode_next_token(token)
        if payload.get("scope") != _scope(params):
            raise invalid_next_token(ctx.service)
        after = str(payload["after"])
    return int(params.get("MaxResults") or DEFAULT_PAGE_SIZE), after


def next_token(ctx: RequestContext, page: Page[Any], params: dict[str, Any]) -> dict[str, str]:
    """The ``NextToken`` member for a page, or nothing on the last page."""
    if page.next_key is None:
        return {}
    return {"NextToken": ctx.encode_next_token({"after": page.next_key, "scope": _scope(params)})}
