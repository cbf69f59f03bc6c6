"""NextTokens: opaque, signed, bound to service, operation and account."""

from __future__ import annotations

import pytest

from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import AwsError
from sightgate.protocols.aws.pagination import PageTokens

TOKENS = PageTokens(b"0123456789abcdef0123456789abcdef")


def context(
    service: str = "quicksight", operation: str = "ListUsers", account: str = "1"
) -> RequestContext:
    return RequestContext(service, operation, account, "AKID", "us-east-1", "req", False, TOKENS)


def test_round_trip_and_opacity() -> None:
    token = TOKENS.encode({"after": "alice", "n": 3})

    assert TOKENS.decode(token, service="quicksight") == {"after": "alice", "n": 3}
    assert "alice" not in token or "." in token  # signed; not a bare readable cursor


@pytest.mark.parametrize(
    ("service", "code"),
    [("quicksight", "InvalidNextTokenException"), ("identitystore", "ValidationException")],
)
def test_forged_tokens_are_the_services_error(service: str, code: str) -> None:
    token = TOKENS.encode({"after": "alice"})
    other_key = PageTokens(b"another-key-of-enough-length!!").encode({"after": "alice"})

    payload, _, signature = token.rpartition(".")
    tampered_payload = ("x" if payload[0] != "x" else "y") + payload[1:] + "." + signature
    tampered_signature = payload + "." + signature[::-1]
    for forged in ("", "garbage", tampered_payload, tampered_signature, other_key):
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
