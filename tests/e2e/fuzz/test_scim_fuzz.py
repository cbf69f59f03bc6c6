"""Fuzzing every SCIM endpoint of the real server with generated hostile requests.

Every answer must come within the bound, be no 5xx (but /Me's 501, RFC 7644 §3.11), be a
SCIM Error when it is an error, and leave the store as it was when it is an error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.e2e.fuzz.conftest import FuzzServer
from tests.e2e.fuzz.probe import (
    Budget,
    FuzzRequest,
    Probe,
    ServerLog,
    fuzz_settings,
    json_body,
    raw_exchange,
    store_fingerprint,
)
from tests.e2e.fuzz.scim_inputs import (
    ScimTargets,
    bulk_document,
    endpoint_path,
    group_document,
    patch_document,
    scim_request,
    search_document,
    user_document,
)
from tests.e2e.fuzz.wire import body_of
from tests.e2e.scim_client import CORE_USER, ENTERPRISE, new_store_client

pytestmark = pytest.mark.e2e

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
ME_PATH = re.compile(r"/v2/me(/|\?|$)", re.IGNORECASE)


def scim_error_shape(response: httpx.Response) -> str | None:
    """Why ``response`` is not a SCIM Error (RFC 7644 §3.12), or None."""
    body = json_body(response)
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or ERROR_SCHEMA not in schemas:
        return f"schemas {schemas!r} lacks {ERROR_SCHEMA}"
    if body.get("status") != str(response.status_code):
        return f"status {body.get('status')!r} is not the HTTP status"
    return None


@pytest.fixture(scope="module")
def targets(fuzz_server: FuzzServer) -> ScimTargets:
    """A store with a user (with e-mails and a manager) and a group, and a second store."""
    store = new_store_client(fuzz_server.env, fuzz_server.url)
    other = new_store_client(fuzz_server.env, fuzz_server.url)
    manager = store.create_user("fuzz.manager")
    user = store.create_user(
        "fuzz.seed",
        schemas=[CORE_USER, ENTERPRISE],
        emails=[{"value": "fuzz.seed@example.com", "type": "work", "primary": True}],
        name={"givenName": "Fuzz", "familyName": "Seed"},
        **{ENTERPRISE: {"manager": {"value": manager["id"]}}},
    )
    group = store.create_group("fuzz-seed", [user["id"], manager["id"]])
    for client in (store, other):
        client.close()
    return ScimTargets(
        store.identity_store_id,
        store.token,
        user["id"],
        group["id"],
        other.identity_store_id,
        other.token,
    )


@pytest.fixture(scope="module")
def probe(fuzz_server: FuzzServer) -> Iterator[Probe]:
    checker = Probe(
        fuzz_server.url, fuzz_server.db_path, ServerLog(fuzz_server.log_path), scim_error_shape
    )
    yield checker
    checker.close()


BUDGETS = {
    name: Budget(seconds)
    for name, seconds in (
        ("any", 8),
        ("writes", 5),
        ("patches", 5),
        ("queries", 5),
        ("bulk", 4),
        ("unauthenticated", 3),
    )
}
"""Seconds of sending per test (31 in all); with the server's start, about 45 s."""


def send(probe: Probe, request: FuzzRequest) -> httpx.Response:
    """Send and check ``request``; /Me may answer 501."""
    return probe.send(request, allowed=(501,) if ME_PATH.search(request.target) else ())


@fuzz_settings(max_examples=250)
@given(data=st.data())
def test_any_request_to_any_endpoint(
    probe: Probe, targets: ScimTargets, data: st.DataObject
) -> None:
    request = data.draw(scim_request(targets))
    BUDGETS["any"].run(lambda: send(probe, request))


@fuzz_settings(max_examples=150)
@given(data=st.data())
def test_creates_and_replaces(probe: Probe, targets: ScimTargets, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(("Users", "Groups")))
    document = user_document(targets) if kind == "Users" else group_document(targets)
    resource = targets.user_id if kind == "Users" else targets.group_id
    request = data.draw(
        scim_request(
            targets,
            methods=("POST", "PUT"),
            endpoints=st.sampled_from((kind, f"{kind}/{resource}")),
            bodies=document.map(body_of),
        )
    )
    BUDGETS["writes"].run(lambda: send(probe, request))


