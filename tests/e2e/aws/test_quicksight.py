"""Every implemented QuickSight operation through boto3 against the real server process."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.aws.conftest import (
    ACCOUNT,
    REGION,
    AwsServer,
    code_of,
    collect_pages,
    create_namespace,
    error_of,
    register,
    request_id_of,
    status_of,
    subscribe,
    unique,
    user_names,
)

pytestmark = pytest.mark.e2e

PRINCIPAL = re.compile(r"^user/d-[0-9a-f]{10}/[0-9a-f-]{36}$")
GROUP_PRINCIPAL = re.compile(r"^group/d-[0-9a-f]{10}/[0-9a-f-]{36}$")


def arn(kind: str, *parts: str, account: str = ACCOUNT) -> str:
    """A QuickSight ARN in AWS's format."""
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{'/'.join(parts)}"


# -- account subscription ------------------------------------------------------------------


def test_account_subscription_lifecycle(aws_server: AwsServer) -> None:
    account = "777788889999"
    qs = aws_server.client("quicksight", aws_server.new_key(account))

    assert code_of(lambda: qs.describe_account_subscription(AwsAccountId=account)) == (
        "ResourceNotFoundException"
    )
    created = qs.create_account_subscription(
        AwsAccountId=account,
        AccountName="lifecycle-co",
        NotificationEmail="admin@lifecycle.example.com",
        AuthenticationMethod="IAM_AND_QUICKSIGHT",
        Edition="ENTERPRISE",
    )
    assert created["Status"] == 200
    assert created["SignupResponse"]["accountName"] == "lifecycle-co"
    request_id_of(created)

    info = qs.describe_account_subscription(AwsAccountId=account)
    assert info["Status"] == 200
    request_id_of(info)
    assert info["AccountInfo"] == {
        "AccountName": "lifecycle-co",
        "Edition": "ENTERPRISE",
        "NotificationEmail": "admin@lifecycle.example.com",
        "AuthenticationType": "IAM_AND_QUICKSIGHT",
        "AccountSubscriptionStatus": "ACCOUNT_CREATED",
    }
    settings = qs.describe_account_settings(AwsAccountId=account)
    assert settings["Status"] == 200
    assert settings["AccountSettings"] == {
        "AccountName": "lifecycle-co",
        "Edition": "ENTERPRISE",
        "DefaultNamespace": "default",
        "NotificationEmail": "admin@lifecycle.example.com",
        "PublicSharingEnabled": False,
        "TerminationProtectionEnabled": True,
    }
    duplicate = error_of(
        lambda: subscribe(qs, account, "another-name"),
    )
    assert duplicate.response["Error"]["Code"] == "ResourceExistsException"
    assert status_of(duplicate) == 409

    # Termination protection refuses the delete, and nothing is deleted.
    register(qs, account, "default", "keeper")
    refused = error_of(lambda: qs.delete_account_subscription(AwsAccountId=account))
    assert status_of(refused) == 400
    assert "termination protection" in refused.response["Error"]["Message"]
    assert user_names(qs, account, "default") == ["keeper"]

    updated = qs.update_account_settings(
        AwsAccountId=account,
        DefaultNamespace="default",
        NotificationEmail="new-admin@lifecycle.example.com",
        TerminationProtectionEnabled=False,
    )
    assert updated["Status"] == 200
    request_id_of(updated)
    settings = qs.describe_account_settings(AwsAccountId=account)["AccountSettings"]
    assert settings["TerminationProtectionEnabled"] is False
    assert settings["NotificationEmail"] == "new-admin@lifecycle.example.com"

    deleted = qs.delete_account_subscription(AwsAccountId=account)
    assert deleted["Status"] == 200
    request_id_of(deleted)
    for call in (
        lambda: qs.describe_account_subscription(AwsAccountId=account),
        lambda: qs.describe_account_settings(AwsAccountId=account),
        lambda: qs.list_namespaces(AwsAccountId=account),
        lambda: qs.list_users(AwsAccountId=account, Namespace="default"),
    ):
        assert code_of(call) == "ResourceNotFoundException"

    # The access key outlives the subscription: the account can subscribe again.
    subscribe(qs, account, "lifecycle-co")
    assert user_names(qs, account, "default") == []


