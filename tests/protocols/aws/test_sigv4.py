"""SigV4 verification in isolation, against requests signed by botocore's own signer."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from sightgate.protocols.aws.errors import AwsError
from sightgate.protocols.aws.sigv4 import (
    Caller,
    Credential,
    RequestHead,
    SignedRequest,
    StaticCredentials,
    authenticate,
    authenticate_headers,
    dev_account_id,
    parse_authorization,
    verify_body,
)

CREDENTIAL = Credential("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "111122223333")
STORE = StaticCredentials([CREDENTIAL])


def signed(
    method: str,
    url: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    service: str = "quicksight",
    unsigned: dict[str, str] | None = None,
) -> SignedRequest:
    """What the server would receive for a request botocore signed."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    SigV4Auth(
        Credentials(CREDENTIAL.access_key_id, CREDENTIAL.secret_access_key), service, "us-east-1"
    ).add_auth(request)
    parts = urlsplit(url)
    sent = [(k.lower(), v) for k, v in request.headers.items()]
    sent.append(("host", parts.netloc))
    sent.extend((k.lower(), v) for k, v in (unsigned or {}).items())
    return SignedRequest(method, parts.path, parts.query, sent, body)


def verify(request: SignedRequest, **kwargs: object) -> Caller:
    options: dict[str, object] = {
        "signing_name": "quicksight",
        "now": datetime.now(UTC),
        "dev_mode": False,
    }
    options.update(kwargs)
    return authenticate(request, STORE, **options)  # type: ignore[arg-type]


def test_botocore_signed_requests_verify() -> None:
    request = signed(
        "GET",
        "http://localhost:8080/resources/arn%3Aaws%3Aqs%3A%3A1%3Ad%2Fx/tags?keys=b&keys=a%20c",
        unsigned={"user-agent": "test", "x-forwarded-for": "10.0.0.1"},
    )

    caller = verify(request)

    assert caller == Caller("AKIDEXAMPLE", "us-east-1", CREDENTIAL)


def test_repeated_and_reordered_query_keys_are_covered_by_the_signature() -> None:
    request = signed("GET", "http://h/x?keys=a&keys=b")
    tampered = SignedRequest(
        request.method, request.raw_path, "keys=a&keys=c", request.headers, request.body
    )

    verify(request)
    with pytest.raises(AwsError) as caught:
        verify(tampered)
    assert caught.value.code == "InvalidSignatureException"


class SignsEveryHeader(SigV4Auth):
    """A signer like SDKs that also sign headers botocore leaves out (``user-agent``)."""

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name, value in request.headers.items():
            headers[name.lower()] = value
        return headers


def test_a_signed_user_agent_is_verified_too() -> None:
    request = AWSRequest(
        method="GET", url="http://h/x", headers={"User-Agent": "sdk/1", "Host": "h"}
    )
    SignsEveryHeader(
        Credentials(CREDENTIAL.access_key_id, CREDENTIAL.secret_access_key),
        "quicksight",
        "us-east-1",
    ).add_auth(request)
    assert "SignedHeaders=host;user-agent;x-amz-date" in request.headers["Authorization"]
    sent = [(k.lower(), v) for k, v in request.headers.items()]

    assert verify(SignedRequest("GET", "/x", "", sent, b"")).credential == CREDENTIAL


def test_a_tampered_body_fails() -> None:
    request = signed("POST", "http://h/", b'{"a": 1}', {"X-Amz-Target": "T.Op"})
    tampered = SignedRequest("POST", "/", "", request.headers, b'{"a": 2}')

    with pytest.raises(AwsError) as caught:
        verify(tampered)
    assert caught.value.code == "InvalidSignatureException"


def test_expired_and_future_signatures() -> None:
    request = signed("GET", "http://h/x")

    for shift, start in ((20, "Signature expired"), (-20, "Signature not yet current")):
        with pytest.raises(AwsError) as caught:
            verify(request, now=datetime.now(UTC) + timedelta(minutes=shift))
        assert caught.value.code == "InvalidSignatureException"
        assert caught.value.message.startswith(start)


def test_unknown_keys_and_wrong_service() -> None:
    request = signed("GET", "http://h/x")

    with pytest.raises(AwsError) as unknown:
        authenticate(
            request,
            StaticCredentials(),
            signing_name="quicksight",
            now=datetime.now(UTC),
            dev_mode=False,
        )
    with pytest.raises(AwsError) as scoped:
        verify(request, signing_name="identitystore")

    assert unknown.value.code == "UnrecognizedClientException"
    assert scoped.value.code == "InvalidSignatureException"