@fuzz_settings(max_examples=150)
@given(data=st.data())
def test_patches(probe: Probe, targets: ScimTargets, data: st.DataObject) -> None:
    request = data.draw(
        scim_request(
            targets,
            methods=("PATCH",),
            endpoints=st.sampled_from((f"Users/{targets.user_id}", f"Groups/{targets.group_id}")),
            bodies=patch_document(targets).map(body_of),
        )
    )
    BUDGETS["patches"].run(lambda: send(probe, request))


@fuzz_settings(max_examples=150)
@given(data=st.data())
def test_lists_and_searches(probe: Probe, targets: ScimTargets, data: st.DataObject) -> None:
    request = data.draw(
        st.one_of(
            scim_request(targets, methods=("GET",), endpoints=st.sampled_from(("Users", "Groups"))),
            scim_request(
                targets,
                methods=("POST",),
                endpoints=st.sampled_from((".search", "Users/.search", "Groups/.search")),
                bodies=search_document.map(body_of),
            ),
        )
    )
    BUDGETS["queries"].run(lambda: send(probe, request))


@fuzz_settings(max_examples=100)
@given(data=st.data())
def test_bulk(probe: Probe, targets: ScimTargets, data: st.DataObject) -> None:
    request = data.draw(
        scim_request(
            targets,
            methods=("POST",),
            endpoints=st.just("Bulk"),
            bodies=bulk_document(targets).map(body_of),
        )
    )
    BUDGETS["bulk"].run(lambda: send(probe, request))


@fuzz_settings(max_examples=100)
@given(data=st.data())
def test_without_a_valid_token_every_request_is_401(
    probe: Probe, targets: ScimTargets, data: st.DataObject
) -> None:
    """Whatever the endpoint, method and body: without a valid token for this store, 401
    and nothing else (an unauthenticated client learns nothing about routes or resources).
    Only a path naming no endpoint at all is refused (404) before authentication."""
    endpoints = endpoint_path(targets).filter(lambda e: e.strip("/"))
    request = data.draw(scim_request(targets, valid_token=False, endpoints=endpoints))

    def unauthenticated() -> None:
        assert send(probe, request).status_code == 401, request

    BUDGETS["unauthenticated"].run(unauthenticated)


def raw_request(targets: ScimTargets, content_length: str, body: bytes) -> bytes:
    head = (
        f"POST /scim/{targets.store_id}/v2/Users HTTP/1.1\r\n"
        "Host: fuzz\r\n"
        f"Authorization: Bearer {targets.token}\r\n"
        "Content-Type: application/scim+json\r\n"
        f"Content-Length: {content_length}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


DOCUMENT = b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"raw.user"}'


@pytest.mark.parametrize(
    ("content_length", "body", "half_close"),
    [
        ("1000000000000", DOCUMENT, False),  # far past maxPayloadSize: 413 before reading
        ("9" * 400, DOCUMENT, False),
        ("10", DOCUMENT, False),  # shorter than the body: a truncated document
        ("0", DOCUMENT, False),
        (str(len(DOCUMENT) + 100), DOCUMENT, True),  # the client gives up mid-body
    ],
    ids=["huge", "400-digits", "short", "zero", "client-gone"],
)
def test_content_length_mismatches(
    fuzz_server: FuzzServer,
    probe: Probe,
    targets: ScimTargets,
    content_length: str,
    body: bytes,
    half_close: bool,
) -> None:
    """A Content-Length that lies about the body: a 4xx (or, once the client is gone, no
    answer), never a 5xx, never a logged error, never a write."""
    fingerprint = store_fingerprint(probe.db_path)
    answer = raw_exchange(
        fuzz_server.url, raw_request(targets, content_length, body), half_close=half_close
    )
    assert answer.status == 0 or 400 <= answer.status < 500, answer
    if half_close:
        time.sleep(0.5)  # the server notices the disconnect after answering nobody
    assert store_fingerprint(probe.db_path) == fingerprint
    assert probe.log.new_errors() == []