def test_termination_protection_refusal_is_precondition_not_met(qs: Any, subscribed: str) -> None:
    error = error_of(lambda: qs.delete_account_subscription(AwsAccountId=subscribed))

    assert qs.describe_account_subscription(AwsAccountId=subscribed)["Status"] == 200
    assert error.response["Error"]["Code"] == "PreconditionNotMetException"


def test_update_account_settings_needs_an_existing_default_namespace(
    qs: Any, subscribed: str
) -> None:
    assert (
        code_of(
            lambda: qs.update_account_settings(AwsAccountId=subscribed, DefaultNamespace="ghost")
        )
        == "ResourceNotFoundException"
    )
    settings = qs.describe_account_settings(AwsAccountId=subscribed)["AccountSettings"]
    assert settings["DefaultNamespace"] == "default"
    assert settings["TerminationProtectionEnabled"] is True


# -- namespaces ----------------------------------------------------------------------------


def test_namespace_create_describe_list_delete(qs: Any, subscribed: str) -> None:
    name = unique("tenant")
    created = qs.create_namespace(
        AwsAccountId=subscribed,
        Namespace=name,
        IdentityStore="QUICKSIGHT",
        Tags=[{"Key": "tenant", "Value": "blue"}],
    )
    assert created["Status"] == 201
    request_id_of(created)
    assert created["Arn"] == arn("namespace", name)
    assert created["Name"] == name
    assert created["CapacityRegion"] == REGION
    assert created["CreationStatus"] == "CREATED"
    assert created["IdentityStore"] == "QUICKSIGHT"

    described = qs.describe_namespace(AwsAccountId=subscribed, Namespace=name)
    assert described["Status"] == 200
    assert described["Namespace"] == {
        "Name": name,
        "Arn": arn("namespace", name),
        "CapacityRegion": REGION,
        "CreationStatus": "CREATED",
        "IdentityStore": "QUICKSIGHT",
    }
    tags = qs.list_tags_for_resource(ResourceArn=arn("namespace", name))
    assert tags["Tags"] == [{"Key": "tenant", "Value": "blue"}]

    deleted = qs.delete_namespace(AwsAccountId=subscribed, Namespace=name)
    assert deleted["Status"] == 200
    request_id_of(deleted)
    missing = error_of(lambda: qs.describe_namespace(AwsAccountId=subscribed, Namespace=name))
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"
    assert status_of(missing) == 404


def test_list_namespaces_pages(qs: Any, subscribed: str) -> None:
    mine = sorted(unique(f"page{i}") for i in range(5))
    for name in mine:
        create_namespace(qs, subscribed, name)

    pages = collect_pages(qs.list_namespaces, "Namespaces", 2, AwsAccountId=subscribed)

    names = [n["Name"] for page in pages for n in page]
    assert len(pages) >= 3
    assert len(names) == len(set(names))
    assert "default" in names
    assert set(mine) <= set(names)
    assert names == sorted(names, key=str.casefold)
    assert all(n["Arn"] == arn("namespace", n["Name"]) for page in pages for n in page)


def test_default_namespace_cannot_be_deleted(qs: Any, subscribed: str) -> None:
    error = error_of(lambda: qs.delete_namespace(AwsAccountId=subscribed, Namespace="default"))

    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert qs.describe_namespace(AwsAccountId=subscribed, Namespace="default")["Status"] == 200


def test_deleting_a_namespace_deletes_its_users_and_groups(qs: Any, subscribed: str) -> None:
    name = unique("doomed")
    create_namespace(qs, subscribed, name)
    register(qs, subscribed, name, "temp")
    qs.create_group(AwsAccountId=subscribed, Namespace=name, GroupName="g")

    qs.delete_namespace(AwsAccountId=subscribed, Namespace=name)
    create_namespace(qs, subscribed, name)

    assert user_names(qs, subscribed, name) == []
    assert qs.list_groups(AwsAccountId=subscribed, Namespace=name)["GroupList"] == []


# -- users ---------------------------------------------------------------------------------


