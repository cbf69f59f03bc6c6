"""NextToken <-> the services' keyset positions, signed so clients cannot forge them."""

from __future__ import annotations

from typing import Any

from sightgate.platform.pagination import Page
from sightgate.protocols.aws.context import RequestContext

DEFAULT_PAGE_SIZE = 100


def page_request(ctx: RequestContext, params: dict[str, Any]) -> tuple[int, str | None]:
    """(limit, after) from ``MaxResults`` and ``NextToken``."""
    token = params.get("NextToken")
    after = str(ctx.decode_next_token(token)["after"]) if token else None
    return int(params.get("MaxResults") or DEFAULT_PAGE_SIZE), after


def next_token(ctx: RequestContext, page: Page[Any]) -> dict[str, str]:
    """The ``NextToken`` member for a page, or nothing on the last page."""
    if page.next_key is None:
        return {}
    return {"NextToken": ctx.encode_next_token({"after": page.next_key})}
