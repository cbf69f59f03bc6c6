"""NextToken <-> the services' keyset positions, encrypted so clients cannot read or forge
them, and bound to the list they page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sightgate.platform.pagination import Page, clamp_limit
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import invalid_next_token

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100
# Every other input member says *which* list is paged (account, namespace, group, store,
# filters, ...): a token is valid only with the same ones, so a token of namespace A, or of
# the filter UserName=a, cannot page (and silently skip into) another list.
_PAGING_MEMBERS = frozenset({"NextToken", "MaxResults"})


def _list_digest(params: dict[str, Any]) -> str:
    """A digest of the members that define the list (canonical JSON, so order-free)."""
    defining = {k: v for k, v in params.items() if k not in _PAGING_MEMBERS}
    text = json.dumps(defining, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def page_request(ctx: RequestContext, params: dict[str, Any]) -> tuple[int, str | None]:
    """(limit, after) from ``MaxResults`` and ``NextToken``; a token issued for another
    list is the service's invalid-token error."""
    token = params.get("NextToken")
    after = None
    if token:
        payload = ctx.decode_next_token(token)
        if payload.get("list") != _list_digest(params) or not isinstance(payload.get("after"), str):
            raise invalid_next_token(ctx.service)
        after = payload["after"]
    return int(params.get("MaxResults") or DEFAULT_PAGE_SIZE), after


def next_token(ctx: RequestContext, page: Page[Any], params: dict[str, Any]) -> dict[str, str]:
    """The ``NextToken`` member for a page, or nothing on the last page."""
    if page.next_key is None:
        return {}
    return {
        "NextToken": ctx.encode_next_token({"after": page.next_key, "list": _list_digest(params)})
    }


def page_of(
    ctx: RequestContext, params: dict[str, Any], items: Sequence[T], key: Callable[[T], str]
) -> tuple[list[T], dict[str, str]]:
    """One page of a short list the service returns whole (a caller's instances, a user's
    memberships), and its ``NextToken`` member: paged like the others, so ``MaxResults``
    holds and a token we did not issue is refused rather than ignored."""
    limit, after = page_request(ctx, params)
    size = clamp_limit(limit)
    remaining = sorted((item for item in items if after is None or key(item) > after), key=key)
    page = Page(remaining[:size], key(remaining[size - 1]) if len(remaining) > size else None)
    return list(page.items), next_token(ctx, page, params)
