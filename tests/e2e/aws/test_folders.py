"""Shared folders through boto3 against the real server: the tree, its members, its
permissions and their inheritance, and the AWS errors of bad input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.aws.conftest import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    AwsServer,
    code_of,
    error_of,
    register,
    request_id_of,
    unique,
)

pytestmark = pytest.mark.e2e

VIEWER = ["quicksight:DescribeFolder"]
OWNER = [
    "quicksight:CreateFolder",
    "quicksight:DescribeFolder",
    "quicksight:UpdateFolder",
    "quicksight:DeleteFolder",
    "quicksight:CreateFolderMembership",
    "quicksight:DeleteFolderMembership",
    "quicksight:DescribeFolderPermissions",
    "quicksight:UpdateFolderPermissions",
]


def arn(kind: str, *parts: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{'/'.join(parts)}"


def create(qs: Any, folder_id: str, parent: str | None = None, **fields: Any) -> str:
    """CreateFolder; the new folder's ARN."""
    extra = {"ParentFolderArn": parent} if parent else {}
    response = qs.create_folder(
        AwsAccountId=ACCOUNT,
        FolderId=folder_id,
        Name=fields.pop("Name", folder_id),
        **extra,
        **fields,
    )
    assert response["Status"] == 200
    request_id_of(response)
    assert response["Arn"] == arn("folder", folder_id)
    return str(response["Arn"])


def search(qs: Any, name: str, value: str) -> list[str]:
    response = qs.search_folders(
        AwsAccountId=ACCOUNT, Filters=[{"Name": name, "Operator": "StringEquals", "Value": value}]
    )
    return sorted(f["FolderId"] for f in response["FolderSummaryList"])


@pytest.fixture(scope="module")
def team(qs: Any, subscribed: str) -> tuple[str, str]:
    """A reader in a group of the default namespace: (user ARN, group ARN)."""
    user = register(qs, subscribed, "default", unique("reader"))
    group = qs.create_group(AwsAccountId=subscribed, Namespace="default", GroupName=unique("grp"))
    qs.create_group_membership(
        AwsAccountId=subscribed,
        Namespace="default",
        GroupName=group["Group"]["GroupName"],
        MemberName=user["UserName"],
    )
    return str(user["Arn"]), str(group["Group"]["Arn"])


