"""Bad requests get their AWS error code, and leave nothing half-written behind."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.auth
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.aws.conftest import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    AwsServer,
    Key,
    code_of,
    create_namespace,
    error_member,
    error_of,
    register,
    status_of,
    unique,
    user_names,
)

pytestmark = pytest.mark.e2e

BIG = 9 * 1024 * 1024  # over the 8 MiB body limit


@pytest.fixture(scope="module")
def ids(aws_server: AwsServer, key: Key) -> Any:
    """An IdentityStore client of ``ACCOUNT``."""
    return aws_server.client("identitystore", key)


@pytest.fixture(scope="module")
def store(aws_server: AwsServer, key: Key) -> str:
    """``ACCOUNT``'s identity store (an instance made with SSO Admin CreateInstance)."""
    sso = aws_server.client("sso-admin", key)
    arn = sso.create_instance(Name="errors")["InstanceArn"]
    return str(sso.describe_instance(InstanceArn=arn)["IdentityStoreId"])


@pytest.fixture(scope="module")
def lax_qs(aws_server: AwsServer, key: Key) -> Any:
    """A QuickSight client without botocore's parameter validation."""
    return aws_server.client("quicksight", key, validate=False)


@pytest.fixture(scope="module")
def lax_ids(aws_server: AwsServer, key: Key) -> Any:
    """An IdentityStore client without botocore's parameter validation."""
    return aws_server.client("identitystore", key, validate=False)


def register_body(user_name: str, **overrides: Any) -> dict[str, Any]:
    """RegisterUser's input members (without the URI members)."""
    return {
        "IdentityType": "QUICKSIGHT",
        "UserName": user_name,
        "Email": f"{user_name}@example.com",
        "UserRole": "READER",
        **overrides,
    }


def user_ids_named(ids: Any, store: str, user_name: str) -> list[str]:
    """The ids of the identity-store users named ``user_name`` (any letter case)."""
    found = ids.list_users(
        IdentityStoreId=store,
        Filters=[{"AttributePath": "UserName", "AttributeValue": user_name}],
    )
    return [u["UserId"] for u in found["Users"]]


