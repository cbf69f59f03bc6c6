"""NextTokens: encrypted and authenticated, bound to service, operation, account and every
member that defines the list, all derived from the request."""

from __future__ import annotations

import base64
import re
import zlib
from typing import Any

import pytest

from sightgate.platform.pagination import Page
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import AwsError
from sightgate.protocols.aws.handlers.paging import next_token, page_of, page_request
from sightgate.protocols.aws.pagination import PageTokens

TOKENS = PageTokens(b"0123456789abcdef0123456789abcdef")


def context(
    service: str = "quicksight",
    operation: str = "ListUsers",
    account: str = "1",
    params: dict[str, Any] | None = None,
) -> RequestContext:
    return RequestContext(
        service, operation, account, "AKID", "us-east-1", "req", False, TOKENS, params or {}
    )


def test_round_trip_and_opacity() -> None:
    token = TOKENS.encode({"after": "alice", "n": 3})

    assert TOKENS.decode(token, service="quicksight") == {"after": "alice", "n": 3}
    # Encrypted, not merely signed: neither the position nor anything else can be read out.
    readable = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for variant in (readable, *_inflated(readable)):
        assert b"alice" not in variant
    assert "alice" not in token
    assert re.fullmatch(r"[-a-zA-Z0-9+=/_]*", token)  # every model's NextToken pattern


def _inflated(data: bytes) -> list[bytes]:
    """What zlib makes of any suffix of ``data`` (the old tokens were zlib'd JSON)."""
    found = []
    for start in range(len(data)):
        try:
            found.append(zlib.decompress(data[start:]))
        except zlib.error:
            continue
    return found


def _flipped(token: str, index: int) -> str:
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


@pytest.mark.parametrize(
    ("service", "code"),
    [
        ("quicksight", "InvalidNextTokenException"),
        ("identitystore", "ValidationException"),
        ("sso-admin", "ValidationException"),
    ],
)
def test_forged_tokens_are_the_services_error(service: str, code: str) -> None:
    token = TOKENS.encode({"after": "alice"})
    other_key = PageTokens(b"another-key-of-enough-length!!").encode({"after": "alice"})

    for forged in (
        "",
        "garbage",
        _flipped(token, len(token) // 2),
        _flipped(token, len(token) - 3),
        token[:-8],
        other_key,
        "é" + token,
        "A" * 10_000,
    ):
        with pytest.raises(AwsError) as caught:
            TOKENS.decode(forged, service=service)
        assert caught.value.code == code
        assert caught.value.status == 400


def test_context_tokens_do_not_cross_operations_services_or_accounts() -> None:
    token = context().encode_next_token({"i": 2})

    assert context().decode_next_token(token) == {"i": 2}
    for other in (
        context(operation="ListGroups"),
        context(service="identitystore"),
        context(account="2"),
    ):
        with pytest.raises(AwsError):
            other.decode_next_token(token)


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        PageTokens(b"short")


def test_a_token_is_bound_to_every_member_that_defines_the_list() -> None:
    params: dict[str, Any] = {
        "IdentityStoreId": "d-1",
        "Filters": [{"AttributePath": "UserName", "AttributeValue": "a"}],
        "MaxResults": 1,
    }
    token = next_token(context("identitystore", params=params), Page(["a"], "key-1"))["NextToken"]

    # MaxResults may change from page to page; nothing else may.
    again = context("identitystore", params={**params, "MaxResults": 5, "NextToken": token})
    assert page_request(again) == (5, "key-1")
    other_filter = [{"AttributePath": "UserName", "AttributeValue": "b"}]
    for changed in (
        {"Filters": other_filter},
        {"IdentityStoreId": "d-2"},
        {"Filters": None},
    ):
        listed = {k: v for k, v in {**params, **changed}.items() if v is not None}
        with pytest.raises(AwsError) as caught:
            page_request(context("identitystore", params={**listed, "NextToken": token}))
        assert caught.value.code == "ValidationException"


def test_a_token_of_one_uri_label_value_does_not_page_another() -> None:
    """QuickSight URI labels are input members: a namespace's token fits no other."""
    listing = {"AwsAccountId": "1", "Namespace": "tenant-a"}
    token = context(params=listing).encode_next_token({"after": "alice"})

    assert context(params={**listing, "NextToken": token}).decode_next_token(token)
    with pytest.raises(AwsError) as caught:
        context(params={**listing, "Namespace": "tenant-b"}).decode_next_token(token)
    assert caught.value.code == "InvalidNextTokenException"


def test_short_lists_returned_whole_are_paged_and_check_their_tokens() -> None:
    def listing(**params: Any) -> RequestContext:
        return context(service="sso-admin", operation="ListInstances", params=params)

    items = ["c", "a", "b"]

    first, token = page_of(listing(MaxResults=2), items, key=str)
    rest, end = page_of(listing(MaxResults=2, **token), items, key=str)

    assert (first, rest, end) == (["a", "b"], ["c"], {})
    with pytest.raises(AwsError) as caught:
        page_of(listing(NextToken="forged"), items, key=str)
    assert caught.value.code == "ValidationException"
