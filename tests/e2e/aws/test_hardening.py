"""Security review findings (issue 9) on the wire: hostile input is a 400 in the AWS shape,
NextTokens are opaque and bound to their list, bodies wait for authenticated headers, the
credential scope's region is checked, and RegisterUser/TagResource behave as AWS does."""

from __future__ import annotations

import base64
import json
import socket
import time
import zlib
from functools import partial
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.aws.conftest import (
    OTHER_ACCOUNT,
    REGION,
    AwsServer,
    Key,
    code_of,
    error_of,
    make_client,
    register,
    status_of,
    subscribe,
    unique,
)

pytestmark = pytest.mark.e2e

IDS_TARGET = "AWSIdentityStore."
DEEP = 50_000


@pytest.fixture(scope="module")
def ids(aws_server: AwsServer, key: Key) -> Any:
    """An IdentityStore client of ``ACCOUNT``."""
    return aws_server.client("identitystore", key)


@pytest.fixture(scope="module")
def store(aws_server: AwsServer, key: Key) -> str:
    """``ACCOUNT``'s identity store."""
    sso = aws_server.client("sso-admin", key)
    arn = sso.create_instance(Name="hardening")["InstanceArn"]
    return str(sso.describe_instance(InstanceArn=arn)["IdentityStoreId"])


def send(
    server: AwsServer,
    key: Key,
    method: str,
    path: str,
    *,
    service: str = "quicksight",
    body: bytes = b"",
    target: str | None = None,
    region: str = REGION,
) -> httpx.Response:
    """A request signed with botocore's SigV4Auth, for bytes no SDK would send; ``path``
    goes on the wire exactly as given (percent-escapes included)."""
    headers = {"Content-Type": "application/json"}
    if target:
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    request = AWSRequest(method=method, url=f"{server.url}{path}", data=body, headers=headers)
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), service, region).add_auth(
        request
    )
    return httpx.request(
        method,
        httpx.URL(server.url).copy_with(raw_path=path.encode("ascii")),
        content=body,
        headers=dict(request.headers.items()),
        timeout=30,
    )


def error_code(response: httpx.Response) -> str:
    """The AWS error code of a response in either protocol's shape."""
    return str(response.headers.get("x-amzn-ErrorType") or response.json()["__type"])


# -- 1. malformed input is a 400 -----------------------------------------------------------


def test_deeply_nested_json_is_a_serialization_error(
    aws_server: AwsServer, key: Key, subscribed: str, store: str
) -> None:
    deep = b'{"GroupName": "deep", "Description": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    quicksight = send(
        aws_server, key, "POST", f"/accounts/{subscribed}/namespaces/default/groups", body=deep
    )
    deep_store = b'{"IdentityStoreId": "%s", "UserName": ' % store.encode()
    identitystore = send(
        aws_server,
        key,
        "POST",
        "/",
        service="identitystore",
        target=IDS_TARGET + "CreateUser",
        body=deep_store + b"[" * DEEP + b"]" * DEEP + b"}",
    )

    for response in (quicksight, identitystore):
        assert response.status_code == 400, response.text
        assert error_code(response) == "SerializationException"


def test_lone_surrogates_in_stored_strings_are_refused(
    qs: Any, ids: Any, subscribed: str, namespace: str, store: str
) -> None:
    # botocore writes "\ud800" as a JSON escape, as any JSON encoder may.
    calls = [
        lambda: qs.create_group(
            AwsAccountId=subscribed, Namespace=namespace, GroupName="g", Description="x\ud800"
        ),
        lambda: qs.register_user(
            AwsAccountId=subscribed,
            Namespace=namespace,
            IdentityType="QUICKSIGHT",
            UserName="alice\udfff",
            Email="alice@example.com",
            UserRole="READER",
        ),
        lambda: ids.create_user(IdentityStoreId=store, UserName="bob\ud800", DisplayName="Bob"),
        lambda: ids.create_user(IdentityStoreId=store, UserName="bob", DisplayName="B\ud800"),
        lambda: ids.create_group(IdentityStoreId=store, DisplayName="grp\udbff"),
    ]

    errors = [error_of(call) for call in calls]

    assert [e.response["Error"]["Code"] for e in errors] == ["SerializationException"] * 5
    assert {status_of(e) for e in errors} == {400}
    groups = qs.list_groups(AwsAccountId=subscribed, Namespace=namespace)["GroupList"]
    assert groups == []
    assert ids.list_users(IdentityStoreId=store)["Users"] == []


@pytest.mark.parametrize(
    "label",
    ["%ED%A0%80", "%FF", "%zz", "a%2"],
    ids=["encoded-surrogate", "not-utf8", "bad-escape", "short-escape"],
)
def test_uri_labels_that_are_not_percent_encoded_utf8_are_400(
    aws_server: AwsServer, key: Key, subscribed: str, label: str
) -> None:
    response = send(
        aws_server, key, "GET", f"/accounts/{subscribed}/namespaces/default/users/{label}"
    )

    assert response.status_code == 400, response.text
    assert error_code(response) == "InvalidParameterValueException"
    assert "ufffd" not in response.text.lower()  # never an altered value echoed back