def test_a_tree_three_levels_deep_with_members_and_inherited_permissions(
    qs: Any, team: tuple[str, str]
) -> None:
    user, group = team
    top = unique("top")
    root = create(qs, top, Permissions=[{"Principal": group, "Actions": VIEWER}])
    middle = create(qs, f"{top}-mid", root)
    leaf = create(qs, f"{top}-leaf", middle, Tags=[{"Key": "customer", "Value": "red"}])

    folder = qs.describe_folder(AwsAccountId=ACCOUNT, FolderId=f"{top}-leaf")["Folder"]
    assert folder["FolderPath"] == [root, middle]
    assert folder["FolderType"] == "SHARED" and folder["SharingModel"] == "ACCOUNT"
    assert "FolderPath" not in qs.describe_folder(AwsAccountId=ACCOUNT, FolderId=top)["Folder"]

    missing = error_of(
        lambda: qs.create_folder_membership(
            AwsAccountId=ACCOUNT, FolderId=top, MemberId="sales-dash", MemberType="DASHBOARD"
        )
    )
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"  # none yet
    declared = {"Identifier": "sales", "DataSetArn": arn("dataset", "sales")}
    qs.create_dashboard(
        AwsAccountId=ACCOUNT,
        DashboardId="sales-dash",
        Name="Sales",
        Definition={"DataSetIdentifierDeclarations": [declared]},
        ValidationStrategy={"Mode": "LENIENT"},
    )
    member = qs.create_folder_membership(
        AwsAccountId=ACCOUNT, FolderId=f"{top}-leaf", MemberId="sales-dash", MemberType="DASHBOARD"
    )
    assert member["Status"] == 200  # in the body, as the model has it
    assert member["FolderMember"] == {"MemberId": "sales-dash", "MemberType": "DASHBOARD"}
    members = qs.list_folder_members(AwsAccountId=ACCOUNT, FolderId=f"{top}-leaf")
    assert members["FolderMemberList"] == [
        {"MemberId": "sales-dash", "MemberArn": arn("dashboard", "sales-dash")}
    ]
    holders = qs.list_folders_for_resource(
        AwsAccountId=ACCOUNT, ResourceArn=arn("dashboard", "sales-dash")
    )
    assert holders["Folders"] == [leaf]

    resolved = qs.describe_folder_resolved_permissions(AwsAccountId=ACCOUNT, FolderId=f"{top}-leaf")
    assert resolved["Permissions"] == [{"Principal": group, "Actions": VIEWER}]
    assert (
        qs.describe_folder_permissions(AwsAccountId=ACCOUNT, FolderId=f"{top}-leaf")["Permissions"]
        == []
    )

    # The user sees all three through their group; a revocation at the top hides them at once.
    seen = search(qs, "QUICKSIGHT_VIEWER_OR_OWNER", user)
    assert {top, f"{top}-mid", f"{top}-leaf"} <= set(seen)
    assert top not in search(qs, "DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", user)
    revoked = qs.update_folder_permissions(
        AwsAccountId=ACCOUNT,
        FolderId=top,
        RevokePermissions=[{"Principal": group, "Actions": VIEWER}],
    )
    assert revoked["Status"] == 200 and revoked["Permissions"] == []
    assert not {top, f"{top}-mid", f"{top}-leaf"} & set(
        search(qs, "QUICKSIGHT_VIEWER_OR_OWNER", user)
    )

    granted = qs.update_folder_permissions(
        AwsAccountId=ACCOUNT,
        FolderId=f"{top}-mid",
        GrantPermissions=[{"Principal": user, "Actions": OWNER}],
    )
    assert granted["Permissions"] == [{"Principal": user, "Actions": sorted(OWNER)}]
    assert {f"{top}-mid", f"{top}-leaf"} <= set(search(qs, "QUICKSIGHT_OWNER", user))

    # Only an empty folder is deleted.
    not_empty = error_of(lambda: qs.delete_folder(AwsAccountId=ACCOUNT, FolderId=f"{top}-leaf"))
    assert not_empty.response["Error"]["Code"] == "PreconditionNotMetException"
    removed = qs.delete_folder_membership(
        AwsAccountId=ACCOUNT, FolderId=f"{top}-leaf", MemberId="sales-dash", MemberType="DASHBOARD"
    )
    assert removed["Status"] == 200
    assert code_of(lambda: qs.delete_folder(AwsAccountId=ACCOUNT, FolderId=top)) == (
        "PreconditionNotMetException"
    )
    for folder_id in (f"{top}-leaf", f"{top}-mid", top):
        deleted = qs.delete_folder(AwsAccountId=ACCOUNT, FolderId=folder_id)
        assert deleted["Status"] == 200 and deleted["FolderId"] == folder_id
    assert code_of(lambda: qs.describe_folder(AwsAccountId=ACCOUNT, FolderId=top)) == (
        "ResourceNotFoundException"
    )


def test_list_update_and_search_by_name_and_parent(qs: Any, subscribed: str) -> None:
    prefix = unique("lst")
    root = create(qs, prefix, Name=f"{prefix} Root")
    create(qs, f"{prefix}-a", root, Name="Alpha")
    create(qs, f"{prefix}-b", root, Name="Beta")
    updated = qs.update_folder(AwsAccountId=ACCOUNT, FolderId=f"{prefix}-b", Name="Gamma")
    assert updated["Status"] == 200
    assert (
        qs.describe_folder(AwsAccountId=ACCOUNT, FolderId=f"{prefix}-b")["Folder"]["Name"]
        == "Gamma"
    )

    children = search(qs, "PARENT_FOLDER_ARN", root)
    assert children == [f"{prefix}-a", f"{prefix}-b"]
    like = qs.search_folders(
        AwsAccountId=ACCOUNT,
        Filters=[{"Name": "FOLDER_NAME", "Operator": "StringLike", "Value": f"{prefix} ro"}],
    )
    assert [f["FolderId"] for f in like["FolderSummaryList"]] == [prefix]

    ids: list[str] = []
    token: str | None = None
    while True:
        page = qs.list_folders(
            AwsAccountId=ACCOUNT, MaxResults=1, **({"NextToken": token} if token else {})
        )
        ids.extend(f["FolderId"] for f in page["FolderSummaryList"])
        token = page.get("NextToken")
        if not token:
            break
    assert [i for i in ids if i.startswith(prefix)] == [prefix, f"{prefix}-a", f"{prefix}-b"]


