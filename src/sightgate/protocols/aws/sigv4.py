"""AWS Signature Version 4 verification of incoming requests.

The signature is recomputed with botocore's own signer (``SigV4Auth``) from the request as
it arrived: the raw path and query, exactly the headers the client says it signed, the
body, and the client's ``X-Amz-Date``. Reusing the SDK's canonicalisation (double-encoded
paths, sorted query, trimmed header values) means every request botocore or the AWS CLI
signs verifies here without a second implementation that could drift.

Verification runs in two steps so that an unauthenticated client cannot make the server
buffer a body: ``authenticate_headers`` checks everything the headers alone decide (a
complete SigV4 header, the credential scope's date, region and service, the 15-minute
window, a known key; the whole signature too when the client signed
``x-amz-content-sha256``), and only then does the caller read the body (bounded) for
``verify_body`` to check the signature, or the declared hash, over it.

Secrets never leave this module: they are not logged, not put in errors, and
``Credential``'s repr omits them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from sightgate.analytics.directory.model import validate_region
from sightgate.platform.errors import ValidationError
from sightgate.protocols.aws import errors
from sightgate.protocols.aws.routing import query_pairs

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)
_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Credential:
    """An access key pair and the account whose principal it authenticates."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    account_id: str


class CredentialStore(Protocol):
    """Where access keys are looked up (may hit the database: it is called off the loop)."""

    def lookup(self, access_key_id: str) -> Credential | None:
        """The credential for ``access_key_id``, or None if there is none (or it is disabled)."""
        ...


class StaticCredentials:
    """A ``CredentialStore`` over a fixed set of credentials (tests, single-user setups)."""

    def __init__(self, credentials: Iterable[Credential] = ()) -> None:
        self._by_key = {c.access_key_id: c for c in credentials}

    def lookup(self, access_key_id: str) -> Credential | None:
        """The credential with this key id."""
        return self._by_key.get(access_key_id)


@dataclass(frozen=True)
class RequestHead:
    """The parts of an HTTP request SigV4 covers but its body; header names lowercase,
    order as received."""

    method: str
    raw_path: str
    query_string: str
    headers: Sequence[tuple[str, str]]

    def header(self, name: str) -> str | None:
        """The values of header ``name`` joined by commas (as SigV4 canonicalises them)."""
        values = [value for key, value in self.headers if key == name]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class SignedRequest(RequestHead):
    """A whole request: its head and its body."""

    body: bytes


@dataclass(frozen=True)
class Authorization:
    """A parsed ``Authorization: AWS4-HMAC-SHA256 ...`` header."""

    access_key_id: str
    scope_date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


@dataclass(frozen=True)
class Caller:
    """Who signed a request. ``credential`` is None only in dev mode for an unknown key."""

    access_key_id: str
    region: str
    credential: Credential | None


@dataclass(frozen=True)
class HeadersChecked:
    """A request whose headers authenticate ``caller``; what ``verify_body`` still checks.

    ``authorization`` is None when nothing is left but reading the body: in dev mode, or
    when the signature already verified over a signed ``x-amz-content-sha256``
    (``content_sha256``), which the body must then match.
    """

    caller: Caller
    authorization: Authorization | None = field(default=None, repr=False)
    amz_date: str = ""
    content_sha256: str | None = None


def parse_authorization(value: str | None, amz_date: str | None) -> Authorization:
    """The SigV4 parts of the ``Authorization`` header; AWS's messages for what is missing."""
    if not value or not value.strip():
        raise errors.missing_authentication_token()
    algorithm, _, rest = value.strip().partition(" ")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, _, val = item.strip().partition("=")
        if key:
            parts[key.strip()] = val.strip()
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not parts.get(name)
    ]
    if not amz_date:
        missing.append("Authorization header requires existence of a 'X-Amz-Date' header.")
    if algorithm != ALGORITHM:
        missing.insert(0, f"Unsupported AWS 'algorithm': '{algorithm}'.")
    if missing:
        raise errors.incomplete_signature(" ".join(missing))
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        raise errors.incomplete_signature(
            "Credential should be of the form "
            "'<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request'."
        )
    signed = tuple(h.strip().lower() for h in parts["SignedHeaders"].split(";") if h.strip())
    return Authorization(
        access_key_id=scope[0],
        scope_date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=signed,
        signature=parts["Signature"],
    )


def authenticate_headers(
    head: RequestHead,
    credentials: CredentialStore,
    *,
    signing_name: str,
    now: datetime,
    dev_mode: bool,
) -> HeadersChecked:
    """What the headers of a request prove about its caller, before its body is read.

    Dev mode accepts any well-formed SigV4 header (its scope naming a valid region)
    without looking at the signature, the date or the key (so ``aws --endpoint-url`` works
    with made-up keys); the caller's credential is still reported when the key happens to
    be known.
    """
    amz_date = head.header("x-amz-date")
    auth = parse_authorization(head.header("authorization"), amz_date)
    assert amz_date is not None  # parse_authorization requires it
    _check_region(auth)
    if dev_mode:
        caller = Caller(auth.access_key_id, auth.region, credentials.lookup(auth.access_key_id))
        return HeadersChecked(caller)
    signed_at = _parse_amz_date(amz_date)
    _check_scope(auth, amz_date, signing_name)
    _check_skew(signed_at, amz_date, now)
    credential = credentials.lookup(auth.access_key_id)
    if credential is None:
        raise errors.unrecognized_client()
    caller = Caller(auth.access_key_id, auth.region, credential)
    declared = head.header("x-amz-content-sha256")
    if declared is not None and "x-amz-content-sha256" in auth.signed_headers:
        _check_signature(head, b"", auth, credential, amz_date)  # the hash stands for the body
        return HeadersChecked(caller, content_sha256=declared)
    return HeadersChecked(caller, auth, amz_date, declared)


