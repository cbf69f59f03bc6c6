"""Fuzzing every implemented AWS operation of the real server with generated, signed,
hostile requests, and with forged signatures.

Every answer must come within the bound, be no 5xx (but NotImplementedException's 501,
documented in docs/api-coverage.md), carry the protocol's error shape when it is an error,
and leave the store as it was when it is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sightgate.protocols.aws.handlers import OPERATIONS
from tests.e2e.aws.conftest import (
    ACCOUNT,
    REGION,
    create_namespace,
    make_client,
    register,
    subscribe,
)
from tests.e2e.fuzz.aws_inputs import Known, Signer, Unsigned, json_request, rest_request
from tests.e2e.fuzz.conftest import FuzzServer
from tests.e2e.fuzz.probe import Budget, FuzzRequest, Probe, ServerLog, fuzz_settings, json_body
from tests.e2e.fuzz.scim_inputs import header_text
from tests.e2e.helpers import run_json

pytestmark = pytest.mark.e2e

NOT_IMPLEMENTED = 501
# Operations that would remove the seeded account or instance, leaving every later request
# a 404: fuzzed without the seeded names.
DESTRUCTIVE = {
    ("quicksight", "DeleteAccountSubscription"),
    ("quicksight", "DeleteNamespace"),
    ("sso-admin", "DeleteInstance"),
}


def aws_error_shape(response: httpx.Response) -> str | None:
    """Why ``response`` is no AWS error of its protocol (json-1.1: ``__type``; rest-json:
    the ``x-amzn-ErrorType`` header; both: a message), or None."""
    body = json_body(response)
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    json_11 = "x-amz-target" in response.request.headers
    code = body.get("__type") if json_11 else response.headers.get("x-amzn-errortype")
    if not isinstance(code, str) or not code:
        return "no error code"
    if not isinstance(body.get("message", body.get("Message")), str):
        return "no message"
    if response.status_code == NOT_IMPLEMENTED and code != "NotImplementedException":
        return f"501 with code {code}"
    return None


@dataclass(frozen=True)
class AwsTargets:
    """A seeded account (with an Identity Center instance), who signs for it, and request
    strategies for its operations (left out of the repr a failing example shows)."""

    signer: Signer
    quicksight: st.SearchStrategy[Unsigned] = field(repr=False)
    json: st.SearchStrategy[Unsigned] = field(repr=False)


def seed_quicksight(qs: Any) -> dict[str, tuple[Any, ...]]:
    """An account with a namespace, users, a group with a member; their names and ids."""
    subscribe(qs, ACCOUNT, "fuzz")
    create_namespace(qs, ACCOUNT, "fuzzns")
    users = [register(qs, ACCOUNT, "default", name) for name in ("fuzz-one", "fuzz-two")]
    group = qs.create_group(AwsAccountId=ACCOUNT, Namespace="default", GroupName="fuzz-group")
    qs.create_group_membership(
        AwsAccountId=ACCOUNT, Namespace="default", GroupName="fuzz-group", MemberName="fuzz-one"
    )
    page = qs.list_users(AwsAccountId=ACCOUNT, Namespace="default", MaxResults=1)
    return {
        "AwsAccountId": (ACCOUNT,),
        "Namespace": ("default", "fuzzns"),
        "UserName": ("fuzz-one", "fuzz-two"),
        "MemberName": ("fuzz-one", "fuzz-group"),
        "GroupName": ("fuzz-group",),
        "PrincipalId": tuple(u["PrincipalId"] for u in users),
        "ResourceArn": (users[0]["Arn"], group["Group"]["Arn"]),
        "NextToken": tampered(page["NextToken"]),
    }


def seed_identity_center(sso: Any, ids: Any) -> dict[str, tuple[Any, ...]]:
    """An account instance with users, a group and a membership; their ids."""
    instance = sso.create_instance(Name="fuzz")["InstanceArn"]
    store = sso.describe_instance(InstanceArn=instance)["IdentityStoreId"]
    user_ids = [
        ids.create_user(
            IdentityStoreId=store,
            UserName=name,
            DisplayName=name,
            Name={"GivenName": "Fuzz", "FamilyName": name},
        )["UserId"]
        for name in ("fuzz-a", "fuzz-b")
    ]
    group = ids.create_group(IdentityStoreId=store, DisplayName="fuzz-group")["GroupId"]
    membership = ids.create_group_membership(
        IdentityStoreId=store, GroupId=group, MemberId={"UserId": user_ids[0]}
    )["MembershipId"]
    page = ids.list_users(IdentityStoreId=store, MaxResults=1)
    return {
        "InstanceArn": (instance,),
        "IdentityStoreId": (store,),
        "UserId": tuple(user_ids),
        "GroupId": (group,),
        "GroupIds": ([group], [group, "nope"]),
        "MembershipId": (membership,),
        "MemberId": ({"UserId": user_ids[0]}, {"UserId": group}),
        "AlternateIdentifier": (
            {"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "fuzz-a"}},
            {"UniqueAttribute": {"AttributePath": "emails.value", "AttributeValue": 7}},
            {"ExternalId": {"Issuer": "fuzz", "Id": "x"}},
        ),
        "NextToken": tampered(page["NextToken"]),
    }


def tampered(token: str) -> tuple[str, ...]:
    """A real NextToken and broken copies of it."""
    return (token, token[:-1], token + "A", token[::-1], token.upper(), "null", "e30=")


@pytest.fixture(scope="module")
def targets(fuzz_server: FuzzServer) -> AwsTargets:
    issued = run_json(fuzz_server.env, "keys", "create", "--account-id", ACCOUNT)
    key_id, secret = issued["AccessKeyId"], issued["SecretAccessKey"]

    def client(service: str) -> Any:
        return make_client(fuzz_server.url, service, key_id=key_id, secret=secret, region=REGION)

    quicksight = seed_quicksight(client("quicksight"))
    identity_center = seed_identity_center(client("sso-admin"), client("identitystore"))
    tokens = quicksight.pop("NextToken") + identity_center.pop("NextToken")
    known = {**quicksight, **identity_center, "NextToken": tokens}
    return AwsTargets(
        Signer(key_id, secret, REGION),
        requests_of(("quicksight",), known),
        requests_of(("identitystore", "sso-admin"), known),
    )


@pytest.fixture(scope="module")
def probe(fuzz_server: FuzzServer) -> Iterator[Probe]:
    checker = Probe(
        fuzz_server.url, fuzz_server.db_path, ServerLog(fuzz_server.log_path), aws_error_shape
    )
    yield checker
    checker.close()


def known_for(service: str, operation: str, known: Known) -> Known:
    """The seeded values an operation may use (destructive ones: the account at most)."""
    if (service, operation) not in DESTRUCTIVE:
        return known
    if operation == "DeleteAccountSubscription":
        return {}
    return {"AwsAccountId": known["AwsAccountId"]}


def requests_of(services: tuple[str, ...], known: Known) -> st.SearchStrategy[Unsigned]:
    """Requests for every implemented operation of ``services``."""
    session = botocore.session.get_session()
    strategies = []
    for service, name in sorted(OPERATIONS):  # a stable order, so runs are reproducible
        if service in services:
            model = session.get_service_model(service)
            build = json_request if model.protocol == "json" else rest_request
            strategies.append(build(model.operation_model(name), known_for(service, name, known)))
    return st.one_of(*strategies)


BUDGETS = {"quicksight": Budget(10), "json": Budget(8), "forged": Budget(5)}
"""Seconds of sending per test (23 in all); with the server's start and seeding, about 40 s."""


