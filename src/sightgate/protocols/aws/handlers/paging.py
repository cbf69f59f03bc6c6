"""NextToken <-> the services' keyset positions. What a token is bound to (service,
operation, account, every list-defining member) is derived from the request by
``RequestContext.list_key``: no handler names it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sightgate.platform.pagination import Page, clamp_limit
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import invalid_next_token

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100


def page_request(ctx: RequestContext) -> tuple[int, str | None]:
    """(limit, after) from the request's ``MaxResults`` and ``NextToken``; a token issued
    for another list is the service's invalid-token error."""
    token = ctx.params.get("NextToken")
    after = None
    if token:
        after = ctx.decode_next_token(token).get("after")
        if not isinstance(after, str):
            raise invalid_next_token(ctx.service)
    return int(ctx.params.get("MaxResults") or DEFAULT_PAGE_SIZE), after


def next_token(ctx: RequestContext, page: Page[Any]) -> dict[str, str]:
    """The ``NextToken`` member for a page, or nothing on the last page."""
    if page.next_key is None:
        return {}
    return {"NextToken": ctx.encode_next_token({"after": page.next_key})}


def summaries(
    ctx: RequestContext, page: Page[T], member: str, to_json: Callable[[T], dict[str, Any]]
) -> dict[str, Any]:
    """A List*/Search* answer's members: ``member`` holds the page's items as
    ``to_json`` writes them, beside the page's ``NextToken``."""
    return {member: [to_json(item) for item in page.items], **next_token(ctx, page)}


def page_of(
    ctx: RequestContext, items: Sequence[T], key: Callable[[T], str]
) -> tuple[list[T], dict[str, str]]:
    """One page of a short list the service returns whole (a caller's instances, a user's
    memberships), and its ``NextToken`` member: paged like the others, so ``MaxResults``
    holds and a token we did not issue is refused rather than ignored."""
    limit, after = page_request(ctx)
    size = clamp_limit(limit)
    remaining = sorted((item for item in items if after is None or key(item) > after), key=key)
    page = Page(remaining[:size], key(remaining[size - 1]) if len(remaining) > size else None)
    return list(page.items), next_token(ctx, page)