def test_register_describe_update_delete_user(qs: Any, subscribed: str, namespace: str) -> None:
    registered = qs.register_user(
        AwsAccountId=subscribed,
        Namespace=namespace,
        IdentityType="QUICKSIGHT",
        UserName="alice",
        Email="alice@example.com",
        UserRole="READER",
    )
    assert registered["Status"] == 201
    request_id_of(registered)
    user = registered["User"]
    assert user["Arn"] == arn("user", namespace, "alice")
    assert user["UserName"] == "alice"
    assert user["Email"] == "alice@example.com"
    assert user["Role"] == "READER"
    assert user["IdentityType"] == "QUICKSIGHT"
    assert user["Active"] is True
    assert PRINCIPAL.match(user["PrincipalId"]), user["PrincipalId"]

    described = qs.describe_user(AwsAccountId=subscribed, Namespace=namespace, UserName="alice")
    assert described["Status"] == 200
    request_id_of(described)
    assert described["User"] == user

    updated = qs.update_user(
        AwsAccountId=subscribed,
        Namespace=namespace,
        UserName="alice",
        Email="alice@corp.example.com",
        Role="AUTHOR",
    )
    assert updated["Status"] == 200
    assert updated["User"] == {**user, "Email": "alice@corp.example.com", "Role": "AUTHOR"}
    described = qs.describe_user(AwsAccountId=subscribed, Namespace=namespace, UserName="ALICE")
    assert described["User"]["Role"] == "AUTHOR"

    deleted = qs.delete_user(AwsAccountId=subscribed, Namespace=namespace, UserName="alice")
    assert deleted["Status"] == 200
    request_id_of(deleted)
    missing = error_of(
        lambda: qs.describe_user(AwsAccountId=subscribed, Namespace=namespace, UserName="alice")
    )
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"
    assert status_of(missing) == 404
    assert user_names(qs, subscribed, namespace) == []


def test_iam_role_session_user_has_a_slash_in_its_name(
    qs: Any, subscribed: str, namespace: str
) -> None:
    registered = qs.register_user(
        AwsAccountId=subscribed,
        Namespace=namespace,
        IdentityType="IAM",
        IamArn=f"arn:aws:iam::{subscribed}:role/Analyst",
        SessionName="jdoe",
        Email="jdoe@example.com",
        UserRole="AUTHOR",
    )["User"]

    assert registered["UserName"] == "Analyst/jdoe"
    assert registered["Arn"] == arn("user", namespace, "Analyst", "jdoe")
    assert registered["IdentityType"] == "IAM"
    assert registered["PrincipalId"].startswith("federated/iam/AROA")
    described = qs.describe_user(
        AwsAccountId=subscribed, Namespace=namespace, UserName="Analyst/jdoe"
    )
    assert described["User"] == registered
    assert (
        qs.list_user_groups(AwsAccountId=subscribed, Namespace=namespace, UserName="Analyst/jdoe")[
            "GroupList"
        ]
        == []
    )


def test_user_and_group_names_with_spaces_and_latin1(
    qs: Any, subscribed: str, namespace: str
) -> None:
    qs.register_user(
        AwsAccountId=subscribed,
        Namespace=namespace,
        IdentityType="QUICKSIGHT",
        UserName="José Núñez",
        Email="jose@example.com",
        UserRole="READER",
    )
    qs.create_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="Sales Team+EU")

    member = qs.create_group_membership(
        AwsAccountId=subscribed,
        Namespace=namespace,
        GroupName="Sales Team+EU",
        MemberName="José Núñez",
    )["GroupMember"]

    assert member == {"Arn": arn("user", namespace, "José Núñez"), "MemberName": "José Núñez"}
    assert qs.describe_group(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="sales team+eu"
    )["Group"]["GroupName"] == ("Sales Team+EU")


def test_delete_user_by_principal_id(qs: Any, subscribed: str, namespace: str) -> None:
    doomed = register(qs, subscribed, namespace, "doomed")
    register(qs, subscribed, namespace, "stays")

    response = qs.delete_user_by_principal_id(
        AwsAccountId=subscribed, Namespace=namespace, PrincipalId=doomed["PrincipalId"]
    )

    assert response["Status"] == 200
    request_id_of(response)
    assert user_names(qs, subscribed, namespace) == ["stays"]
    assert (
        code_of(
            lambda: qs.delete_user_by_principal_id(
                AwsAccountId=subscribed, Namespace=namespace, PrincipalId=doomed["PrincipalId"]
            )
        )
        == "ResourceNotFoundException"
    )