@fuzz_settings(max_examples=300)
@given(data=st.data())
def test_quicksight_operations(
    probe: Probe,
    targets: AwsTargets,
    data: st.DataObject,
) -> None:
    unsigned = data.draw(targets.quicksight)
    request = targets.signer.sign(unsigned, probe.base_url)
    BUDGETS["quicksight"].run(lambda: probe.send(request, allowed=(NOT_IMPLEMENTED,)))


@fuzz_settings(max_examples=300)
@given(data=st.data())
def test_identitystore_and_sso_admin_operations(
    probe: Probe,
    targets: AwsTargets,
    data: st.DataObject,
) -> None:
    unsigned = data.draw(targets.json)
    request = targets.signer.sign(unsigned, probe.base_url)
    BUDGETS["json"].run(lambda: probe.send(request, allowed=(NOT_IMPLEMENTED,)))


def _replace(request: FuzzRequest, name: str, value: str | None) -> FuzzRequest:
    """``request`` with header ``name`` set to ``value`` (None: removed)."""
    headers = tuple((k, v) for k, v in request.headers if k.lower() != name.lower())
    extra = ((name, value),) if value is not None else ()
    return FuzzRequest(request.method, request.target, headers + extra, request.body)


@st.composite
def forged(
    draw: Callable[[st.SearchStrategy[Any]], Any], targets: AwsTargets, base_url: str
) -> FuzzRequest:
    """A request for any operation, not validly signed by a known key."""
    request: Unsigned = draw(st.one_of(targets.quicksight, targets.json))
    signer = targets.signer
    signed = signer.sign(request, base_url)
    forgeries: dict[str, Callable[[], FuzzRequest]] = {
        "unsigned": lambda: _replace(_replace(signed, "Authorization", None), "X-Amz-Date", None),
        "garbage authorization": lambda: _replace(signed, "Authorization", draw(header_text)),
        "huge authorization": lambda: _replace(
            signed, "Authorization", f"AWS4-HMAC-SHA256 Credential={'A' * 5_000}"
        ),
        "wrong secret": lambda: Signer(signer.access_key_id, "wrong", REGION).sign(
            request, base_url
        ),
        "unknown key": lambda: Signer("AKIAFUZZFUZZFUZZFUZZ", "x" * 40, REGION).sign(
            request, base_url
        ),
        "other service's scope": lambda: signer.sign(request, base_url, as_service="s3"),
        "stale date": lambda: _replace(signed, "X-Amz-Date", "20000101T000000Z"),
        "garbage date": lambda: _replace(signed, "X-Amz-Date", draw(header_text)),
        "body changed after signing": lambda: _replace(
            FuzzRequest(signed.method, signed.target, signed.headers, signed.body + b" "),
            "Content-Length",
            None,
        ),
    }
    return forgeries[draw(st.sampled_from(sorted(forgeries)))]()