def test_bad_folder_input_gets_its_aws_error(
    qs: Any, subscribed: str, team: tuple[str, str]
) -> None:
    prefix = unique("bad")
    root = create(qs, prefix)
    create(qs, f"{prefix}-x", root, Name="Same")

    taken = error_of(lambda: create(qs, prefix))
    assert taken.response["Error"]["Code"] == "ResourceExistsException"
    assert (
        code_of(lambda: create(qs, f"{prefix}-y", root, Name="Same")) == "ResourceExistsException"
    )
    assert code_of(lambda: create(qs, f"{prefix}-z", arn("folder", "no-such-folder"))) == (
        "ResourceNotFoundException"
    )
    assert (
        code_of(
            lambda: create(
                qs,
                f"{prefix}-n",
                Permissions=[{"Principal": arn("namespace", "default"), "Actions": VIEWER}],
            )
        )
        == "InvalidParameterValueException"
    )
    assert (
        code_of(
            lambda: create(
                qs,
                f"{prefix}-u",
                Permissions=[{"Principal": arn("user", "default", "nobody"), "Actions": VIEWER}],
            )
        )
        == "InvalidParameterValueException"
    )
    assert code_of(lambda: qs.describe_folder(AwsAccountId=ACCOUNT, FolderId=f"{prefix}-u")) == (
        "ResourceNotFoundException"
    )
    assert (
        code_of(
            lambda: create(
                qs,
                f"{prefix}-r",
                FolderType="RESTRICTED",
                Permissions=[{"Principal": team[0], "Actions": OWNER}],
            )
        )
        == "InvalidParameterValueException"
    )
    assert (
        code_of(
            lambda: qs.create_folder_membership(
                AwsAccountId=ACCOUNT, FolderId=prefix, MemberId="nope", MemberType="DATASET"
            )
        )
        == "ResourceNotFoundException"
    )
    assert (
        code_of(
            lambda: qs.delete_folder_membership(
                AwsAccountId=ACCOUNT, FolderId=prefix, MemberId="nope", MemberType="DASHBOARD"
            )
        )
        == "ResourceNotFoundException"
    )
    assert (
        code_of(
            lambda: qs.search_folders(
                AwsAccountId=ACCOUNT,
                Filters=[{"Name": "QUICKSIGHT_OWNER", "Operator": "StringLike", "Value": "x"}],
            )
        )
        == "InvalidParameterValueException"
    )


def test_another_accounts_key_cannot_touch_the_folders(
    aws_server: AwsServer, qs: Any, subscribed: str
) -> None:
    folder_id = unique("mine")
    create(qs, folder_id)
    other = aws_server.client("quicksight", aws_server.new_key(OTHER_ACCOUNT))
    assert code_of(lambda: other.describe_folder(AwsAccountId=ACCOUNT, FolderId=folder_id)) == (
        "AccessDeniedException"
    )


def test_folders_take_tags_by_arn(qs: Any, subscribed: str) -> None:
    folder = create(qs, unique("tagged"), Tags=[{"Key": "customer", "Value": "red"}])
    qs.tag_resource(ResourceArn=folder, Tags=[{"Key": "tier", "Value": "gold"}])
    listed = qs.list_tags_for_resource(ResourceArn=folder)
    assert listed["Tags"] == [{"Key": "customer", "Value": "red"}, {"Key": "tier", "Value": "gold"}]
    qs.untag_resource(ResourceArn=folder, TagKeys=["customer"])
    assert qs.list_tags_for_resource(ResourceArn=folder)["Tags"] == [
        {"Key": "tier", "Value": "gold"}
    ]
    assert code_of(lambda: qs.list_tags_for_resource(ResourceArn=arn("folder", "missing"))) == (
        "ResourceNotFoundException"
    )
