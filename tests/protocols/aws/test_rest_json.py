"""QuickSight (rest-json) through real botocore clients against a real server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.protocols.aws.conftest import ACCOUNT, KEY_ID, OTHER_ACCOUNT, REGION, Server


def error_of(call: Any, *args: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return caught.value


def body_of(error: ClientError) -> dict[str, Any]:
    """The parsed error response, including the modeled error shape's extra members."""
    return dict(error.response)


def test_a_signed_call_round_trips_uri_labels_and_output(server: Server) -> None:
    qs = server.client("quicksight")
    name = "alice smith@example.com/ops+1"

    response = qs.describe_user(AwsAccountId=ACCOUNT, Namespace="default", UserName=name)

    ctx, params = server.recorder.last
    assert params == {"AwsAccountId": ACCOUNT, "Namespace": "default", "UserName": name}
    assert (ctx.service, ctx.operation) == ("quicksight", "DescribeUser")
    assert (ctx.account_id, ctx.access_key_id, ctx.region) == (ACCOUNT, KEY_ID, REGION)
    assert not ctx.dev_mode
    assert response["Status"] == 200
    assert response["RequestId"] == ctx.request_id
    assert response["ResponseMetadata"]["RequestId"] == ctx.request_id
    assert response["User"]["UserName"] == name
    assert response["User"]["Active"] is True
    assert response["User"]["Arn"].endswith(f":{ACCOUNT}:user/default/{name}")


def test_status_member_is_the_http_status_and_body_members_are_parsed(server: Server) -> None:
    qs = server.client("quicksight")

    response = qs.register_user(
        AwsAccountId=ACCOUNT,
        Namespace="default",
        IdentityType="QUICKSIGHT",
        Email="bob@example.com",
        UserRole="AUTHOR",
        UserName="bob",
        Tags=[{"Key": "team", "Value": "bi"}],
    )

    _, params = server.recorder.last
    assert params["Tags"] == [{"Key": "team", "Value": "bi"}]
    assert params["IdentityType"] == "QUICKSIGHT" and params["UserRole"] == "AUTHOR"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert response["Status"] == 201
    assert response["User"] == {"UserName": "bob", "Role": "AUTHOR"}


def test_query_string_members_are_typed_and_lists_repeat(server: Server) -> None:
    qs = server.client("quicksight")

    qs.get_dashboard_embed_url(
        AwsAccountId=ACCOUNT,
        DashboardId="dash-1",
        IdentityType="QUICKSIGHT",
        SessionLifetimeInMinutes=60,
        UndoRedoDisabled=True,
        ResetDisabled=False,
        AdditionalDashboardIds=["dash-2", "dash 3"],
    )

    _, params = server.recorder.last
    assert params["SessionLifetimeInMinutes"] == 60
    assert params["UndoRedoDisabled"] is True and params["ResetDisabled"] is False
    assert params["AdditionalDashboardIds"] == ["dash-2", "dash 3"]


def test_an_arn_label_keeps_its_slashes_and_colons(server: Server) -> None:
    qs = server.client("quicksight")
    arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dashboard/dash-1"

    qs.untag_resource(ResourceArn=arn, TagKeys=["a", "b"])

    ctx, params = server.recorder.last
    assert ctx.operation == "UntagResource"
    assert params == {"ResourceArn": arn, "TagKeys": ["a", "b"]}


def test_next_tokens_page_through_and_forged_ones_are_rejected(server: Server) -> None:
    qs = server.client("quicksight")

    pages = list(
        qs.get_paginator("list_users").paginate(
            AwsAccountId=ACCOUNT, Namespace="default", PaginationConfig={"PageSize": 2}
        )
    )

    names = [u["UserName"] for page in pages for u in page["UserList"]]
    assert names == [f"user{i}" for i in range(5)]
    assert len(pages) == 3
    token = pages[0]["NextToken"]
    payload, _, signature = token.rpartition(".")
    for forged in ("garbage", f"{payload}.{signature[::-1]}"):
        error = error_of(qs.list_users, AwsAccountId=ACCOUNT, Namespace="default", NextToken=forged)
        assert error.response["Error"]["Code"] == "InvalidNextTokenException"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_token_of_another_operation_is_not_accepted(server: Server) -> None:
    ids = server.client("identitystore")
    qs = server.client("quicksight")
    token = ids.list_users(IdentityStoreId="d-1234567890")["NextToken"]

    error = error_of(qs.list_users, AwsAccountId=ACCOUNT, Namespace="default", NextToken=token)

    assert error.response["Error"]["Code"] == "InvalidNextTokenException"


