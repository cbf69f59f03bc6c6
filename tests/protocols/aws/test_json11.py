"""IdentityStore and SSO Admin (json 1.1) through real botocore clients against a real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from tests.protocols.aws.conftest import ACCOUNT, KEY_ID, REGION, STORE_ID, USER_ID, Server

TARGET = "AWSIdentityStore.ListUsers"


def test_identitystore_call_round_trips(server: Server) -> None:
    ids = server.client("identitystore")

    response = ids.describe_user(IdentityStoreId=STORE_ID, UserId=USER_ID)

    ctx, params = server.recorder.last
    assert (ctx.service, ctx.operation) == ("identitystore", "DescribeUser")
    assert (ctx.account_id, ctx.access_key_id, ctx.region) == (ACCOUNT, KEY_ID, REGION)
    assert params == {"IdentityStoreId": STORE_ID, "UserId": USER_ID}
    assert response["ResponseMetadata"]["RequestId"] == ctx.request_id
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == (
        "application/x-amz-json-1.1"
    )
    assert response["Name"] == {"GivenName": "Alice", "FamilyName": "Liddell"}
    assert response["Emails"] == [{"Value": "alice@example.com", "Primary": True}]
    assert response["CreatedAt"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert response["UpdatedAt"] == datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_sso_admin_call_round_trips(server: Server) -> None:
    sso = server.client("sso-admin")

    response = sso.list_instances(MaxResults=10)

    ctx, params = server.recorder.last
    assert (ctx.service, ctx.operation) == ("sso-admin", "ListInstances")
    assert params == {"MaxResults": 10}
    (instance,) = response["Instances"]
    assert instance["OwnerAccountId"] == ACCOUNT
    assert instance["CreatedDate"] == datetime(2026, 1, 1, tzinfo=UTC)


def test_missing_and_invalid_members_are_validation_exceptions(server: Server) -> None:
    ids = server.client("identitystore", validate=False)

    with pytest.raises(ClientError) as missing:
        ids.describe_user(IdentityStoreId=STORE_ID)
    with pytest.raises(ClientError) as invalid:
        ids.describe_user(IdentityStoreId="d-12", UserId=USER_ID)

    assert missing.value.response["Error"]["Code"] == "ValidationException"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert missing.value.response["Error"]["Message"] == (
        "1 validation error detected: Value null at 'userId' failed to satisfy constraint: "
        "Member must not be null"
    )
    assert (
        "Value 'd-12' at 'identityStoreId' failed to satisfy constraint: Member must "
        in (invalid.value.response["Error"]["Message"])
    )


def test_nested_members_are_named_by_their_path(server: Server) -> None:
    body = json.dumps(
        {"IdentityStoreId": STORE_ID, "Filters": [{"AttributePath": "UserName"}]}
    ).encode()

    response = server.signed(
        "POST",
        "/",
        service="identitystore",
        body=body,
        headers={"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.1"},
    )

    assert response.status_code == 400
    assert response.json()["__type"] == "ValidationException"
    assert "Value null at 'filters.1.member.attributeValue'" in response.json()["Message"]


def test_domain_conflict_is_a_conflict_exception_with_reason(server: Server) -> None:
    ids = server.client("identitystore")

    with pytest.raises(ClientError) as caught:
        ids.create_user(IdentityStoreId=STORE_ID, UserName="alice", DisplayName="Alice")

    assert caught.value.response["Error"]["Code"] == "ConflictException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert dict(caught.value.response)["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"


def test_an_aws_error_raised_by_a_handler_reaches_the_client(server: Server) -> None:
    ids = server.client("identitystore")

    with pytest.raises(ClientError) as caught:
        ids.describe_user(IdentityStoreId=STORE_ID, UserId=USER_ID[:-4] + "0000")

    assert caught.value.response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": "custom denial",
    }


def test_forged_next_token_is_a_validation_exception(server: Server) -> None:
    ids = server.client("identitystore")
    token = ids.list_users(IdentityStoreId=STORE_ID)["NextToken"]

    ids.list_users(IdentityStoreId=STORE_ID, NextToken=token)
    with pytest.raises(ClientError) as caught:
        middle = len(token) // 2
        flipped = "A" if token[middle] != "A" else "B"
        ids.list_users(
            IdentityStoreId=STORE_ID, NextToken=token[:middle] + flipped + token[middle + 1 :]
        )

    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_unimplemented_json_operation_says_so(server: Server) -> None:
    sso = server.client("sso-admin")

    with pytest.raises(ClientError) as caught:
        sso.list_permission_sets(InstanceArn="arn:aws:sso:::instance/ssoins-1234567890abcdef")

    assert caught.value.response["Error"]["Code"] == "NotImplementedException"
    assert caught.value.response["Error"]["Message"] == (
        "sightgate does not implement SSO Admin:ListPermissionSets yet"
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"{not json", "SerializationException"), (b"[1, 2]", "SerializationException")],
)
def test_malformed_body_is_a_serialization_exception(
    server: Server, body: bytes, code: str
) -> None:
    response = server.signed(
        "POST", "/", service="identitystore", body=body, headers={"X-Amz-Target": TARGET}
    )

    assert response.status_code == 400
    assert response.json()["__type"] == code


def test_an_unknown_target_is_an_unknown_operation(server: Server) -> None:
    response = server.signed(
        "POST",
        "/",
        service="identitystore",
        body=b"{}",
        headers={"X-Amz-Target": "AWSIdentityStore.MakeCoffee"},
    )

    assert response.status_code == 404
    assert response.json()["__type"] == "UnknownOperationException"


def test_a_huge_json_body_is_refused(server: Server) -> None:
    body = json.dumps({"IdentityStoreId": STORE_ID, "pad": "x" * 300_000}).encode()

    response = server.signed(
        "POST", "/", service="identitystore", body=body, headers={"X-Amz-Target": TARGET}
    )

    assert response.status_code == 413
    assert response.json()["__type"] == "RequestEntityTooLargeException"
