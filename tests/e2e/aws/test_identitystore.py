"""Every implemented IdentityStore and SSO Admin operation through boto3, real server."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.aws.conftest import (
    ACCOUNT,
    AwsServer,
    Key,
    code_of,
    collect_pages,
    error_member,
    error_of,
)
from tests.e2e.helpers import run_json

pytestmark = pytest.mark.e2e

STORE_ID = re.compile(r"^d-[0-9a-f]{10}$")
INSTANCE_ARN = re.compile(r"^arn:aws:sso:::instance/ssoins-[0-9a-f]{16}$")
RESOURCE_ID = re.compile(
    r"^[0-9a-f]{10}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture(scope="module")
def sso(aws_server: AwsServer, key: Key) -> Any:
    """An SSO Admin client of ``ACCOUNT``."""
    return aws_server.client("sso-admin", key)


@pytest.fixture(scope="module")
def ids(aws_server: AwsServer, key: Key) -> Any:
    """An IdentityStore client of ``ACCOUNT``."""
    return aws_server.client("identitystore", key)


@pytest.fixture(scope="module")
def instance_arn(sso: Any) -> str:
    """``ACCOUNT``'s instance, created with SSO Admin CreateInstance."""
    arn = str(sso.create_instance(Name="main")["InstanceArn"])
    assert INSTANCE_ARN.match(arn), arn
    return arn


@pytest.fixture(scope="module")
def store(sso: Any, instance_arn: str) -> str:
    """The identity store of ``ACCOUNT``'s instance."""
    return str(sso.describe_instance(InstanceArn=instance_arn)["IdentityStoreId"])


def new_user(ids: Any, store: str, user_name: str, **fields: Any) -> str:
    """CreateUser; returns the UserId."""
    fields.setdefault("DisplayName", user_name.title())
    return str(ids.create_user(IdentityStoreId=store, UserName=user_name, **fields)["UserId"])


def new_group(ids: Any, store: str, display_name: str) -> str:
    """CreateGroup; returns the GroupId."""
    return str(ids.create_group(IdentityStoreId=store, DisplayName=display_name)["GroupId"])


# -- SSO Admin instances -------------------------------------------------------------------


def test_describe_list_update_instance(sso: Any, instance_arn: str, store: str) -> None:
    described = sso.describe_instance(InstanceArn=instance_arn)

    assert described["InstanceArn"] == instance_arn
    assert STORE_ID.match(described["IdentityStoreId"])
    assert described["OwnerAccountId"] == ACCOUNT
    assert described["Status"] == "ACTIVE"
    assert isinstance(described["CreatedDate"], datetime)
    assert abs(described["CreatedDate"] - datetime.now(UTC)) < timedelta(hours=1)
    listed = sso.list_instances()["Instances"]
    assert [(i["InstanceArn"], i["IdentityStoreId"]) for i in listed] == [(instance_arn, store)]
    assert listed[0]["OwnerAccountId"] == ACCOUNT

    assert sso.update_instance(InstanceArn=instance_arn, Name="renamed") is not None
    assert sso.describe_instance(InstanceArn=instance_arn)["Name"] == "renamed"
    assert sso.list_instances()["Instances"][0]["Name"] == "renamed"


def test_an_account_owns_one_account_instance(sso: Any, instance_arn: str) -> None:
    error = error_of(lambda: sso.create_instance(Name="second"))

    assert error.response["Error"]["Code"] == "ConflictException"
    assert [i["InstanceArn"] for i in sso.list_instances()["Instances"]] == [instance_arn]


def test_create_and_delete_instance_with_its_store(aws_server: AwsServer) -> None:
    key = aws_server.new_key("555566667777")
    sso = aws_server.client("sso-admin", key)
    ids = aws_server.client("identitystore", key)
    arn = sso.create_instance(Name="short-lived")["InstanceArn"]
    store = sso.describe_instance(InstanceArn=arn)["IdentityStoreId"]
    user_id = new_user(ids, store, "gone")

    assert sso.delete_instance(InstanceArn=arn) is not None

    assert code_of(lambda: sso.describe_instance(InstanceArn=arn)) == "ResourceNotFoundException"
    assert sso.list_instances()["Instances"] == []
    assert ids.list_identity_stores()["IdentityStores"] == []
    assert (
        code_of(lambda: ids.describe_user(IdentityStoreId=store, UserId=user_id))
        == "ResourceNotFoundException"
    )
    # The account may create an instance again.
    assert INSTANCE_ARN.match(sso.create_instance(Name="again")["InstanceArn"])


# -- identity stores -----------------------------------------------------------------------