def test_constraint_violations_are_invalid_parameter_value(server: Server) -> None:
    loose = server.client("quicksight", validate=False)

    missing = error_of(
        loose.register_user,
        AwsAccountId=ACCOUNT,
        Namespace="default",
        IdentityType="QUICKSIGHT",
        UserRole="READER",
    )
    assert missing.response["Error"]["Code"] == "InvalidParameterValueException"
    assert missing.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert missing.response["Error"]["Message"] == (
        "1 validation error detected: Value null at 'email' failed to satisfy constraint: "
        "Member must not be null"
    )

    several = error_of(
        loose.list_users, AwsAccountId=ACCOUNT, Namespace="bad namespace!", MaxResults=0
    )
    message = several.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "Value '0' at 'maxResults' failed to satisfy constraint: " in message
    assert "Member must have value greater than or equal to 1" in message
    assert "at 'namespace' failed to satisfy constraint: Member must satisfy regular" in message

    enum = error_of(
        loose.register_user,
        AwsAccountId=ACCOUNT,
        Namespace="default",
        IdentityType="QUICKSIGHT",
        Email="e@example.com",
        UserRole="EMPEROR",
    )
    assert (
        "Member must satisfy enum value set: [ADMIN, AUTHOR, READER"
        in (enum.response["Error"]["Message"])
    )


def test_wrong_account_in_the_path_is_access_denied(server: Server) -> None:
    qs = server.client("quicksight")

    error = error_of(
        qs.describe_user, AwsAccountId=OTHER_ACCOUNT, Namespace="default", UserName="a"
    )

    assert error.response["Error"]["Code"] == "AccessDeniedException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 401  # QuickSight's model
    assert OTHER_ACCOUNT in error.response["Error"]["Message"]


def test_domain_errors_become_quicksight_errors(server: Server) -> None:
    qs = server.client("quicksight")

    missing = error_of(
        qs.describe_user, AwsAccountId=ACCOUNT, Namespace="default", UserName="missing"
    )
    taken = error_of(
        qs.register_user,
        AwsAccountId=ACCOUNT,
        Namespace="default",
        IdentityType="QUICKSIGHT",
        Email="t@example.com",
        UserRole="READER",
        UserName="taken",
    )

    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert body_of(missing)["ResourceType"] == "USER"
    assert body_of(missing)["RequestId"] == missing.response["ResponseMetadata"]["RequestId"]
    assert taken.response["Error"]["Code"] == "ResourceExistsException"
    assert taken.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert body_of(taken)["ResourceType"] == "USER"


def test_a_handler_bug_is_an_internal_failure_without_details(server: Server) -> None:
    qs = server.client("quicksight")

    error = error_of(qs.create_group, AwsAccountId=ACCOUNT, Namespace="default", GroupName="g")

    assert error.response["Error"]["Code"] == "InternalFailureException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "a bug" not in error.response["Error"]["Message"]


def test_an_output_the_shape_cannot_hold_is_an_internal_failure(server: Server) -> None:
    qs = server.client("quicksight")

    error = error_of(qs.delete_user, AwsAccountId=ACCOUNT, Namespace="default", UserName="u")

    assert error.response["Error"]["Code"] == "InternalFailureException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_an_operation_without_handler_says_so(server: Server) -> None:
    qs = server.client("quicksight")

    error = error_of(qs.list_groups, AwsAccountId=ACCOUNT, Namespace="default")

    assert error.response["Error"]["Code"] == "NotImplementedException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error.response["Error"]["Message"] == (
        "sightgate does not implement QuickSight:ListGroups yet"
    )


def test_an_unknown_path_is_an_aws_shaped_404_and_healthz_is_not_shadowed(server: Server) -> None:
    unknown = httpx.get(f"{server.url}/no/such/api")
    health = httpx.get(f"{server.url}/healthz")

    assert unknown.status_code == 404
    assert unknown.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert unknown.json()["__type"] == "UnknownOperationException"
    assert unknown.json()["RequestId"] == unknown.headers["x-amzn-RequestId"]
    assert health.json() == {"status": "ok"}


def test_malformed_json_is_a_serialization_exception(server: Server) -> None:
    path = f"/accounts/{ACCOUNT}/namespaces/default/users"

    response = server.signed("POST", path, service="quicksight", body=b'{"Email": ')

    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "SerializationException"


def test_wrong_json_types_are_validation_errors(server: Server) -> None:
    body = json.dumps(
        {"IdentityType": "QUICKSIGHT", "Email": 5, "UserRole": "READER", "Tags": {"k": "v"}}
    ).encode()

    response = server.signed(
        "POST", f"/accounts/{ACCOUNT}/namespaces/default/users", service="quicksight", body=body
    )

    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "InvalidParameterValueException"
    message = response.json()["Message"]
    assert "Value '5' at 'email' failed to satisfy constraint: Member must be a string" in message
    assert "at 'tags' failed to satisfy constraint: Member must be a list" in message


def test_a_huge_body_is_refused_with_413(server: Server) -> None:
    body = json.dumps({"Email": "x" * 300_000}).encode()

    response = server.signed(
        "POST", f"/accounts/{ACCOUNT}/namespaces/default/users", service="quicksight", body=body
    )

    assert response.status_code == 413
    assert response.headers["x-amzn-ErrorType"] == "RequestEntityTooLargeException"