def signed(
    key: Key, method: str, url: str, body: bytes, service: str, headers: dict[str, str]
) -> dict[str, str]:
    """The headers of a request signed with botocore's SigV4Auth (the current clock)."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), service, REGION).add_auth(
        request
    )
    return dict(request.headers.items())


# -- unknown names -------------------------------------------------------------------------


def test_unknown_namespace(qs: Any, subscribed: str) -> None:
    calls = [
        lambda: qs.list_users(AwsAccountId=subscribed, Namespace="ghost"),
        lambda: register(qs, subscribed, "ghost", "casper"),
        lambda: qs.create_group(AwsAccountId=subscribed, Namespace="ghost", GroupName="g"),
        lambda: qs.describe_namespace(AwsAccountId=subscribed, Namespace="ghost"),
        lambda: qs.delete_namespace(AwsAccountId=subscribed, Namespace="ghost"),
    ]

    errors = [error_of(call) for call in calls]

    assert [e.response["Error"]["Code"] for e in errors] == ["ResourceNotFoundException"] * 5
    assert {status_of(e) for e in errors} == {404}
    namespaces = qs.list_namespaces(AwsAccountId=subscribed)["Namespaces"]
    assert "ghost" not in [n["Name"] for n in namespaces]


def test_unknown_account(aws_server: AwsServer) -> None:
    """A key of an account without a subscription: nothing exists, nothing is created."""
    account = "999900001111"
    qs = aws_server.client("quicksight", aws_server.new_key(account))

    codes = [
        code_of(lambda: qs.list_users(AwsAccountId=account, Namespace="default")),
        code_of(lambda: register(qs, account, "default", "early")),
        code_of(lambda: create_namespace(qs, account, "early")),
        code_of(lambda: qs.list_namespaces(AwsAccountId=account)),
        code_of(lambda: qs.describe_account_settings(AwsAccountId=account)),
    ]

    assert codes == ["ResourceNotFoundException"] * 5
    assert code_of(lambda: qs.describe_account_subscription(AwsAccountId=account)) == (
        "ResourceNotFoundException"
    )


def test_unknown_identity_store_and_ids(ids: Any, store: str) -> None:
    unknown_id = "ffffffffff-00000000-0000-0000-0000-000000000000"

    errors = [
        error_of(lambda: ids.list_users(IdentityStoreId="d-0000000000")),
        error_of(lambda: ids.describe_user(IdentityStoreId=store, UserId=unknown_id)),
        error_of(lambda: ids.describe_group(IdentityStoreId=store, GroupId=unknown_id)),
        error_of(
            lambda: ids.describe_group_membership(IdentityStoreId=store, MembershipId=unknown_id)
        ),
    ]

    assert [e.response["Error"]["Code"] for e in errors] == ["ResourceNotFoundException"] * 4
    assert [error_member(e, "ResourceType") for e in errors] == [
        "IDENTITY_STORE",
        "USER",
        "GROUP",
        "GROUP_MEMBERSHIP",
    ]


# -- conflicts -----------------------------------------------------------------------------


@pytest.mark.parametrize("again", ["twice", "TWICE", "Twice"])
def test_a_user_registered_twice(qs: Any, subscribed: str, namespace: str, again: str) -> None:
    register(qs, subscribed, namespace, "twice")

    error = error_of(
        lambda: qs.register_user(
            AwsAccountId=subscribed,
            Namespace=namespace,
            **register_body(again, Email="second@example.com"),
        )
    )

    assert error.response["Error"]["Code"] == "ResourceExistsException"
    assert status_of(error) == 409
    assert user_names(qs, subscribed, namespace) == ["twice"]
    user = qs.describe_user(AwsAccountId=subscribed, Namespace=namespace, UserName="twice")
    assert user["User"]["Email"] == "twice@example.com"


def test_a_group_name_clash_in_another_letter_case(
    qs: Any, subscribed: str, namespace: str
) -> None:
    qs.create_group(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="Analysts", Description="first"
    )

    error = error_of(
        lambda: qs.create_group(
            AwsAccountId=subscribed, Namespace=namespace, GroupName="ANALYSTS", Description="2nd"
        )
    )

    assert error.response["Error"]["Code"] == "ResourceExistsException"
    assert status_of(error) == 409
    groups = qs.list_groups(AwsAccountId=subscribed, Namespace=namespace)["GroupList"]
    assert [(g["GroupName"], g["Description"]) for g in groups] == [("Analysts", "first")]


def test_a_namespace_name_clash_in_another_letter_case(qs: Any, subscribed: str) -> None:
    name = unique("Clash")
    create_namespace(qs, subscribed, name)

    assert code_of(lambda: create_namespace(qs, subscribed, name.upper())) == (
        "ResourceExistsException"
    )
    names = [n["Name"] for n in qs.list_namespaces(AwsAccountId=subscribed)["Namespaces"]]
    assert name in names
    assert name.upper() not in names


def test_a_membership_for_a_user_of_another_namespace(
    qs: Any, subscribed: str, namespace: str
) -> None:
    elsewhere = unique("elsewhere")
    create_namespace(qs, subscribed, elsewhere)
    register(qs, subscribed, elsewhere, "foreigner")
    qs.create_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="locals")

    error = error_of(
        lambda: qs.create_group_membership(
            AwsAccountId=subscribed, Namespace=namespace, GroupName="locals", MemberName="foreigner"
        )
    )

    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    members = qs.list_group_memberships(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="locals"
    )
    assert members["GroupMemberList"] == []
    groups = qs.list_user_groups(AwsAccountId=subscribed, Namespace=elsewhere, UserName="foreigner")
    assert groups["GroupList"] == []


def test_identity_store_user_name_clash(ids: Any, store: str) -> None:
    ids.create_user(IdentityStoreId=store, UserName="dupe", DisplayName="Dupe")

    error = error_of(
        lambda: ids.create_user(IdentityStoreId=store, UserName="DUPE", DisplayName="Other")
    )

    assert error.response["Error"]["Code"] == "ConflictException"
    assert error_member(error, "Reason") == "UNIQUENESS_CONSTRAINT_VIOLATION"
    assert len(user_ids_named(ids, store, "dupe")) == 1


# -- credentials and signatures ------------------------------------------------------------


def test_an_access_key_on_a_foreign_account(
    aws_server: AwsServer, qs: Any, other_key: Key, subscribed: str, namespace: str
) -> None:
    foreign = aws_server.client("quicksight", other_key)

    error = error_of(lambda: register(foreign, subscribed, namespace, "intruder"))

    assert error.response["Error"]["Code"] == "AccessDeniedException"
    assert status_of(error) == 401
    assert OTHER_ACCOUNT in error.response["Error"]["Message"]
    assert user_names(qs, subscribed, namespace) == []


@pytest.mark.parametrize("service", ["quicksight", "identitystore"])
def test_a_wrong_secret_is_an_invalid_signature(
    aws_server: AwsServer, qs: Any, ids: Any, key: Key, store: str, namespace: str, service: str
) -> None:
    wrong = aws_server.client(service, key_id=key.access_key_id, secret="W" * 40)

    if service == "quicksight":
        error = error_of(lambda: register(wrong, ACCOUNT, namespace, "unsigned"))
    else:
        error = error_of(
            lambda: wrong.create_user(IdentityStoreId=store, UserName="unsigned", DisplayName="U")
        )

    assert error.response["Error"]["Code"] == "InvalidSignatureException"
    assert status_of(error) == 403
    assert error.response["Error"]["Message"].startswith(
        "The request signature we calculated does not match"
    )
    assert user_names(qs, ACCOUNT, namespace) == []
    assert user_ids_named(ids, store, "unsigned") == []


def test_a_tampered_signature_is_refused(
    aws_server: AwsServer, qs: Any, key: Key, namespace: str
) -> None:
    url = f"{aws_server.url}/accounts/{ACCOUNT}/namespaces/{namespace}/users"
    body = json.dumps(register_body("tampered")).encode()
    headers = signed(key, "POST", url, body, "quicksight", {"Content-Type": "application/json"})
    authorization = headers["Authorization"]
    last = authorization[-1]
    headers["Authorization"] = authorization[:-1] + ("0" if last != "0" else "1")

    response = httpx.post(url, content=body, headers=headers, timeout=30)

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert user_names(qs, ACCOUNT, namespace) == []


def test_a_body_other_than_the_signed_one_is_refused(
    aws_server: AwsServer, qs: Any, key: Key, namespace: str
) -> None:
    url = f"{aws_server.url}/accounts/{ACCOUNT}/namespaces/{namespace}/users"
    body = json.dumps(register_body("reader")).encode()
    headers = signed(key, "POST", url, body, "quicksight", {"Content-Type": "application/json"})
    swapped = json.dumps(register_body("reader", UserRole="ADMIN")).encode()

    rejected = httpx.post(url, content=swapped, headers=headers, timeout=30)
    accepted = httpx.post(url, content=body, headers=headers, timeout=30)

    assert rejected.status_code == 403
    assert rejected.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["User"]["Role"] == "READER"


def test_an_unknown_key_and_a_missing_signature(aws_server: AwsServer, subscribed: str) -> None:
    unknown = aws_server.client("quicksight", key_id="AKIAUNKNOWNKEY000000", secret="x" * 40)
    error = error_of(lambda: unknown.list_users(AwsAccountId=subscribed, Namespace="default"))
    unsigned = httpx.get(
        f"{aws_server.url}/accounts/{subscribed}/namespaces/default/users", timeout=30
    )

    assert error.response["Error"]["Code"] == "UnrecognizedClientException"
    assert status_of(error) == 403
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (timedelta(minutes=-20), "Signature expired: "),
        (timedelta(minutes=20), "Signature not yet current: "),
    ],
)
def test_a_signature_dated_20_minutes_off_is_refused(
    qs: Any,
    key: Key,
    aws_server: AwsServer,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
    shift: timedelta,
    message: str,
) -> None:
    """The request is signed by botocore's SigV4Auth at a fixed X-Amz-Date."""
    fixed = datetime.now(UTC).replace(tzinfo=None) + shift  # botocore's naive UTC
    url = f"{aws_server.url}/accounts/{ACCOUNT}/namespaces/{namespace}/users"
    body = json.dumps(register_body("late")).encode()
    with monkeypatch.context() as patch:
        patch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: fixed)
        headers = signed(key, "POST", url, body, "quicksight", {"Content-Type": "application/json"})
    assert headers["X-Amz-Date"] == fixed.strftime("%Y%m%dT%H%M%SZ")

    response = httpx.post(url, content=body, headers=headers, timeout=30)

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert response.json()["Message"].startswith(message)
    assert user_names(qs, ACCOUNT, namespace) == []