def test_list_users_pages(qs: Any, subscribed: str, namespace: str) -> None:
    names = [f"user{i:02d}" for i in range(7)]
    for name in reversed(names):
        register(qs, subscribed, namespace, name)

    pages = collect_pages(
        qs.list_users, "UserList", 3, AwsAccountId=subscribed, Namespace=namespace
    )

    assert [len(p) for p in pages] == [3, 3, 1]
    assert [u["UserName"] for p in pages for u in p] == names
    assert all(u["Arn"] == arn("user", namespace, u["UserName"]) for p in pages for u in p)


# -- groups --------------------------------------------------------------------------------


def test_group_create_describe_update_delete(qs: Any, subscribed: str, namespace: str) -> None:
    created = qs.create_group(
        AwsAccountId=subscribed,
        Namespace=namespace,
        GroupName="Finance",
        Description="Money people",
    )
    assert created["Status"] == 201
    request_id_of(created)
    group = created["Group"]
    assert group["Arn"] == arn("group", namespace, "Finance")
    assert group["GroupName"] == "Finance"
    assert group["Description"] == "Money people"
    assert GROUP_PRINCIPAL.match(group["PrincipalId"]), group["PrincipalId"]

    described = qs.describe_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="Finance")
    assert described["Status"] == 200
    assert described["Group"] == group

    updated = qs.update_group(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="Finance", Description="Treasury"
    )
    assert updated["Status"] == 200
    assert updated["Group"] == {**group, "Description": "Treasury"}
    cleared = qs.update_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="Finance")
    assert "Description" not in cleared["Group"]

    deleted = qs.delete_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="finance")
    assert deleted["Status"] == 200
    request_id_of(deleted)
    assert (
        code_of(
            lambda: qs.describe_group(
                AwsAccountId=subscribed, Namespace=namespace, GroupName="Finance"
            )
        )
        == "ResourceNotFoundException"
    )


def test_list_and_search_groups_pages(qs: Any, subscribed: str, namespace: str) -> None:
    sales = ["Sales-APAC", "Sales-EMEA", "Sales-NA", "sales-LATAM", "Sales_Ops"]
    for name in [*sales, "Marketing", "Support"]:
        qs.create_group(AwsAccountId=subscribed, Namespace=namespace, GroupName=name)

    listed = collect_pages(
        qs.list_groups, "GroupList", 3, AwsAccountId=subscribed, Namespace=namespace
    )
    searched = collect_pages(
        qs.search_groups,
        "GroupList",
        2,
        AwsAccountId=subscribed,
        Namespace=namespace,
        Filters=[{"Operator": "StartsWith", "Name": "GROUP_NAME", "Value": "SALES"}],
    )

    assert [len(p) for p in listed] == [3, 3, 1]
    all_names = [g["GroupName"] for p in listed for g in p]
    assert all_names == sorted([*sales, "Marketing", "Support"], key=str.casefold)
    assert len(searched) == 3
    assert [g["GroupName"] for p in searched for g in p] == sorted(sales, key=str.casefold)
    underscore = qs.search_groups(
        AwsAccountId=subscribed,
        Namespace=namespace,
        Filters=[{"Operator": "StartsWith", "Name": "GROUP_NAME", "Value": "sales_"}],
    )
    assert [g["GroupName"] for g in underscore["GroupList"]] == ["Sales_Ops"]
    assert underscore["Status"] == 200
    request_id_of(underscore)


