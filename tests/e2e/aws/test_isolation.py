"""Tenants cannot see or touch each other: namespaces of one account, and accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    error_of,
    register,
    status_of,
    subscribe,
    unique,
    user_names,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tenant_a(qs: Any, subscribed: str) -> str:
    """Namespace A: user ``alice`` in group ``analysts``, tagged."""
    name = unique("tenant-a")
    create_namespace(qs, subscribed, name)
    register(qs, subscribed, name, "alice", role="AUTHOR")
    qs.create_group(AwsAccountId=subscribed, Namespace=name, GroupName="analysts")
    qs.create_group_membership(
        AwsAccountId=subscribed, Namespace=name, GroupName="analysts", MemberName="alice"
    )
    qs.tag_resource(
        ResourceArn=f"arn:aws:quicksight:{REGION}:{subscribed}:user/{name}/alice",
        Tags=[{"Key": "tenant", "Value": "a"}],
    )
    return name


@pytest.fixture(scope="module")
def tenant_b(qs: Any, subscribed: str) -> str:
    """Namespace B: group ``auditors``, no users."""
    name = unique("tenant-b")
    create_namespace(qs, subscribed, name)
    qs.create_group(AwsAccountId=subscribed, Namespace=name, GroupName="auditors")
    return name


@pytest.fixture(scope="module")
def other_qs(aws_server: AwsServer, other_key: Key) -> Any:
    """A QuickSight client of ``OTHER_ACCOUNT`` (subscribed)."""
    client = aws_server.client("quicksight", other_key)
    subscribe(client, OTHER_ACCOUNT, "globex")
    return client


def assert_tenant_a_intact(qs: Any, tenant_a: str) -> None:
    """Namespace A is exactly as the fixture made it."""
    user = qs.describe_user(AwsAccountId=ACCOUNT, Namespace=tenant_a, UserName="alice")["User"]
    assert (user["Email"], user["Role"]) == ("alice@example.com", "AUTHOR")
    members = qs.list_group_memberships(
        AwsAccountId=ACCOUNT, Namespace=tenant_a, GroupName="analysts"
    )["GroupMemberList"]
    assert [m["MemberName"] for m in members] == ["alice"]
    tags = qs.list_tags_for_resource(
        ResourceArn=f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/{tenant_a}/alice"
    )["Tags"]
    assert tags == [{"Key": "tenant", "Value": "a"}]


# -- namespaces ----------------------------------------------------------------------------


def test_a_namespace_cannot_reach_another_namespaces_user(
    qs: Any, tenant_a: str, tenant_b: str
) -> None:
    principal = qs.describe_user(AwsAccountId=ACCOUNT, Namespace=tenant_a, UserName="alice")[
        "User"
    ]["PrincipalId"]
    calls: dict[str, Callable[[], object]] = {
        "DescribeUser": lambda: qs.describe_user(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, UserName="alice"
        ),
        "UpdateUser": lambda: qs.update_user(
            AwsAccountId=ACCOUNT,
            Namespace=tenant_b,
            UserName="alice",
            Email="hijacked@example.com",
            Role="ADMIN",
        ),
        "DeleteUser": lambda: qs.delete_user(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, UserName="alice"
        ),
        "DeleteUserByPrincipalId": lambda: qs.delete_user_by_principal_id(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, PrincipalId=principal
        ),
        "ListUserGroups": lambda: qs.list_user_groups(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, UserName="alice"
        ),
        "CreateGroupMembership": lambda: qs.create_group_membership(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, GroupName="auditors", MemberName="alice"
        ),
    }

    codes = {name: code_of(call) for name, call in calls.items()}

    assert codes == dict.fromkeys(calls, "ResourceNotFoundException")
    assert "alice" not in user_names(qs, ACCOUNT, tenant_b)
    assert (
        qs.list_group_memberships(AwsAccountId=ACCOUNT, Namespace=tenant_b, GroupName="auditors")[
            "GroupMemberList"
        ]
        == []
    )
    assert_tenant_a_intact(qs, tenant_a)


def test_a_namespace_cannot_reach_another_namespaces_group(
    qs: Any, tenant_a: str, tenant_b: str
) -> None:
    calls: dict[str, Callable[[], object]] = {
        "DescribeGroup": lambda: qs.describe_group(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, GroupName="analysts"
        ),
        "UpdateGroup": lambda: qs.update_group(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, GroupName="analysts", Description="x"
        ),
        "DeleteGroup": lambda: qs.delete_group(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, GroupName="analysts"
        ),
        "ListGroupMemberships": lambda: qs.list_group_memberships(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, GroupName="analysts"
        ),
        "DescribeGroupMembership": lambda: qs.describe_group_membership(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, GroupName="analysts", MemberName="alice"
        ),
        "DeleteGroupMembership": lambda: qs.delete_group_membership(
            AwsAccountId=ACCOUNT, Namespace=tenant_b, GroupName="analysts", MemberName="alice"
        ),
    }

    codes = {name: code_of(call) for name, call in calls.items()}

    assert codes == dict.fromkeys(calls, "ResourceNotFoundException")
    groups_b = qs.list_groups(AwsAccountId=ACCOUNT, Namespace=tenant_b)["GroupList"]
    assert [g["GroupName"] for g in groups_b] == ["auditors"]
    searched = qs.search_groups(
        AwsAccountId=ACCOUNT,
        Namespace=tenant_b,
        Filters=[{"Operator": "StartsWith", "Name": "GROUP_NAME", "Value": "ana"}],
    )
    assert searched["GroupList"] == []
    assert_tenant_a_intact(qs, tenant_a)


def test_the_same_name_in_two_namespaces_is_two_users(
    qs: Any, tenant_a: str, tenant_b: str
) -> None:
    namespace = unique("tenant-c")
    create_namespace(qs, ACCOUNT, namespace)

    twin = register(qs, ACCOUNT, namespace, "alice", role="READER")
    qs.update_user(
        AwsAccountId=ACCOUNT,
        Namespace=namespace,
        UserName="alice",
        Email="other-alice@example.com",
        Role="ADMIN",
    )
    qs.delete_user(AwsAccountId=ACCOUNT, Namespace=namespace, UserName="alice")

    assert twin["Arn"].endswith(f":user/{namespace}/alice")
    assert_tenant_a_intact(qs, tenant_a)


def test_a_next_token_of_another_account_is_refused(qs: Any, other_qs: Any, namespace: str) -> None:
    for name in ("p1", "p2"):
        register(qs, ACCOUNT, namespace, name)
    token = qs.list_users(AwsAccountId=ACCOUNT, Namespace=namespace, MaxResults=1)["NextToken"]

    error = error_of(
        lambda: other_qs.list_users(
            AwsAccountId=OTHER_ACCOUNT, Namespace="default", MaxResults=1, NextToken=token
        )
    )

    assert error.response["Error"]["Code"] == "InvalidNextTokenException"


# -- accounts ------------------------------------------------------------------------------


def test_another_accounts_key_is_denied_on_this_accounts_paths(
    qs: Any, other_qs: Any, tenant_a: str
) -> None:
    calls: dict[str, Callable[[], object]] = {
        "ListUsers": lambda: other_qs.list_users(AwsAccountId=ACCOUNT, Namespace=tenant_a),
        "DescribeUser": lambda: other_qs.describe_user(
            AwsAccountId=ACCOUNT, Namespace=tenant_a, UserName="alice"
        ),
        "RegisterUser": lambda: register(other_qs, ACCOUNT, tenant_a, "intruder"),
        "UpdateUser": lambda: other_qs.update_user(
            AwsAccountId=ACCOUNT,
            Namespace=tenant_a,
            UserName="alice",
            Email="x@example.com",
            Role="ADMIN",
        ),
        "DeleteUser": lambda: other_qs.delete_user(
            AwsAccountId=ACCOUNT, Namespace=tenant_a, UserName="alice"
        ),
        "DeleteGroupMembership": lambda: other_qs.delete_group_membership(
            AwsAccountId=ACCOUNT, Namespace=tenant_a, GroupName="analysts", MemberName="alice"
        ),
        "ListNamespaces": lambda: other_qs.list_namespaces(AwsAccountId=ACCOUNT),
        "DeleteNamespace": lambda: other_qs.delete_namespace(
            AwsAccountId=ACCOUNT, Namespace=tenant_a
        ),
        "DescribeAccountSettings": lambda: other_qs.describe_account_settings(AwsAccountId=ACCOUNT),
        "UpdateAccountSettings": lambda: other_qs.update_account_settings(
            AwsAccountId=ACCOUNT, DefaultNamespace="default", TerminationProtectionEnabled=False
        ),
        "DeleteAccountSubscription": lambda: other_qs.delete_account_subscription(
            AwsAccountId=ACCOUNT
        ),
    }

    errors = {name: error_of(call) for name, call in calls.items()}

    assert {n: e.response["Error"]["Code"] for n, e in errors.items()} == dict.fromkeys(
        calls, "AccessDeniedException"
    )
    assert {status_of(e) for e in errors.values()} == {401}
    assert user_names(qs, ACCOUNT, tenant_a) == ["alice"]
    settings = qs.describe_account_settings(AwsAccountId=ACCOUNT)["AccountSettings"]
    assert settings["TerminationProtectionEnabled"] is True
    assert_tenant_a_intact(qs, tenant_a)


def test_a_denial_is_access_denied_in_quicksights_shape(
    aws_server: AwsServer, other_key: Key, qs: Any, tenant_a: str
) -> None:
    url = f"{aws_server.url}/accounts/{ACCOUNT}/namespaces/{tenant_a}/users/alice"
    request = AWSRequest(method="GET", url=url)
    credentials = Credentials(other_key.access_key_id, other_key.secret_access_key)
    SigV4Auth(credentials, "quicksight", REGION).add_auth(request)

    response = httpx.get(url, headers=dict(request.headers.items()), timeout=30)

    assert response.status_code == 401  # QuickSight models AccessDeniedException as 401
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert response.json() == {
        "Message": (
            f"access denied: an access key of account {OTHER_ACCOUNT} cannot act on "
            f"account {ACCOUNT}"
        ),
        "RequestId": response.headers["x-amzn-RequestId"],
    }


def test_another_accounts_key_cannot_subscribe_this_account(
    aws_server: AwsServer, other_key: Key
) -> None:
    account = "999900001111"
    foreign = aws_server.client("quicksight", other_key)

    error = error_of(lambda: subscribe(foreign, account, "hijack"))

    assert error.response["Error"]["Code"] == "AccessDeniedException"
    assert status_of(error) == 401
    own = aws_server.client("quicksight", aws_server.new_key(account))
    assert code_of(lambda: own.describe_account_subscription(AwsAccountId=account)) == (
        "ResourceNotFoundException"
    )


def test_another_account_sees_nothing_of_this_one_in_its_own_namespaces(
    qs: Any, other_qs: Any, tenant_a: str
) -> None:
    own_namespaces = [
        n["Name"] for n in other_qs.list_namespaces(AwsAccountId=OTHER_ACCOUNT)["Namespaces"]
    ]
    assert own_namespaces == ["default"]
    assert user_names(other_qs, OTHER_ACCOUNT, "default") == []
    assert (
        code_of(lambda: other_qs.list_users(AwsAccountId=OTHER_ACCOUNT, Namespace=tenant_a))
        == "ResourceNotFoundException"
    )
    assert (
        code_of(
            lambda: other_qs.describe_user(
                AwsAccountId=OTHER_ACCOUNT, Namespace="default", UserName="alice"
            )
        )
        == "ResourceNotFoundException"
    )
    other_qs.create_group(AwsAccountId=OTHER_ACCOUNT, Namespace="default", GroupName="analysts")
    assert (
        code_of(
            lambda: other_qs.create_group_membership(
                AwsAccountId=OTHER_ACCOUNT,
                Namespace="default",
                GroupName="analysts",
                MemberName="alice",
            )
        )
        == "ResourceNotFoundException"
    )
    # The same names in the other account are its own, independent resources.
    register(other_qs, OTHER_ACCOUNT, "default", "alice")
    assert_tenant_a_intact(qs, tenant_a)


def test_tags_of_another_accounts_resources_are_not_found(
    qs: Any, other_qs: Any, tenant_a: str
) -> None:
    resource = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/{tenant_a}/alice"

    codes = [
        code_of(lambda: other_qs.list_tags_for_resource(ResourceArn=resource)),
        code_of(
            lambda: other_qs.tag_resource(
                ResourceArn=resource, Tags=[{"Key": "tenant", "Value": "hijacked"}]
            )
        ),
        code_of(lambda: other_qs.untag_resource(ResourceArn=resource, TagKeys=["tenant"])),
    ]

    assert codes == ["ResourceNotFoundException"] * 3
    assert_tenant_a_intact(qs, tenant_a)


# -- identity stores -----------------------------------------------------------------------


def test_another_account_cannot_see_this_accounts_identity_store(
    aws_server: AwsServer, key: Key, other_key: Key
) -> None:
    sso = aws_server.client("sso-admin", key)
    ids = aws_server.client("identitystore", key)
    instance = sso.create_instance(Name="account-one")["InstanceArn"]
    store = sso.describe_instance(InstanceArn=instance)["IdentityStoreId"]
    user_id = ids.create_user(IdentityStoreId=store, UserName="secret-user", DisplayName="S")[
        "UserId"
    ]
    group_id = ids.create_group(IdentityStoreId=store, DisplayName="Secret Group")["GroupId"]
    membership = ids.create_group_membership(
        IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id}
    )["MembershipId"]
    other_ids = aws_server.client("identitystore", other_key)
    other_sso = aws_server.client("sso-admin", other_key)
    calls: dict[str, Callable[[], object]] = {
        "DescribeIdentityStore": lambda: other_ids.describe_identity_store(IdentityStoreId=store),
        "ListUsers": lambda: other_ids.list_users(IdentityStoreId=store),
        "DescribeUser": lambda: other_ids.describe_user(IdentityStoreId=store, UserId=user_id),
        "CreateUser": lambda: other_ids.create_user(
            IdentityStoreId=store, UserName="planted", DisplayName="P"
        ),
        "UpdateUser": lambda: other_ids.update_user(
            IdentityStoreId=store,
            UserId=user_id,
            Operations=[{"AttributePath": "displayName", "AttributeValue": "Hijacked"}],
        ),
        "DeleteUser": lambda: other_ids.delete_user(IdentityStoreId=store, UserId=user_id),
        "GetUserId": lambda: other_ids.get_user_id(
            IdentityStoreId=store,
            AlternateIdentifier={
                "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "secret-user"}
            },
        ),
        "ListGroups": lambda: other_ids.list_groups(IdentityStoreId=store),
        "DeleteGroup": lambda: other_ids.delete_group(IdentityStoreId=store, GroupId=group_id),
        "DescribeGroupMembership": lambda: other_ids.describe_group_membership(
            IdentityStoreId=store, MembershipId=membership
        ),
        "DeleteGroupMembership": lambda: other_ids.delete_group_membership(
            IdentityStoreId=store, MembershipId=membership
        ),
        "IsMemberInGroups": lambda: other_ids.is_member_in_groups(
            IdentityStoreId=store, MemberId={"UserId": user_id}, GroupIds=[group_id]
        ),
        "DescribeInstance": lambda: other_sso.describe_instance(InstanceArn=instance),
        "UpdateInstance": lambda: other_sso.update_instance(InstanceArn=instance, Name="mine"),
        "DeleteInstance": lambda: other_sso.delete_instance(InstanceArn=instance),
    }

    codes = {name: code_of(call) for name, call in calls.items()}

    assert codes == dict.fromkeys(calls, "ResourceNotFoundException")
    assert other_ids.list_identity_stores()["IdentityStores"] == []
    assert other_sso.list_instances()["Instances"] == []
    # Nothing changed for the owner.
    assert sso.describe_instance(InstanceArn=instance)["Name"] == "account-one"
    assert ids.describe_user(IdentityStoreId=store, UserId=user_id)["DisplayName"] == "S"
    assert [u["UserName"] for u in ids.list_users(IdentityStoreId=store)["Users"]] == [
        "secret-user"
    ]
    assert ids.describe_group_membership(IdentityStoreId=store, MembershipId=membership)[
        "GroupId"
    ] == (group_id)