def test_describe_and_list_identity_stores(ids: Any, store: str) -> None:
    expected_arn = f"arn:aws:identitystore::{ACCOUNT}:identitystore/{store}"

    described = ids.describe_identity_store(IdentityStoreId=store)
    listed = ids.list_identity_stores()

    assert described["IdentityStoreId"] == store
    assert described["IdentityStoreArn"] == expected_arn
    assert listed["IdentityStores"] == [
        {"IdentityStoreId": store, "IdentityStoreArn": expected_arn}
    ]
    assert (
        code_of(lambda: ids.describe_identity_store(IdentityStoreId="d-0000000000"))
        == "ResourceNotFoundException"
    )


# -- users ---------------------------------------------------------------------------------


def test_user_create_describe_update_list_delete(ids: Any, store: str) -> None:
    created = ids.create_user(
        IdentityStoreId=store,
        UserName="jdoe",
        DisplayName="John Doe",
        Name={"GivenName": "John", "FamilyName": "Doe"},
        Emails=[{"Value": "jdoe@example.com", "Type": "work", "Primary": True}],
        Title="Analyst",
        Locale="en-US",
    )
    user_id = created["UserId"]
    assert created["IdentityStoreId"] == store
    assert RESOURCE_ID.match(user_id), user_id
    assert created["Revision"] == "1"

    described = ids.describe_user(IdentityStoreId=store, UserId=user_id)
    assert described["IdentityStoreId"] == store
    assert described["UserId"] == user_id
    assert described["UserName"] == "jdoe"
    assert described["DisplayName"] == "John Doe"
    assert described["Name"] == {"GivenName": "John", "FamilyName": "Doe"}
    assert described["Emails"] == [{"Value": "jdoe@example.com", "Type": "work", "Primary": True}]
    assert described["Title"] == "Analyst"
    assert described["Locale"] == "en-US"
    assert described["UserStatus"] == "ENABLED"
    assert isinstance(described["CreatedAt"], datetime)
    assert isinstance(described["UpdatedAt"], datetime)

    updated = ids.update_user(
        IdentityStoreId=store,
        UserId=user_id,
        Operations=[
            {"AttributePath": "displayName", "AttributeValue": "Johnny Doe"},
            {"AttributePath": "name.givenName", "AttributeValue": "Johnny"},
            {
                "AttributePath": "emails",
                "AttributeValue": [
                    {"Value": "johnny@example.com", "Type": "work", "Primary": True}
                ],
            },
            {"AttributePath": "title"},
        ],
    )
    assert updated["UserId"] == user_id
    assert updated["Revision"] == "2"
    after = ids.describe_user(IdentityStoreId=store, UserId=user_id)
    assert after["DisplayName"] == "Johnny Doe"
    assert after["Name"] == {"GivenName": "Johnny", "FamilyName": "Doe"}
    assert after["Emails"] == [{"Value": "johnny@example.com", "Type": "work", "Primary": True}]
    assert "Title" not in after
    assert after["UpdatedAt"] >= described["UpdatedAt"]

    found = ids.list_users(
        IdentityStoreId=store, Filters=[{"AttributePath": "UserName", "AttributeValue": "JDOE"}]
    )
    assert [u["UserId"] for u in found["Users"]] == [user_id]
    assert found["Users"][0]["DisplayName"] == "Johnny Doe"

    assert ids.delete_user(IdentityStoreId=store, UserId=user_id) is not None
    assert (
        code_of(lambda: ids.describe_user(IdentityStoreId=store, UserId=user_id))
        == "ResourceNotFoundException"
    )
    assert (
        ids.list_users(
            IdentityStoreId=store,
            Filters=[{"AttributePath": "UserName", "AttributeValue": "jdoe"}],
        )["Users"]
        == []
    )


def test_update_user_with_a_stale_revision_is_a_conflict(ids: Any, store: str) -> None:
    user_id = new_user(ids, store, "racer")

    error = error_of(
        lambda: ids.update_user(
            IdentityStoreId=store,
            UserId=user_id,
            Revision="7",
            Operations=[{"AttributePath": "displayName", "AttributeValue": "Lost"}],
        )
    )

    assert error.response["Error"]["Code"] == "ConflictException"
    assert error_member(error, "Reason") == "CONCURRENT_MODIFICATION"
    assert ids.describe_user(IdentityStoreId=store, UserId=user_id)["DisplayName"] == "Racer"