@fuzz_settings(max_examples=150)
@given(data=st.data())
def test_forged_signatures_are_refused(
    probe: Probe,
    targets: AwsTargets,
    data: st.DataObject,
) -> None:
    """Whatever the operation and input: a request that is not validly signed by a known
    key is a 4xx in the protocol's shape, and changes nothing."""
    request = data.draw(forged(targets, probe.base_url))

    def refused() -> None:
        status = probe.send(request).status_code
        assert 400 <= status < 500, f"{status} for {request!r}"

    BUDGETS["forged"].run(refused)


@pytest.mark.parametrize(
    "path",
    [
        f"/accounts/{ACCOUNT}/namespaces/a%0A/users",
        f"/accounts/{ACCOUNT}/namespaces/default/users/a%0Ab",
        f"/accounts/{ACCOUNT}/namespaces/default/users/a%0Db",
        f"/accounts/{ACCOUNT}/namespaces/%00/users",
    ],
)
def test_signed_paths_with_control_characters(probe: Probe, targets: AwsTargets, path: str) -> None:
    """Percent-encoded control characters in a path (rare among generated labels, so
    listed here too) still get an AWS answer, never the web framework's own 404."""
    request = Unsigned("quicksight", "GET", path, (), b"")
    probe.send(targets.signer.sign(request, probe.base_url), allowed=(NOT_IMPLEMENTED,))