@pytest.mark.parametrize("query", ["max-results=%FF", "next-token=%ED%A0%80", "max-results=%"])
def test_query_strings_that_are_not_percent_encoded_utf8_are_400(
    aws_server: AwsServer, key: Key, subscribed: str, store: str, query: str
) -> None:
    quicksight = send(
        aws_server, key, "GET", f"/accounts/{subscribed}/namespaces/default/users?{query}"
    )
    identitystore = send(
        aws_server,
        key,
        "POST",
        f"/?{query}",
        service="identitystore",
        target=IDS_TARGET + "ListUsers",
        body=json.dumps({"IdentityStoreId": store}).encode(),
    )

    assert (quicksight.status_code, error_code(quicksight)) == (
        400,
        "InvalidParameterValueException",
    )
    assert (identitystore.status_code, error_code(identitystore)) == (400, "ValidationException")


# -- 2. NextTokens -------------------------------------------------------------------------


def test_next_tokens_are_opaque(qs: Any, subscribed: str, namespace: str) -> None:
    for name in ("zed-one", "zed-two"):
        register(qs, subscribed, namespace, name)

    token = qs.list_users(AwsAccountId=subscribed, Namespace=namespace, MaxResults=1)["NextToken"]

    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    inflated = []
    for start in range(len(raw)):
        try:
            inflated.append(zlib.decompress(raw[start:]))
        except zlib.error:
            continue
    for secret in (b"zed", subscribed.encode(), namespace.encode()):
        assert all(secret not in text for text in (raw, *inflated))


def test_identity_store_tokens_are_bound_to_their_filters(ids: Any, store: str) -> None:
    for name in ("filter-a", "filter-b"):
        ids.create_user(IdentityStoreId=store, UserName=name, DisplayName=name)
    token = ids.list_users(IdentityStoreId=store, MaxResults=1)["NextToken"]
    filtered = [{"AttributePath": "UserName", "AttributeValue": "filter-b"}]

    error = error_of(
        lambda: ids.list_users(IdentityStoreId=store, Filters=filtered, NextToken=token)
    )

    assert error.response["Error"]["Code"] == "ValidationException"
    assert status_of(error) == 400
    # The same list still pages with it.
    assert ids.list_users(IdentityStoreId=store, MaxResults=1, NextToken=token)["Users"]


def test_forged_truncated_and_foreign_tokens(
    aws_server: AwsServer, qs: Any, other_key: Key, subscribed: str, namespace: str, store: str
) -> None:
    for name in ("tok-1", "tok-2"):
        register(qs, subscribed, namespace, name)
    token = qs.list_users(AwsAccountId=subscribed, Namespace=namespace, MaxResults=1)["NextToken"]
    other_qs = aws_server.client("quicksight", other_key)
    subscribe(other_qs, OTHER_ACCOUNT)
    other_token = other_qs.list_namespaces(AwsAccountId=OTHER_ACCOUNT, MaxResults=1)

    codes = [
        code_of(
            lambda: qs.list_users(
                AwsAccountId=subscribed, Namespace=namespace, NextToken=token[: len(token) // 2]
            )
        ),
        code_of(
            lambda: other_qs.list_users(
                AwsAccountId=OTHER_ACCOUNT, Namespace="default", NextToken=token
            )
        ),
    ]

    assert codes == ["InvalidNextTokenException"] * 2
    assert "NextToken" not in other_token  # one namespace: nothing to page


def test_sso_admin_list_instances_refuses_a_forged_token(aws_server: AwsServer, key: Key) -> None:
    sso = aws_server.client("sso-admin", key)
    sso.list_instances()

    error = error_of(lambda: sso.list_instances(NextToken="forged-token"))

    assert error.response["Error"]["Code"] == "ValidationException"
    assert status_of(error) == 400


def test_lists_returned_whole_refuse_forged_tokens(ids: Any, store: str) -> None:
    user_id = ids.create_user(IdentityStoreId=store, UserName="member", DisplayName="M")["UserId"]

    codes = [
        code_of(lambda: ids.list_identity_stores(NextToken="forged-token")),
        code_of(
            lambda: ids.list_group_memberships_for_member(
                IdentityStoreId=store, MemberId={"UserId": user_id}, NextToken="forged-token"
            )
        ),
    ]

    assert codes == ["ValidationException"] * 2


# -- 3. bodies wait for authenticated headers ----------------------------------------------


def test_an_unknown_key_is_refused_before_its_body_is_read(
    aws_server: AwsServer, subscribed: str
) -> None:
    host = httpx.URL(aws_server.url)
    path = f"/accounts/{subscribed}/namespaces/default/groups"
    request = AWSRequest(method="POST", url=f"{aws_server.url}{path}", data=b"")
    SigV4Auth(Credentials("AKIAUNKNOWNKEY000000", "x" * 40), "quicksight", REGION).add_auth(request)
    lines = [f"POST {path} HTTP/1.1", f"Host: {host.host}:{host.port}"]
    lines += [f"{k}: {v}" for k, v in request.headers.items()]
    lines += ["Content-Type: application/json", f"Content-Length: {5 * 1024 * 1024}"]

    with socket.create_connection((host.host, host.port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))  # and no body
        answer = sock.recv(65536).decode("latin-1")
        elapsed = time.monotonic() - started

    assert answer.startswith("HTTP/1.1 403"), answer
    assert "UnrecognizedClientException" in answer
    assert elapsed < 5  # the 5 MiB it announced were never waited for


def test_a_signed_content_hash_is_checked_against_the_body(
    aws_server: AwsServer, key: Key, subscribed: str
) -> None:
    path = f"/accounts/{subscribed}/namespaces/default/groups"
    body = json.dumps({"GroupName": unique("hashed")}).encode()
    request = AWSRequest(
        method="POST",
        url=f"{aws_server.url}{path}",
        data=body,
        headers={"Content-Type": "application/json", "X-Amz-Content-SHA256": "0" * 64},
    )
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), "quicksight", REGION).add_auth(
        request
    )

    response = httpx.post(
        f"{aws_server.url}{path}", content=body, headers=dict(request.headers.items()), timeout=30
    )

    assert response.status_code == 403
    assert error_code(response) == "InvalidSignatureException"