def test_get_user_id_by_user_name_email_and_external_id(
    aws_server: AwsServer, ids: Any, store: str
) -> None:
    user_id = new_user(
        ids, store, "lookup", Emails=[{"Value": "lookup@example.com", "Primary": True}]
    )
    # ExternalIds cannot be set through CreateUser: provision one over SCIM, as an IdP does.
    token = run_json(
        aws_server.env,
        "scim",
        "token",
        "create",
        "--identity-store-id",
        store,
        "--base-url",
        aws_server.url,
    )
    scim = httpx.post(
        f"{token['url']}/Users",
        headers={"Authorization": f"Bearer {token['token']}", "Content-Type": "application/json"},
        content=json.dumps(
            {"schemas": [CORE_USER], "userName": "fromidp", "externalId": "okta-42"}
        ),
        timeout=30,
    )
    assert scim.status_code == 201, scim.text

    def lookup(identifier: dict[str, Any]) -> str:
        found = ids.get_user_id(IdentityStoreId=store, AlternateIdentifier=identifier)
        assert found["IdentityStoreId"] == store
        return str(found["UserId"])

    unique_attribute = {"AttributePath": "userName", "AttributeValue": "LOOKUP"}
    assert lookup({"UniqueAttribute": unique_attribute}) == user_id
    by_email = {"AttributePath": "emails.value", "AttributeValue": "lookup@example.com"}
    assert lookup({"UniqueAttribute": by_email}) == user_id
    assert lookup({"ExternalId": {"Issuer": "scim", "Id": "okta-42"}}) == scim.json()["id"]
    missing = {"AttributePath": "userName", "AttributeValue": "nobody"}
    assert (
        code_of(
            lambda: ids.get_user_id(
                IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": missing}
            )
        )
        == "ResourceNotFoundException"
    )


def test_list_users_pages(ids: Any, store: str) -> None:
    created = {new_user(ids, store, f"pager{i}") for i in range(5)}

    pages = collect_pages(ids.list_users, "Users", 2, IdentityStoreId=store)

    seen = [u["UserId"] for page in pages for u in page]
    assert len(pages) >= 3
    assert len(seen) == len(set(seen))
    assert created <= set(seen)


# -- groups --------------------------------------------------------------------------------


def test_group_create_describe_update_list_delete(ids: Any, store: str) -> None:
    created = ids.create_group(
        IdentityStoreId=store, DisplayName="Engineering", Description="Builders"
    )
    group_id = created["GroupId"]
    assert created["IdentityStoreId"] == store
    assert RESOURCE_ID.match(group_id), group_id
    assert created["Revision"] == "1"

    described = ids.describe_group(IdentityStoreId=store, GroupId=group_id)
    assert described["GroupId"] == group_id
    assert described["DisplayName"] == "Engineering"
    assert described["Description"] == "Builders"
    assert isinstance(described["CreatedAt"], datetime)

    updated = ids.update_group(
        IdentityStoreId=store,
        GroupId=group_id,
        Operations=[{"AttributePath": "description", "AttributeValue": "Engineers"}],
    )
    assert (updated["GroupId"], updated["Revision"]) == (group_id, "2")
    assert ids.describe_group(IdentityStoreId=store, GroupId=group_id)["Description"] == (
        "Engineers"
    )

    by_name = ids.list_groups(
        IdentityStoreId=store,
        Filters=[{"AttributePath": "DisplayName", "AttributeValue": "engineering"}],
    )
    assert [g["GroupId"] for g in by_name["Groups"]] == [group_id]
    unique_attribute = {"AttributePath": "displayName", "AttributeValue": "Engineering"}
    found = ids.get_group_id(
        IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": unique_attribute}
    )
    assert (found["IdentityStoreId"], found["GroupId"]) == (store, group_id)

    assert ids.delete_group(IdentityStoreId=store, GroupId=group_id) is not None
    assert (
        code_of(lambda: ids.describe_group(IdentityStoreId=store, GroupId=group_id))
        == "ResourceNotFoundException"
    )
    assert (
        code_of(
            lambda: ids.get_group_id(
                IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": unique_attribute}
            )
        )
        == "ResourceNotFoundException"
    )


def test_list_groups_pages(ids: Any, store: str) -> None:
    created = {new_group(ids, store, f"Pager Group {i}") for i in range(5)}

    pages = collect_pages(ids.list_groups, "Groups", 2, IdentityStoreId=store)

    seen = [g["GroupId"] for page in pages for g in page]
    assert len(pages) >= 3
    assert len(seen) == len(set(seen))
    assert created <= set(seen)