def test_search_groups_operator_is_the_models_startswith(
    qs: Any, subscribed: str, namespace: str
) -> None:
    """QuickSight's model allows only StartsWith; other operators are refused by the API."""
    qs.create_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="Ops")
    qs.create_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="Ops-EU")
    with pytest.raises(ClientError) as caught:
        qs.search_groups(
            AwsAccountId=subscribed,
            Namespace=namespace,
            Filters=[{"Operator": "StringEquals", "Name": "GROUP_NAME", "Value": "ops"}],
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"


# -- group memberships ---------------------------------------------------------------------


def test_group_memberships(qs: Any, subscribed: str, namespace: str) -> None:
    for name in ("ann", "bob", "cid", "dee"):
        register(qs, subscribed, namespace, name)
    for group in ("g1", "g2", "g3"):
        qs.create_group(AwsAccountId=subscribed, Namespace=namespace, GroupName=group)
        qs.create_group_membership(
            AwsAccountId=subscribed, Namespace=namespace, GroupName=group, MemberName="ann"
        )

    created = qs.create_group_membership(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="g1", MemberName="BOB"
    )
    assert created["Status"] == 200
    request_id_of(created)
    assert created["GroupMember"] == {"Arn": arn("user", namespace, "bob"), "MemberName": "bob"}
    again = qs.create_group_membership(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="g1", MemberName="bob"
    )
    assert again["GroupMember"] == created["GroupMember"]
    qs.create_group_membership(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="g1", MemberName="cid"
    )

    described = qs.describe_group_membership(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="g1", MemberName="bob"
    )
    assert described["Status"] == 200
    assert described["GroupMember"] == created["GroupMember"]
    members = collect_pages(
        qs.list_group_memberships,
        "GroupMemberList",
        2,
        AwsAccountId=subscribed,
        Namespace=namespace,
        GroupName="g1",
    )
    assert [[m["MemberName"] for m in p] for p in members] == [["ann", "bob"], ["cid"]]
    groups = collect_pages(
        qs.list_user_groups,
        "GroupList",
        2,
        AwsAccountId=subscribed,
        Namespace=namespace,
        UserName="ann",
    )
    assert [[g["GroupName"] for g in p] for p in groups] == [["g1", "g2"], ["g3"]]
    assert groups[0][0]["Arn"] == arn("group", namespace, "g1")
    assert (
        code_of(
            lambda: qs.describe_group_membership(
                AwsAccountId=subscribed, Namespace=namespace, GroupName="g1", MemberName="dee"
            )
        )
        == "ResourceNotFoundException"
    )

    removed = qs.delete_group_membership(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="g1", MemberName="bob"
    )
    assert removed["Status"] == 200
    request_id_of(removed)
    assert (
        code_of(
            lambda: qs.describe_group_membership(
                AwsAccountId=subscribed, Namespace=namespace, GroupName="g1", MemberName="bob"
            )
        )
        == "ResourceNotFoundException"
    )

    # Deleting a user or a group takes its memberships with it.
    qs.delete_user(AwsAccountId=subscribed, Namespace=namespace, UserName="cid")
    qs.delete_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="g2")
    remaining = qs.list_group_memberships(
        AwsAccountId=subscribed, Namespace=namespace, GroupName="g1"
    )
    assert [m["MemberName"] for m in remaining["GroupMemberList"]] == ["ann"]
    ann_groups = qs.list_user_groups(AwsAccountId=subscribed, Namespace=namespace, UserName="ann")
    assert [g["GroupName"] for g in ann_groups["GroupList"]] == ["g1", "g3"]


# -- role memberships ----------------------------------------------------------------------


def test_role_memberships(qs: Any, subscribed: str, namespace: str) -> None:
    for member in ("idp-authors-c", "idp-authors-a", "idp-authors-b"):
        created = qs.create_role_membership(
            AwsAccountId=subscribed, Namespace=namespace, Role="AUTHOR", MemberName=member
        )
        assert created["Status"] == 200
        request_id_of(created)
    qs.create_role_membership(
        AwsAccountId=subscribed, Namespace=namespace, Role="ADMIN", MemberName="idp-admins"
    )

    pages = collect_pages(
        qs.list_role_memberships,
        "MembersList",
        2,
        AwsAccountId=subscribed,
        Namespace=namespace,
        Role="AUTHOR",
    )
    assert pages == [["idp-authors-a", "idp-authors-b"], ["idp-authors-c"]]
    readers = qs.list_role_memberships(AwsAccountId=subscribed, Namespace=namespace, Role="READER")
    assert readers["MembersList"] == []

    deleted = qs.delete_role_membership(
        AwsAccountId=subscribed, Namespace=namespace, Role="AUTHOR", MemberName="idp-authors-b"
    )
    assert deleted["Status"] == 200
    request_id_of(deleted)
    remaining = qs.list_role_memberships(
        AwsAccountId=subscribed, Namespace=namespace, Role="AUTHOR"
    )
    assert remaining["MembersList"] == ["idp-authors-a", "idp-authors-c"]
    assert (
        code_of(
            lambda: qs.delete_role_membership(
                AwsAccountId=subscribed,
                Namespace=namespace,
                Role="AUTHOR",
                MemberName="idp-authors-b",
            )
        )
        == "ResourceNotFoundException"
    )
    admins = qs.list_role_memberships(AwsAccountId=subscribed, Namespace=namespace, Role="ADMIN")
    assert admins["MembersList"] == ["idp-admins"]