# -- 4. the credential scope's region ------------------------------------------------------


def test_an_account_answers_only_in_its_region(
    aws_server: AwsServer, key: Key, qs: Any, subscribed: str
) -> None:
    elsewhere = aws_server.client("quicksight", key, region="eu-west-1")

    calls = [
        lambda: elsewhere.list_users(AwsAccountId=subscribed, Namespace="default"),
        lambda: elsewhere.describe_account_settings(AwsAccountId=subscribed),
        lambda: elsewhere.list_tags_for_resource(
            ResourceArn=f"arn:aws:quicksight:{REGION}:{subscribed}:namespace/default"
        ),
    ]
    errors = [error_of(call) for call in calls]

    for error in errors:
        assert error.response["Error"]["Code"] == "AccessDeniedException"
        assert error.response["Error"]["Message"] == (
            "Operation is being called from endpoint eu-west-1, but your identity region is "
            f"{REGION}. Please use the {REGION} endpoint."
        )
    assert qs.list_users(AwsAccountId=subscribed, Namespace="default")["Status"] == 200


def test_a_subscription_lives_in_the_region_it_was_created_in(aws_server: AwsServer) -> None:
    account = "555566667777"
    key = aws_server.new_key(account)
    frankfurt = aws_server.client("quicksight", key, region="eu-central-1")
    subscribe(frankfurt, account)

    user = register(frankfurt, account, "default", "kai")
    denied = code_of(
        lambda: aws_server.client("quicksight", key).list_users(
            AwsAccountId=account, Namespace="default"
        )
    )

    assert user["Arn"] == f"arn:aws:quicksight:eu-central-1:{account}:user/default/kai"
    assert denied == "AccessDeniedException"


@pytest.mark.parametrize("region", ["moon-base-1", "US-EAST-1", "useast1", "local"])
def test_a_scope_region_that_is_no_region_is_refused(
    aws_server: AwsServer, dev_server: AwsServer, key: Key, subscribed: str, region: str
) -> None:
    clients = [
        aws_server.client("quicksight", key, region=region),
        make_client(dev_server.url, "quicksight", key_id="test", secret="test", region=region),
    ]
    for client in clients:
        error = error_of(partial(client.list_users, AwsAccountId=subscribed, Namespace="default"))
        assert error.response["Error"]["Code"] == "InvalidSignatureException"
        assert status_of(error) == 403
        assert "valid region" in error.response["Error"]["Message"]


# -- 5. wire fidelity ----------------------------------------------------------------------


def test_register_user_iam_without_iam_arn(qs: Any, subscribed: str, namespace: str) -> None:
    response = qs.register_user(
        AwsAccountId=subscribed,
        Namespace=namespace,
        IdentityType="IAM",
        UserName="tfacctestm9hpsr970z",
        Email="fakeemail@example.com",
        UserRole="READER",
    )

    user = response["User"]
    assert response["Status"] == 201
    assert user["UserName"] == "tfacctestm9hpsr970z"
    assert user["IdentityType"] == "IAM"
    assert user["Arn"] == (
        f"arn:aws:quicksight:{REGION}:{subscribed}:user/{namespace}/tfacctestm9hpsr970z"
    )


def test_dev_mode_tag_resource_subscribes_the_arns_account(dev_server: AwsServer) -> None:
    account = "777788889999"
    qs = make_client(dev_server.url, "quicksight", key_id="testing", secret="x", region=REGION)
    arn = f"arn:aws:quicksight:{REGION}:{account}:namespace/default"

    qs.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "bi"}])

    assert qs.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "bi"}]
    user = register(qs, account, "default", "tagged")
    qs.tag_resource(ResourceArn=user["Arn"], Tags=[{"Key": "k", "Value": "v"}])
    assert qs.list_tags_for_resource(ResourceArn=user["Arn"])["Tags"] == [
        {"Key": "k", "Value": "v"}
    ]