def test_group_name_clash_in_another_case_is_a_conflict(ids: Any, store: str) -> None:
    group_id = new_group(ids, store, "Clash Test")

    error = error_of(lambda: ids.create_group(IdentityStoreId=store, DisplayName="CLASH test"))

    assert error.response["Error"]["Code"] == "ConflictException"
    assert error_member(error, "Reason") == "UNIQUENESS_CONSTRAINT_VIOLATION"
    found = ids.list_groups(
        IdentityStoreId=store,
        Filters=[{"AttributePath": "DisplayName", "AttributeValue": "clash test"}],
    )["Groups"]
    assert [(g["GroupId"], g["DisplayName"]) for g in found] == [(group_id, "Clash Test")]


# -- memberships ---------------------------------------------------------------------------


def test_memberships(ids: Any, store: str) -> None:
    user_id = new_user(ids, store, "member")
    other_id = new_user(ids, store, "outsider")
    group_id = new_group(ids, store, "Members")
    empty_id = new_group(ids, store, "Nobody Here")

    created = ids.create_group_membership(
        IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id}
    )
    membership_id = created["MembershipId"]
    assert created["IdentityStoreId"] == store
    assert RESOURCE_ID.match(membership_id), membership_id
    duplicate = error_of(
        lambda: ids.create_group_membership(
            IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id}
        )
    )
    assert duplicate.response["Error"]["Code"] == "ConflictException"

    expected = {
        "IdentityStoreId": store,
        "MembershipId": membership_id,
        "GroupId": group_id,
        "MemberId": {"UserId": user_id},
    }
    described = ids.describe_group_membership(IdentityStoreId=store, MembershipId=membership_id)
    assert {k: described[k] for k in expected} == expected
    found = ids.get_group_membership_id(
        IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id}
    )
    assert (found["IdentityStoreId"], found["MembershipId"]) == (store, membership_id)
    listed = ids.list_group_memberships(IdentityStoreId=store, GroupId=group_id)
    assert [{k: m[k] for k in expected} for m in listed["GroupMemberships"]] == [expected]
    for_member = ids.list_group_memberships_for_member(
        IdentityStoreId=store, MemberId={"UserId": user_id}
    )
    assert [m["MembershipId"] for m in for_member["GroupMemberships"]] == [membership_id]
    checked = ids.is_member_in_groups(
        IdentityStoreId=store, MemberId={"UserId": user_id}, GroupIds=[group_id, empty_id]
    )
    assert checked["Results"] == [
        {"GroupId": group_id, "MemberId": {"UserId": user_id}, "MembershipExists": True},
        {"GroupId": empty_id, "MemberId": {"UserId": user_id}, "MembershipExists": False},
    ]
    assert (
        code_of(
            lambda: ids.get_group_membership_id(
                IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": other_id}
            )
        )
        == "ResourceNotFoundException"
    )

    assert (
        ids.delete_group_membership(IdentityStoreId=store, MembershipId=membership_id) is not None
    )
    assert (
        code_of(
            lambda: ids.describe_group_membership(IdentityStoreId=store, MembershipId=membership_id)
        )
        == "ResourceNotFoundException"
    )
    assert ids.list_group_memberships(IdentityStoreId=store, GroupId=group_id)[
        "GroupMemberships"
    ] == ([])
    after = ids.is_member_in_groups(
        IdentityStoreId=store, MemberId={"UserId": user_id}, GroupIds=[group_id]
    )
    assert after["Results"][0]["MembershipExists"] is False


def test_list_group_memberships_pages(ids: Any, store: str) -> None:
    group_id = new_group(ids, store, "Big Group")
    users = [new_user(ids, store, f"crowd{i}") for i in range(5)]
    for user_id in users:
        ids.create_group_membership(
            IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id}
        )

    pages = collect_pages(
        ids.list_group_memberships, "GroupMemberships", 2, IdentityStoreId=store, GroupId=group_id
    )

    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(m["MemberId"]["UserId"] for p in pages for m in p) == sorted(users)


def test_deleting_a_user_removes_its_memberships(ids: Any, store: str) -> None:
    user_id = new_user(ids, store, "leaver")
    group_id = new_group(ids, store, "Left Behind")
    ids.create_group_membership(
        IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id}
    )

    ids.delete_user(IdentityStoreId=store, UserId=user_id)

    assert ids.list_group_memberships(IdentityStoreId=store, GroupId=group_id)[
        "GroupMemberships"
    ] == ([])