def verify_body(checked: HeadersChecked, head: RequestHead, body: bytes) -> Caller:
    """The caller once the signature (or the signed content hash) covers ``body``."""
    if checked.content_sha256 is not None and (
        checked.content_sha256 != hashlib.sha256(body).hexdigest()
    ):
        raise errors.invalid_signature(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    if checked.authorization is not None:
        assert checked.caller.credential is not None  # outside dev mode the key is known
        _check_signature(
            head, body, checked.authorization, checked.caller.credential, checked.amz_date
        )
    return checked.caller


def authenticate(
    request: SignedRequest,
    credentials: CredentialStore,
    *,
    signing_name: str,
    now: datetime,
    dev_mode: bool,
) -> Caller:
    """The caller of a whole ``request`` once its SigV4 signature verifies (both steps)."""
    checked = authenticate_headers(
        request, credentials, signing_name=signing_name, now=now, dev_mode=dev_mode
    )
    return verify_body(checked, request, request.body)


def dev_account_id(caller: Caller, uri_account_id: str | None) -> str:
    """The account a dev-mode caller acts as: the account in the URI (QuickSight), else the
    known key's account, else the key id itself when it is 12 digits, else 000000000000."""
    if uri_account_id:
        return uri_account_id
    if caller.credential is not None:
        return caller.credential.account_id
    if _ACCOUNT_ID.match(caller.access_key_id):
        return caller.access_key_id
    return "000000000000"


def _parse_amz_date(amz_date: str) -> datetime:
    try:
        return datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise errors.incomplete_signature(
            f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None


def _check_region(auth: Authorization) -> None:
    """The scope's region must be a region name (``us-east-1``), as AWS requires."""
    try:
        validate_region(auth.region)
    except ValidationError:
        raise errors.invalid_signature(
            f"Credential should be scoped to a valid region, not '{auth.region}'."
        ) from None


def _check_scope(auth: Authorization, amz_date: str, signing_name: str) -> None:
    if auth.scope_date != amz_date[:8]:
        raise errors.invalid_signature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{auth.scope_date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    if auth.service != signing_name:
        raise errors.invalid_signature(
            f"Credential should be scoped to correct service: '{signing_name}'."
        )
    if "host" not in auth.signed_headers:
        raise errors.incomplete_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )


def _check_skew(signed_at: datetime, amz_date: str, now: datetime) -> None:
    stamp = now.astimezone(UTC).strftime(AMZ_DATE_FORMAT)
    if signed_at < now - MAX_SKEW:
        earliest = (now - MAX_SKEW).strftime(AMZ_DATE_FORMAT)
        raise errors.invalid_signature(
            f"Signature expired: {amz_date} is now earlier than {earliest} ({stamp} - 15 min.)"
        )
    if signed_at > now + MAX_SKEW:
        latest = (now + MAX_SKEW).strftime(AMZ_DATE_FORMAT)
        raise errors.invalid_signature(
            f"Signature not yet current: {amz_date} is still later than {latest} "
            f"({stamp} + 15 min.)"
        )


class _ExactHeadersSigner(SigV4Auth):
    """SigV4Auth that signs exactly the headers it is given.

    The stock signer drops a blacklist (``user-agent``, ``expect``, ...) and invents a
    ``host``; a verifier must instead use precisely the client's ``SignedHeaders``, or a
    client that signs ``user-agent`` (some SDKs do) could never verify.
    """

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            header_map[name.lower()] = value
        return header_map


def _check_signature(
    head: RequestHead, body: bytes, auth: Authorization, credential: Credential, amz_date: str
) -> None:
    expected = _signature(head, body, auth, credential, amz_date)
    if not hmac.compare_digest(expected.encode(), auth.signature.encode()):
        raise errors.invalid_signature()


def _signature(
    head: RequestHead, body: bytes, auth: Authorization, credential: Credential, amz_date: str
) -> str:
    """The signature of the request; botocore takes the payload hash from a signed
    ``x-amz-content-sha256`` header when there is one, else hashes ``body``."""
    aws_request = AWSRequest(method=head.method, url=f"http://sightgate{head.raw_path}", data=body)
    for name in sorted(set(auth.signed_headers)):
        values = [value for key, value in head.headers if key == name]
        if not values:
            raise errors.incomplete_signature(
                f"The header '{name}' is listed in SignedHeaders but missing from the request."
            )
        for value in values:  # HTTPHeaders appends: repeated headers stay repeated
            aws_request.headers[name] = value
    # A list, not a dict: repeated query keys (QuickSight list members) must all be signed.
    aws_request.params = cast(Any, query_pairs(head.query_string))
    aws_request.context["timestamp"] = amz_date
    signer = _ExactHeadersSigner(
        Credentials(credential.access_key_id, credential.secret_access_key),
        auth.service,
        auth.region,
    )
    canonical = signer.canonical_request(aws_request)
    return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))