@pytest.mark.parametrize(
    ("header", "date", "code"),
    [
        (None, "20260101T000000Z", "MissingAuthenticationTokenException"),
        ("Basic abc", "20260101T000000Z", "IncompleteSignatureException"),
        (
            "AWS4-HMAC-SHA256 Credential=K/20260101/r/s/aws4_request, SignedHeaders=host",
            "20260101T000000Z",
            "IncompleteSignatureException",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=K/20260101/r/s/aws4_request, "
            "SignedHeaders=host, Signature=ab",
            None,
            "IncompleteSignatureException",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=K/r/s/aws4_request, SignedHeaders=host, Signature=ab",
            "20260101T000000Z",
            "IncompleteSignatureException",
        ),
    ],
)
def test_malformed_authorization(header: str | None, date: str | None, code: str) -> None:
    with pytest.raises(AwsError) as caught:
        parse_authorization(header, date)
    assert caught.value.code == code
    assert caught.value.status == 403


def test_dev_mode_skips_signature_date_and_key_checks() -> None:
    request = signed("GET", "http://h/x")
    stale = datetime.now(UTC) + timedelta(days=3)

    caller = authenticate(
        request, StaticCredentials(), signing_name="other", now=stale, dev_mode=True
    )

    assert caller == Caller("AKIDEXAMPLE", "us-east-1", None)
    assert dev_account_id(caller, "999988887777") == "999988887777"
    assert dev_account_id(caller, None) == "000000000000"
    assert dev_account_id(Caller("123456789012", "r", None), None) == "123456789012"
    assert dev_account_id(Caller("k", "r", CREDENTIAL), None) == "111122223333"


def test_the_secret_never_appears_in_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    request = signed("GET", "http://h/x")

    verify(request)
    with pytest.raises(AwsError):
        verify(request, now=datetime.now(UTC) + timedelta(hours=1))

    assert CREDENTIAL.secret_access_key not in repr(CREDENTIAL)
    assert CREDENTIAL.secret_access_key not in caplog.text


def test_headers_authenticate_before_the_body_is_read() -> None:
    request = signed("POST", "http://h/x", b'{"a": 1}', {"Content-Type": "application/json"})
    head = RequestHead(request.method, request.raw_path, request.query_string, request.headers)
    now = datetime.now(UTC)

    checked = authenticate_headers(head, STORE, signing_name="quicksight", now=now, dev_mode=False)
    with pytest.raises(AwsError) as unknown:
        authenticate_headers(
            head, StaticCredentials(), signing_name="quicksight", now=now, dev_mode=False
        )
    with pytest.raises(AwsError) as other_body:
        verify_body(checked, head, b'{"a": 2}')

    assert unknown.value.code == "UnrecognizedClientException"
    assert other_body.value.code == "InvalidSignatureException"
    assert verify_body(checked, head, request.body).credential == CREDENTIAL


def test_a_signed_content_hash_verifies_the_signature_from_the_headers() -> None:
    body = b'{"a": 1}'
    request = signed(
        "POST", "http://h/x", body, {"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
    )
    forged = SignedRequest(
        request.method,
        request.raw_path,
        request.query_string,
        [(k, v + "0" if k == "authorization" else v) for k, v in request.headers],
        body,
    )
    now = datetime.now(UTC)

    checked = authenticate_headers(
        request, STORE, signing_name="quicksight", now=now, dev_mode=False
    )
    with pytest.raises(AwsError) as bad_signature:
        authenticate_headers(forged, STORE, signing_name="quicksight", now=now, dev_mode=False)
    with pytest.raises(AwsError) as other_body:
        verify_body(checked, request, b"{}")

    assert checked.authorization is None  # nothing but the body hash is left to check
    assert bad_signature.value.code == "InvalidSignatureException"
    assert other_body.value.code == "InvalidSignatureException"
    assert verify_body(checked, request, body).credential == CREDENTIAL


@pytest.mark.parametrize("dev_mode", [False, True])
def test_the_scope_region_must_be_a_region(dev_mode: bool) -> None:
    request = signed("GET", "http://h/x")
    headers = [
        (k, v.replace("/us-east-1/", "/Moon/") if k == "authorization" else v)
        for k, v in request.headers
    ]

    with pytest.raises(AwsError) as caught:
        verify(SignedRequest("GET", "/x", "", headers, b""), dev_mode=dev_mode)

    assert caught.value.code == "InvalidSignatureException"
    assert caught.value.message == "Credential should be scoped to a valid region, not 'Moon'."
