"""SigV4 authentication and account scoping as botocore clients see them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import botocore.auth
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.protocols.aws.conftest import (
    ACCOUNT,
    KEY_ID,
    OTHER_ACCOUNT,
    REGION,
    SECRET,
    STORE_ID,
    USER_ID,
    Server,
)


def code_of(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    return (
        error["Error"]["Code"],
        error["Error"]["Message"],
        error["ResponseMetadata"]["HTTPStatusCode"],
    )


def describe(server: Server, key_id: str = KEY_ID, secret: str = SECRET) -> Callable[[], object]:
    qs = server.client("quicksight", key_id=key_id, secret=secret)
    return lambda: qs.describe_user(AwsAccountId=ACCOUNT, Namespace="default", UserName="a")


def test_wrong_secret_is_an_invalid_signature(server: Server) -> None:
    code, message, status = code_of(describe(server, secret="not-the-secret"))

    assert (code, status) == ("InvalidSignatureException", 403)
    assert message.startswith("The request signature we calculated does not match")


def test_wrong_secret_on_json_protocol_too(server: Server) -> None:
    ids = server.client("identitystore", secret="nope")

    code, _, status = code_of(lambda: ids.describe_user(IdentityStoreId=STORE_ID, UserId=USER_ID))

    assert (code, status) == ("InvalidSignatureException", 403)


def test_unknown_key_is_an_unrecognized_client(server: Server) -> None:
    code, message, status = code_of(describe(server, key_id="AKIAUNKNOWNKEY000000"))

    assert (code, status) == ("UnrecognizedClientException", 403)
    assert message == "The security token included in the request is invalid."


@pytest.mark.parametrize(
    ("shift", "start"),
    [(timedelta(minutes=-20), "Signature expired: "), (timedelta(minutes=20), "Signature not yet")],
)
def test_a_signature_outside_15_minutes_is_refused(
    server: Server, monkeypatch: pytest.MonkeyPatch, shift: timedelta, start: str
) -> None:
    skewed = datetime.now(UTC).replace(tzinfo=None) + shift  # botocore's naive UTC
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: skewed)

    code, message, status = code_of(describe(server))

    assert (code, status) == ("InvalidSignatureException", 403)
    assert message.startswith(start)


def test_a_signature_within_the_window_is_accepted(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    skewed = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: skewed)

    assert describe(server)() is not None


def test_key_of_another_account_cannot_act_on_this_one(server: Server) -> None:
    other = server.client("quicksight", key_id="AKIAOTHERACCOUNT0001", secret="other-secret")

    code, _, status = code_of(
        lambda: other.describe_user(AwsAccountId=ACCOUNT, Namespace="default", UserName="a")
    )
    other.describe_user(AwsAccountId=OTHER_ACCOUNT, Namespace="default", UserName="a")

    assert (code, status) == ("AccessDeniedException", 401)
    assert server.recorder.last[0].account_id == OTHER_ACCOUNT


def test_no_authorization_is_a_missing_token(server: Server) -> None:
    response = server.signed(
        "GET", f"/accounts/{ACCOUNT}/namespaces/default/users/a", service="quicksight", sign=False
    )

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer abc",
        "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/quicksight/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature=00",
    ],
)
def test_a_garbled_authorization_is_an_incomplete_signature(
    server: Server, authorization: str
) -> None:
    response = httpx.get(
        f"{server.url}/accounts/{ACCOUNT}/namespaces/default/users/a",
        headers={"Authorization": authorization, "X-Amz-Date": "20260101T000000Z"},
    )

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"


def test_a_body_other_than_the_signed_hash_is_refused(server: Server) -> None:
    signed_body = b'{"IdentityStoreId": "d-1234567890"}'
    headers = {
        "X-Amz-Target": "AWSIdentityStore.ListUsers",
        "X-Amz-Content-SHA256": hashlib.sha256(signed_body).hexdigest(),
    }
    # Sign for one body (the hash header is what SigV4 then covers) and send another.
    request = AWSRequest(method="POST", url=f"{server.url}/", data=signed_body, headers=headers)
    SigV4Auth(Credentials(KEY_ID, SECRET), "identitystore", REGION).add_auth(request)

    good = httpx.post(f"{server.url}/", content=signed_body, headers=dict(request.headers))
    bad = httpx.post(
        f"{server.url}/",
        content=b'{"IdentityStoreId": "d-0000000000"}',
        headers=dict(request.headers),
    )

    assert good.status_code == 200
    assert bad.status_code == 403
    assert bad.json()["__type"] == "InvalidSignatureException"


def test_a_credential_scoped_to_another_service_is_refused(server: Server) -> None:
    response = server.signed(
        "GET", f"/accounts/{ACCOUNT}/namespaces/default/users/a", service="identitystore"
    )

    assert response.status_code == 403
    assert (
        "Credential should be scoped to correct service: 'quicksight'"
        in (response.json()["Message"])
    )


def test_dev_mode_accepts_any_key_and_takes_the_account_from_the_path(dev_server: Server) -> None:
    qs = dev_server.client("quicksight", key_id="anything", secret="whatever")

    response = qs.describe_user(AwsAccountId=OTHER_ACCOUNT, Namespace="default", UserName="a")

    ctx, _ = dev_server.recorder.last
    assert response["Status"] == 200
    assert ctx.dev_mode and ctx.account_id == OTHER_ACCOUNT and ctx.access_key_id == "anything"


@pytest.mark.parametrize(
    ("key_id", "account"),
    [
        ("123456789012", "123456789012"),
        ("made-up", "000000000000"),
        ("AKIASIGHTGATETEST01", ACCOUNT),
    ],
)
def test_dev_mode_account_without_a_path_account(
    dev_server: Server, key_id: str, account: str
) -> None:
    ids = dev_server.client("identitystore", key_id=key_id, secret="x")

    ids.describe_user(IdentityStoreId=STORE_ID, UserId=USER_ID)

    assert dev_server.recorder.last[0].account_id == account


def test_dev_mode_still_wants_a_sigv4_header(dev_server: Server) -> None:
    response = httpx.get(f"{dev_server.url}/accounts/{ACCOUNT}/namespaces/default/users/a")

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