def test_a_signature_within_the_window_is_accepted(
    qs: Any, aws_server: AwsServer, key: Key, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    skewed = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=10)
    client = aws_server.client("quicksight", key)
    with monkeypatch.context() as patch:
        patch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: skewed)
        register(client, ACCOUNT, namespace, "slightly-late")

    assert user_names(qs, ACCOUNT, namespace) == ["slightly-late"]


# -- bodies and tokens ---------------------------------------------------------------------


def test_an_oversized_body(
    lax_qs: Any, lax_ids: Any, ids: Any, store: str, subscribed: str, namespace: str
) -> None:
    lax_qs.create_group(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="big", Description="small"
    )

    quicksight = error_of(
        lambda: lax_qs.update_group(
            AwsAccountId=subscribed, Namespace=namespace, GroupName="big", Description="x" * BIG
        )
    )
    identitystore = error_of(
        lambda: lax_ids.create_user(IdentityStoreId=store, UserName="huge", DisplayName="x" * BIG)
    )

    for error in (quicksight, identitystore):
        assert error.response["Error"]["Code"] == "RequestEntityTooLargeException"
        assert status_of(error) == 413
    group = lax_qs.describe_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="big")
    assert group["Group"]["Description"] == "small"
    assert user_ids_named(ids, store, "huge") == []