# -- tags ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["user", "group", "namespace"])
def test_tag_untag_list_tags(qs: Any, subscribed: str, namespace: str, kind: str) -> None:
    if kind == "user":
        register(qs, subscribed, namespace, "tagged")
        resource = arn("user", namespace, "tagged")
    elif kind == "group":
        qs.create_group(AwsAccountId=subscribed, Namespace=namespace, GroupName="tagged")
        resource = arn("group", namespace, "tagged")
    else:
        resource = arn("namespace", namespace)

    tagged = qs.tag_resource(
        ResourceArn=resource,
        Tags=[{"Key": "team", "Value": "bi"}, {"Key": "cost-center", "Value": "42"}],
    )
    assert tagged["Status"] == 200
    request_id_of(tagged)
    qs.tag_resource(ResourceArn=resource, Tags=[{"Key": "team", "Value": "analytics"}])
    listed = qs.list_tags_for_resource(ResourceArn=resource)
    assert listed["Status"] == 200
    request_id_of(listed)
    assert sorted(listed["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "cost-center", "Value": "42"},
        {"Key": "team", "Value": "analytics"},
    ]

    untagged = qs.untag_resource(ResourceArn=resource, TagKeys=["cost-center", "absent"])
    assert untagged["Status"] == 200
    request_id_of(untagged)
    assert qs.list_tags_for_resource(ResourceArn=resource)["Tags"] == [
        {"Key": "team", "Value": "analytics"}
    ]


def test_tags_go_with_their_resource(qs: Any, subscribed: str, namespace: str) -> None:
    register(qs, subscribed, namespace, "ephemeral")
    resource = arn("user", namespace, "ephemeral")
    qs.tag_resource(ResourceArn=resource, Tags=[{"Key": "k", "Value": "v"}])

    qs.delete_user(AwsAccountId=subscribed, Namespace=namespace, UserName="ephemeral")

    assert code_of(lambda: qs.list_tags_for_resource(ResourceArn=resource)) == (
        "ResourceNotFoundException"
    )
    register(qs, subscribed, namespace, "ephemeral")
    assert qs.list_tags_for_resource(ResourceArn=resource)["Tags"] == []


def test_an_arn_of_another_region_names_nothing(qs: Any, subscribed: str) -> None:
    other_region = f"arn:aws:quicksight:eu-west-1:{subscribed}:namespace/default"

    assert code_of(lambda: qs.list_tags_for_resource(ResourceArn=other_region)) == (
        "ResourceNotFoundException"
    )


def test_resources_carry_the_region_of_the_subscription(aws_server: AwsServer) -> None:
    account = "888899990000"
    qs = aws_server.client("quicksight", aws_server.new_key(account), region="eu-central-1")
    subscribe(qs, account)

    user = register(qs, account, "default", "eva")

    assert user["Arn"] == f"arn:aws:quicksight:eu-central-1:{account}:user/default/eva"
    namespace = qs.describe_namespace(AwsAccountId=account, Namespace="default")["Namespace"]
    assert namespace["CapacityRegion"] == "eu-central-1"


def test_each_registration_gets_its_own_principal_and_request_id(
    qs: Any, subscribed: str, namespace: str
) -> None:
    first = qs.register_user(
        AwsAccountId=subscribed,
        Namespace=namespace,
        IdentityType="QUICKSIGHT",
        UserName="first",
        Email="first@example.com",
        UserRole="ADMIN",
    )
    second = qs.register_user(
        AwsAccountId=subscribed,
        Namespace=namespace,
        IdentityType="QUICKSIGHT",
        UserName="second",
        Email="second@example.com",
        UserRole="READER_PRO",
    )

    assert first["User"]["PrincipalId"] != second["User"]["PrincipalId"]
    assert request_id_of(first) != request_id_of(second)
    assert (first["User"]["Role"], second["User"]["Role"]) == ("ADMIN", "READER_PRO")
