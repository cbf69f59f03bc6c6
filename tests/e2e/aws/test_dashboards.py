"""Dashboards through boto3 against the real server: a large definition back member for
member, STRICT and LENIENT, versions and the published one, permissions and
SearchDashboards through a group and a folder, namespaces, another account's key, and
nothing half-written on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from tests.analytics.assets.dashboards.samples import large, small, with_value
from tests.analytics.assets.dashboards.warehouse import (
    DASHBOARD_OWNER,
    DASHBOARD_VIEWER,
    arn,
    create_data_sets,
)
from tests.analytics.data.catalog.conftest import source_database  # noqa: F401 -- a fixture
from tests.e2e.aws.conftest import (
    ACCOUNT,
    OTHER_ACCOUNT,
    AwsServer,
    code_of,
    error_of,
    register,
    unique,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def data_sets(qs: Any, subscribed: str, source_database: dict[str, Any]) -> tuple[str, str]:  # noqa: F811
    return create_data_sets(qs, source_database, "dash")


def create(
    qs: Any, dashboard_id: str, definition: dict[str, Any], **members: Any
) -> dict[str, Any]:
    return dict(
        qs.create_dashboard(
            AwsAccountId=ACCOUNT,
            DashboardId=dashboard_id,
            Name=members.pop("Name", dashboard_id),
            Definition=definition,
            **members,
        )
    )


def definition_of(qs: Any, dashboard_id: str, **query: Any) -> dict[str, Any]:
    return dict(
        qs.describe_dashboard_definition(AwsAccountId=ACCOUNT, DashboardId=dashboard_id, **query)
    )


def test_a_large_definition_comes_back_member_for_member(
    qs: Any, data_sets: tuple[str, str]
) -> None:
    sales, customers = data_sets
    definition = large(sales, customers)
    since = datetime(2025, 1, 1, tzinfo=UTC)
    definition["ParameterDeclarations"][3]["DateTimeParameterDeclaration"]["DefaultValues"] = {
        "StaticValues": [since]
    }
    options = {
        "AdHocFilteringOption": {"AvailabilityStatus": "DISABLED"},
        "ExportToCSVOption": {"AvailabilityStatus": "ENABLED"},
        "SheetControlsOption": {"VisibilityState": "COLLAPSED"},
    }
    created = create(
        qs, "big", definition, DashboardPublishOptions=options, VersionDescription="first"
    )
    assert created["Status"] in (200, 201)
    assert created["VersionArn"] == arn("dashboard", "big") + "/version/1"
    assert created["CreationStatus"] == "CREATION_SUCCESSFUL"
    found = definition_of(qs, "big")
    assert found["Definition"] == definition
    assert found["DashboardPublishOptions"] == options
    assert found["ResourceStatus"] == "CREATION_SUCCESSFUL"
    assert "Errors" not in found
    described = qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="big")["Dashboard"]
    version = described["Version"]
    assert version["VersionNumber"] == 1 and version["Description"] == "first"
    assert version["DataSetArns"] == [sales, customers]
    assert version["Sheets"] == [
        {"SheetId": "overview", "Name": "Overview"},
        {"SheetId": "details", "Name": "Details"},
    ]


def test_strict_refuses_naming_the_path_and_lenient_reports(
    qs: Any, data_sets: tuple[str, str]
) -> None:
    sales, _ = data_sets
    broken = with_value(
        large(sales), "f_gone", "Sheets", 0, "FilterControls", 0, "Dropdown", "SourceFilterId"
    )
    error = error_of(lambda: create(qs, "strict", broken))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "Definition.Sheets[0].FilterControls[0].Dropdown.SourceFilterId" in str(error)
    assert code_of(lambda: qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="strict")) == (
        "ResourceNotFoundException"
    )
    bad_sql = with_value(large(sales), "sum({revenue}", "CalculatedFields", 1, "Expression")
    error = error_of(lambda: create(qs, "strict", bad_sql))
    assert "Definition.CalculatedFields[1].Expression" in str(error)
    create(qs, "lenient", broken, ValidationStrategy={"Mode": "LENIENT"})
    found = definition_of(qs, "lenient")
    assert found["Definition"] == broken
    assert found["Errors"] == [
        {
            "Type": "SOURCE_NOT_FOUND",
            "Message": "Definition.Sheets[0].FilterControls[0].Dropdown.SourceFilterId: "
            "no filter has FilterId 'f_gone'",
            "ViolatedEntities": [
                {"Path": "Definition.Sheets[0].FilterControls[0].Dropdown.SourceFilterId"}
            ],
        }
    ]
    version = qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="lenient")["Dashboard"]
    assert version["Version"]["Errors"] == found["Errors"]


def test_bad_references_each_get_their_path(qs: Any, data_sets: tuple[str, str]) -> None:
    sales, _ = data_sets
    cases = {
        (
            "Sheets",
            0,
            "Visuals",
            0,
            "KPIVisual",
            "ChartConfiguration",
            "FieldWells",
            "Values",
            0,
            "NumericalMeasureField",
            "Column",
            "ColumnName",
        ): "nope",
        ("DataSetIdentifierDeclarations", 0, "DataSetArn"): arn("dataset", "gone"),
    }
    for path, value in cases.items():
        definition = small(sales)
        definition["Sheets"][0]["Visuals"] = definition["Sheets"][0]["Visuals"][1:]
        broken = with_value(definition, value, *path)
        error = error_of(partial(create, qs, "refs", broken))
        assert error.response["Error"]["Code"] == "InvalidParameterValueException"
        shown = "Definition" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        assert shown in str(error)
    foreign = small(arn("dataset", "dash-sales", account=OTHER_ACCOUNT))
    assert code_of(lambda: create(qs, "refs", foreign)) == "InvalidParameterValueException"


def test_versions_published_version_and_deleting_one(qs: Any, data_sets: tuple[str, str]) -> None:
    sales, _ = data_sets
    create(qs, "versions", small(sales))
    second = large(sales)
    updated = qs.update_dashboard(
        AwsAccountId=ACCOUNT, DashboardId="versions", Name="v2", Definition=second
    )
    assert updated["Status"] == 200 and updated["VersionArn"].endswith("/version/2")
    described = qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="versions")
    assert described["Dashboard"]["Version"]["VersionNumber"] == 1
    assert definition_of(qs, "versions", AliasName="$LATEST")["Definition"] == second
    assert definition_of(qs, "versions", VersionNumber=1)["Definition"] == small(sales)
    qs.update_dashboard_published_version(
        AwsAccountId=ACCOUNT, DashboardId="versions", VersionNumber=2
    )
    assert definition_of(qs, "versions")["Definition"] == second
    listed = qs.list_dashboards(AwsAccountId=ACCOUNT)["DashboardSummaryList"]
    summary = next(d for d in listed if d["DashboardId"] == "versions")
    assert summary["PublishedVersionNumber"] == 2 and summary["Name"] == "v2"
    versions = qs.list_dashboard_versions(
        AwsAccountId=ACCOUNT, DashboardId="versions", MaxResults=1
    )
    assert [v["VersionNumber"] for v in versions["DashboardVersionSummaryList"]] == [1]
    rest = qs.list_dashboard_versions(
        AwsAccountId=ACCOUNT, DashboardId="versions", NextToken=versions["NextToken"]
    )
    assert [v["VersionNumber"] for v in rest["DashboardVersionSummaryList"]] == [2]
    assert (
        code_of(
            lambda: qs.delete_dashboard(
                AwsAccountId=ACCOUNT, DashboardId="versions", VersionNumber=2
            )
        )
        == "InvalidParameterValueException"
    )
    qs.delete_dashboard(AwsAccountId=ACCOUNT, DashboardId="versions", VersionNumber=1)
    assert (
        code_of(lambda: definition_of(qs, "versions", VersionNumber=1))
        == "ResourceNotFoundException"
    )
    qs.delete_dashboard(AwsAccountId=ACCOUNT, DashboardId="versions")
    assert (
        code_of(lambda: qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="versions"))
        == "ResourceNotFoundException"
    )


def test_permissions_and_search_through_a_group_and_a_folder(
    qs: Any, data_sets: tuple[str, str]
) -> None:
    sales, _ = data_sets
    reader = register(qs, ACCOUNT, "default", unique("reader"))
    group = qs.create_group(AwsAccountId=ACCOUNT, Namespace="default", GroupName=unique("grp"))
    qs.create_group_membership(
        AwsAccountId=ACCOUNT,
        Namespace="default",
        GroupName=group["Group"]["GroupName"],
        MemberName=reader["UserName"],
    )
    group_arn = group["Group"]["Arn"]
    folder = qs.create_folder(
        AwsAccountId=ACCOUNT,
        FolderId=unique("folder"),
        Name="shared",
        Permissions=[{"Principal": group_arn, "Actions": ["quicksight:DescribeFolder"]}],
    )
    by_group, by_folder, unshared = unique("by-group"), unique("by-folder"), unique("unshared")
    create(qs, by_group, small(sales))
    qs.update_dashboard_permissions(
        AwsAccountId=ACCOUNT,
        DashboardId=by_group,
        GrantPermissions=[{"Principal": group_arn, "Actions": DASHBOARD_VIEWER}],
    )
    create(qs, by_folder, small(sales), FolderArns=[folder["Arn"]])
    create(
        qs,
        unshared,
        small(sales),
        Permissions=[{"Principal": reader["Arn"], "Actions": DASHBOARD_OWNER}],
    )
    qs.update_dashboard_permissions(
        AwsAccountId=ACCOUNT,
        DashboardId=unshared,
        RevokePermissions=[{"Principal": reader["Arn"], "Actions": DASHBOARD_OWNER}],
    )
    permissions = qs.describe_dashboard_permissions(AwsAccountId=ACCOUNT, DashboardId=by_group)
    assert permissions["Permissions"] == [
        {"Principal": group_arn, "Actions": sorted(DASHBOARD_VIEWER)}
    ]

    def search(name: str, value: str) -> list[str]:
        found = qs.search_dashboards(
            AwsAccountId=ACCOUNT,
            Filters=[{"Name": name, "Operator": "StringEquals", "Value": value}],
        )
        return sorted(d["DashboardId"] for d in found["DashboardSummaryList"])

    assert search("QUICKSIGHT_VIEWER_OR_OWNER", reader["Arn"]) == sorted([by_group, by_folder])
    assert search("QUICKSIGHT_USER", reader["Arn"]) == sorted([by_group, by_folder])
    assert search("DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", reader["Arn"]) == []
    assert search("DIRECT_QUICKSIGHT_VIEWER_OR_OWNER", group_arn) == [by_group]
    assert search("DASHBOARD_NAME", by_folder) == [by_folder]
    qs.delete_group_membership(
        AwsAccountId=ACCOUNT,
        Namespace="default",
        GroupName=group["Group"]["GroupName"],
        MemberName=reader["UserName"],
    )
    assert search("QUICKSIGHT_VIEWER_OR_OWNER", reader["Arn"]) == []


def test_namespaces_isolate(qs: Any, data_sets: tuple[str, str]) -> None:
    sales, _ = data_sets
    other = unique("ns")
    qs.create_namespace(AwsAccountId=ACCOUNT, Namespace=other, IdentityStore="QUICKSIGHT")
    name = unique("pat")
    here = register(qs, ACCOUNT, "default", name)
    there = register(qs, ACCOUNT, other, name)
    dashboard = unique("ns-dash")
    create(
        qs,
        dashboard,
        small(sales),
        Permissions=[{"Principal": arn("namespace", other), "Actions": DASHBOARD_VIEWER}],
    )

    def seen(user_arn: str) -> list[str]:
        found = qs.search_dashboards(
            AwsAccountId=ACCOUNT,
            Filters=[
                {
                    "Name": "QUICKSIGHT_VIEWER_OR_OWNER",
                    "Operator": "StringEquals",
                    "Value": user_arn,
                }
            ],
        )
        return [d["DashboardId"] for d in found["DashboardSummaryList"]]

    assert seen(there["Arn"]) == [dashboard]
    assert seen(here["Arn"]) == []


def test_another_accounts_key_is_denied(
    aws_server: AwsServer, qs: Any, other_key: Any, data_sets: tuple[str, str]
) -> None:
    sales, _ = data_sets
    create(qs, "mine", small(sales))
    theirs = aws_server.client("quicksight", other_key)
    for call in (
        lambda: theirs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="mine"),
        lambda: theirs.list_dashboards(AwsAccountId=ACCOUNT),
        lambda: theirs.delete_dashboard(AwsAccountId=ACCOUNT, DashboardId="mine"),
        lambda: theirs.create_dashboard(
            AwsAccountId=ACCOUNT, DashboardId="x", Name="x", Definition=small(sales)
        ),
    ):
        assert code_of(call) == "AccessDeniedException"
    assert qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="mine")["Status"] == 200


def test_bad_input_leaves_nothing_behind(qs: Any, data_sets: tuple[str, str]) -> None:
    sales, _ = data_sets
    refused = {
        "a missing folder": {"FolderArns": [arn("folder", "gone")]},
        "a bad principal": {
            "Permissions": [
                {"Principal": arn("user", "default", "ghost"), "Actions": DASHBOARD_VIEWER}
            ]
        },
        "an unknown theme": {"ThemeArn": arn("theme", "gone")},
    }
    template = {
        "SourceTemplate": {
            "Arn": arn("template", "gone"),
            "DataSetReferences": [{"DataSetPlaceholder": "sales", "DataSetArn": sales}],
        }
    }
    calls: dict[str, Callable[[str], object]] = {
        name: partial(lambda m, d: create(qs, d, small(sales), **m), members)
        for name, members in refused.items()
    }
    calls["a template that does not exist"] = lambda d: qs.create_dashboard(
        AwsAccountId=ACCOUNT, DashboardId=d, Name=d, SourceEntity=template
    )
    for name, call in calls.items():
        dashboard_id = unique("half")
        code = code_of(partial(call, dashboard_id))
        assert code in ("ResourceNotFoundException", "InvalidParameterValueException"), name
        describe = partial(qs.describe_dashboard, AwsAccountId=ACCOUNT, DashboardId=dashboard_id)
        assert code_of(describe) == "ResourceNotFoundException", name
    create(qs, "built-in-theme", small(sales), ThemeArn="arn:aws:quicksight::aws:theme/MIDNIGHT")
    assert (
        definition_of(qs, "built-in-theme")["ThemeArn"] == "arn:aws:quicksight::aws:theme/MIDNIGHT"
    )
    assert code_of(lambda: create(qs, "built-in-theme", small(sales))) == "ResourceExistsException"


def test_tags_on_create_and_by_arn(qs: Any, data_sets: tuple[str, str]) -> None:
    sales, _ = data_sets
    create(qs, "tagged", small(sales), Tags=[{"Key": "customer", "Value": "red"}])
    target = arn("dashboard", "tagged")
    qs.tag_resource(ResourceArn=target, Tags=[{"Key": "tier", "Value": "gold"}])
    assert qs.list_tags_for_resource(ResourceArn=target)["Tags"] == [
        {"Key": "customer", "Value": "red"},
        {"Key": "tier", "Value": "gold"},
    ]
    qs.untag_resource(ResourceArn=target, TagKeys=["customer"])
    assert qs.list_tags_for_resource(ResourceArn=target)["Tags"] == [
        {"Key": "tier", "Value": "gold"}
    ]
    missing = arn("dashboard", "untagged-nothing")
    assert code_of(lambda: qs.list_tags_for_resource(ResourceArn=missing)) == (
        "ResourceNotFoundException"
    )