def test_forged_next_tokens(qs: Any, ids: Any, store: str, subscribed: str, namespace: str) -> None:
    for name in ("t1", "t2", "t3"):
        register(qs, subscribed, namespace, name)
        qs.create_group(AwsAccountId=subscribed, Namespace=namespace, GroupName=name)
    token = qs.list_users(AwsAccountId=subscribed, Namespace=namespace, MaxResults=1)["NextToken"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    errors = [
        error_of(
            lambda: qs.list_users(
                AwsAccountId=subscribed, Namespace=namespace, NextToken="forged-token"
            )
        ),
        error_of(
            lambda: qs.list_users(AwsAccountId=subscribed, Namespace=namespace, NextToken=tampered)
        ),
        # A ListUsers token is not a ListGroups token.
        error_of(
            lambda: qs.list_groups(AwsAccountId=subscribed, Namespace=namespace, NextToken=token)
        ),
    ]
    store_error = error_of(lambda: ids.list_users(IdentityStoreId=store, NextToken=token))

    assert [e.response["Error"]["Code"] for e in errors] == ["InvalidNextTokenException"] * 3
    assert {status_of(e) for e in errors} == {400}
    assert store_error.response["Error"]["Code"] == "ValidationException"
    # The genuine token still works.
    following = qs.list_users(
        AwsAccountId=subscribed, Namespace=namespace, MaxResults=1, NextToken=token
    )
    assert [u["UserName"] for u in following["UserList"]] == ["t2"]


# -- validation ----------------------------------------------------------------------------


def test_missing_required_members(
    lax_qs: Any, qs: Any, lax_ids: Any, store: str, subscribed: str, namespace: str
) -> None:
    body = register_body("incomplete")
    del body["Email"]

    register_error = error_of(
        lambda: lax_qs.register_user(AwsAccountId=subscribed, Namespace=namespace, **body)
    )
    settings_error = error_of(lambda: lax_qs.update_account_settings(AwsAccountId=subscribed))
    describe_error = error_of(lambda: lax_ids.describe_user(IdentityStoreId=store))
    membership_error = error_of(
        lambda: lax_ids.create_group_membership(IdentityStoreId=store, GroupId="g")
    )

    assert register_error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert status_of(register_error) == 400
    assert (
        "Value null at 'email' failed to satisfy constraint: Member must not be null"
        in (register_error.response["Error"]["Message"])
    )
    assert settings_error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "'defaultNamespace'" in settings_error.response["Error"]["Message"]
    for error, member in ((describe_error, "userId"), (membership_error, "memberId")):
        assert error.response["Error"]["Code"] == "ValidationException"
        assert f"Value null at '{member}'" in error.response["Error"]["Message"]
    assert user_names(qs, subscribed, namespace) == []


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("UserRole", "GOD"),
        ("UserRole", "RESTRICTED_READER"),
        ("IdentityType", "ROBOT"),
        ("Email", "not-an-email"),
        ("Email", "two@@example.com"),
    ],
)
def test_invalid_register_user_values(
    lax_qs: Any, qs: Any, subscribed: str, namespace: str, member: str, value: str
) -> None:
    error = error_of(
        lambda: lax_qs.register_user(
            AwsAccountId=subscribed,
            Namespace=namespace,
            **register_body("invalid", **{member: value}),
        )
    )

    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert status_of(error) == 400
    assert value in error.response["Error"]["Message"]
    assert user_names(qs, subscribed, namespace) == []