def test_a_member_must_belong_to_the_groups_store(
    aws_server: AwsServer, ids: Any, store: str
) -> None:
    """A second store serving the account (an ORGANIZATION instance): its users cannot
    join this store's groups."""
    other = run_json(
        aws_server.env, "instances", "create", "--type", "ORGANIZATION", "--account-id", ACCOUNT
    )["IdentityStoreId"]
    stranger = new_user(ids, other, "stranger")
    group_id = new_group(ids, store, "Locals Only")

    error = error_of(
        lambda: ids.create_group_membership(
            IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": stranger}
        )
    )

    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    assert ids.list_group_memberships(IdentityStoreId=store, GroupId=group_id)[
        "GroupMemberships"
    ] == ([])
    assert (
        code_of(lambda: ids.describe_user(IdentityStoreId=store, UserId=stranger))
        == "ResourceNotFoundException"
    )


# -- known bugs ----------------------------------------------------------------------------


def test_update_user_with_an_unknown_attribute_path_changes_nothing(ids: Any, store: str) -> None:
    user_id = new_user(ids, store, "pathological")

    error_of(
        lambda: ids.update_user(
            IdentityStoreId=store,
            UserId=user_id,
            Operations=[
                {"AttributePath": "displayName", "AttributeValue": "Changed"},
                {"AttributePath": "nonsense", "AttributeValue": "x"},
            ],
        )
    )

    after = ids.describe_user(IdentityStoreId=store, UserId=user_id)
    assert (after["DisplayName"], after["Revision"]) == ("Pathological", "1")


@pytest.mark.parametrize(
    "operation",
    [
        {"AttributePath": "nonsense", "AttributeValue": "x"},
        {"AttributePath": "active", "AttributeValue": "maybe"},
    ],
)
def test_update_user_with_an_invalid_operation_is_a_validation_error(
    ids: Any, store: str, operation: dict[str, Any]
) -> None:
    user_id = new_user(ids, store, f"invalid-op-{operation['AttributePath']}")

    error = error_of(
        lambda: ids.update_user(IdentityStoreId=store, UserId=user_id, Operations=[operation])
    )

    assert error.response["Error"]["Code"] == "ValidationException"


def test_renaming_onto_a_taken_name_is_a_conflict(ids: Any, store: str) -> None:
    user_id = new_user(ids, store, "rename-me")
    new_user(ids, store, "taken-name")
    group_id = new_group(ids, store, "Rename Group")
    new_group(ids, store, "Taken Group")

    user_error = error_of(
        lambda: ids.update_user(
            IdentityStoreId=store,
            UserId=user_id,
            Operations=[{"AttributePath": "userName", "AttributeValue": "TAKEN-NAME"}],
        )
    )
    group_error = error_of(
        lambda: ids.update_group(
            IdentityStoreId=store,
            GroupId=group_id,
            Operations=[{"AttributePath": "displayName", "AttributeValue": "taken group"}],
        )
    )

    for error in (user_error, group_error):
        assert error.response["Error"]["Code"] == "ConflictException"
        assert error_member(error, "Reason") == "UNIQUENESS_CONSTRAINT_VIOLATION"
    assert ids.describe_user(IdentityStoreId=store, UserId=user_id)["UserName"] == "rename-me"
    assert ids.describe_group(IdentityStoreId=store, GroupId=group_id)["DisplayName"] == (
        "Rename Group"
    )


def test_rename_conflict_message_names_the_clashing_name(ids: Any, store: str) -> None:
    user_id = new_user(ids, store, "msg-rename")
    new_user(ids, store, "msg-taken")

    error = error_of(
        lambda: ids.update_user(
            IdentityStoreId=store,
            UserId=user_id,
            Operations=[{"AttributePath": "userName", "AttributeValue": "msg-taken"}],
        )
    )

    assert "msg-taken" in error.response["Error"]["Message"]


def test_identitystore_outputs_carry_the_required_arns(ids: Any, store: str) -> None:
    arn = re.compile(r"^arn:aws:identitystore:::(user|group|membership)/" + RESOURCE_ID.pattern[1:])
    created_user = ids.create_user(IdentityStoreId=store, UserName="arn-user", DisplayName="A")
    created_group = ids.create_group(IdentityStoreId=store, DisplayName="Arn Group")
    membership = ids.create_group_membership(
        IdentityStoreId=store,
        GroupId=created_group["GroupId"],
        MemberId={"UserId": created_user["UserId"]},
    )
    described_user = ids.describe_user(IdentityStoreId=store, UserId=created_user["UserId"])
    described_group = ids.describe_group(IdentityStoreId=store, GroupId=created_group["GroupId"])

    for response, member in [
        (created_user, "UserArn"),
        (described_user, "UserArn"),
        (created_group, "GroupArn"),
        (described_group, "GroupArn"),
        (membership, "MembershipArn"),
    ]:
        assert arn.match(response.get(member) or ""), (member, response)