def test_invalid_update_user_values_change_nothing(
    lax_qs: Any, qs: Any, subscribed: str, namespace: str
) -> None:
    register(qs, subscribed, namespace, "steady")

    codes = [
        code_of(
            lambda: lax_qs.update_user(
                AwsAccountId=subscribed,
                Namespace=namespace,
                UserName="steady",
                Email="broken",
                Role="ADMIN",
            )
        ),
        code_of(
            lambda: lax_qs.update_user(
                AwsAccountId=subscribed,
                Namespace=namespace,
                UserName="steady",
                Email="steady@corp.example.com",
                Role="GOD",
            )
        ),
    ]

    assert codes == ["InvalidParameterValueException"] * 2
    user = qs.describe_user(AwsAccountId=subscribed, Namespace=namespace, UserName="steady")
    assert (user["User"]["Email"], user["User"]["Role"]) == ("steady@example.com", "READER")


def test_identity_store_emails_are_stored_as_sent(ids: Any, store: str) -> None:
    """IdentityStore's ``Email.Value`` is a plain string, and RFC 7643 only says an e-mail
    SHOULD be an address: what is sent is kept, on create and on update alike."""
    created = ids.create_user(
        IdentityStoreId=store,
        UserName="odd-email",
        DisplayName="Odd",
        Emails=[{"Value": "not-an-email", "Primary": True}],
    )["UserId"]
    updated = ids.create_user(
        IdentityStoreId=store,
        UserName="good-email",
        DisplayName="Good",
        Emails=[{"Value": "good@example.com", "Primary": True}],
    )["UserId"]
    revision = ids.update_user(
        IdentityStoreId=store,
        UserId=updated,
        Operations=[{"AttributePath": "emails", "AttributeValue": [{"Value": "nope"}]}],
    )["Revision"]

    assert ids.describe_user(IdentityStoreId=store, UserId=created)["Emails"] == [
        {"Value": "not-an-email", "Primary": True}
    ]
    after = ids.describe_user(IdentityStoreId=store, UserId=updated)
    assert after["Emails"] == [{"Value": "nope", "Primary": False}]
    assert after["Revision"] == revision == "2"


def test_out_of_range_max_results(lax_qs: Any, subscribed: str) -> None:
    codes = [
        code_of(
            lambda: lax_qs.list_users(AwsAccountId=subscribed, Namespace="default", MaxResults=0)
        ),
        code_of(
            lambda: lax_qs.list_users(AwsAccountId=subscribed, Namespace="default", MaxResults=101)
        ),
    ]

    assert codes == ["InvalidParameterValueException"] * 2


def test_a_malformed_resource_arn(qs: Any, subscribed: str) -> None:
    error = error_of(lambda: qs.list_tags_for_resource(ResourceArn="arn:aws:s3:::bucket"))

    assert error.response["Error"]["Code"] == "InvalidParameterValueException"


def test_an_unimplemented_operation(qs: Any, subscribed: str) -> None:
    error = error_of(lambda: qs.list_topics(AwsAccountId=subscribed))

    assert error.response["Error"]["Code"] == "NotImplementedException"
    assert status_of(error) == 501


# -- limits --------------------------------------------------------------------------------


def tag_twice(qs: Any, subscribed: str, namespace: str) -> tuple[str, Any]:
    """Tag a namespace with 30 tags, then try 30 more (the limit is 50 per resource)."""
    resource = f"arn:aws:quicksight:{REGION}:{subscribed}:namespace/{namespace}"
    qs.tag_resource(ResourceArn=resource, Tags=[{"Key": f"a{i}", "Value": "v"} for i in range(30)])
    error = error_of(
        lambda: qs.tag_resource(
            ResourceArn=resource, Tags=[{"Key": f"b{i}", "Value": "v"} for i in range(30)]
        )
    )
    return resource, error


def test_the_tag_limit_refuses_the_whole_call(qs: Any, subscribed: str, namespace: str) -> None:
    resource, error = tag_twice(qs, subscribed, namespace)

    assert status_of(error) == 409  # LimitExceededException's status in QuickSight's model
    assert "50" in error.response["Error"]["Message"]
    tags = qs.list_tags_for_resource(ResourceArn=resource)["Tags"]
    assert sorted(t["Key"] for t in tags) == sorted(f"a{i}" for i in range(30))


def test_the_tag_limit_is_limit_exceeded(qs: Any, subscribed: str, namespace: str) -> None:
    _, error = tag_twice(qs, subscribed, namespace)

    assert error.response["Error"]["Code"] == "LimitExceededException"
