"""Templates through boto3 against the real server: a definition back member for member,
versions, aliases and ``max-result`` on the wire, permissions and tags, another
account's key, bad input writing nothing; and over a real PostgreSQL source, one
template deployed as two customers' dashboards with their own datasets and themes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.analytics.data.catalog.conftest import (  # noqa: F401 -- source_database: a fixture
    PASSWORD,
    source_database,
)
from tests.e2e.aws.conftest import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    AwsServer,
    code_of,
    error_of,
    register,
    unique,
)

pytestmark = pytest.mark.e2e

TEMPLATE_OWNER = sorted(
    f"quicksight:{action}"
    for action in (
        "DescribeTemplate",
        "DescribeTemplateAlias",
        "ListTemplateAliases",
        "ListTemplateVersions",
        "UpdateTemplate",
        "DeleteTemplate",
        "CreateTemplateAlias",
        "UpdateTemplateAlias",
        "DeleteTemplateAlias",
        "DescribeTemplatePermissions",
        "UpdateTemplatePermissions",
    )
)


def arn(kind: str, *parts: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{'/'.join(parts)}"


def column(name: str) -> dict[str, str]:
    return {"DataSetIdentifier": "sales", "ColumnName": name}


DEFINITION: dict[str, Any] = {
    "DataSetConfigurations": [
        {
            "Placeholder": "sales",
            "DataSetSchema": {
                "ColumnSchemaList": [
                    {"Name": "region", "DataType": "STRING"},
                    {"Name": "revenue", "DataType": "DECIMAL"},
                ]
            },
            "ColumnGroupSchemaList": [],
        }
    ],
    "Sheets": [
        {
            "SheetId": "overview",
            "Name": "Overview",
            "Visuals": [
                {
                    "BarChartVisual": {
                        "VisualId": "bar1",
                        "Title": {
                            "Visibility": "VISIBLE",
                            "FormatText": {"PlainText": "Revenue by region"},
                        },
                        "ChartConfiguration": {
                            "FieldWells": {
                                "BarChartAggregatedFieldWells": {
                                    "Category": [
                                        {
                                            "CategoricalDimensionField": {
                                                "FieldId": "region",
                                                "Column": column("region"),
                                            }
                                        }
                                    ],
                                    "Values": [
                                        {
                                            "NumericalMeasureField": {
                                                "FieldId": "revenue_sum",
                                                "Column": column("revenue"),
                                                "AggregationFunction": {
                                                    "SimpleNumericalAggregation": "SUM"
                                                },
                                            }
                                        }
                                    ],
                                }
                            },
                            "Orientation": "VERTICAL",
                            "BarsArrangement": "CLUSTERED",
                        },
                    }
                }
            ],
        }
    ],
    "CalculatedFields": [
        {"DataSetIdentifier": "sales", "Name": "double_revenue", "Expression": "revenue * 2"}
    ],
}


def create(qs: Any, template_id: str, **members: Any) -> dict[str, Any]:
    given = {"Name": template_id, "Definition": copy.deepcopy(DEFINITION), **members}
    sent = {name: value for name, value in given.items() if value is not None}
    return dict(qs.create_template(AwsAccountId=ACCOUNT, TemplateId=template_id, **sent))


def template_ids(qs: Any) -> list[str]:
    found: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = qs.list_templates(AwsAccountId=ACCOUNT, MaxResults=100, **token)
        found += [t["TemplateId"] for t in page["TemplateSummaryList"]]
        if "NextToken" not in page:
            return found
        token = {"NextToken": page["NextToken"]}


def test_a_definition_comes_back_member_for_member_and_updates_make_versions(
    qs: Any, subscribed: str
) -> None:
    created = create(qs, "sales-v", VersionDescription="first")
    assert created["Status"] == 202
    assert created["Arn"] == arn("template", "sales-v")
    assert created["VersionArn"] == arn("template", "sales-v", "version", "1")
    assert created["CreationStatus"] == "CREATION_SUCCESSFUL"
    found = qs.describe_template_definition(AwsAccountId=ACCOUNT, TemplateId="sales-v")
    assert found["Definition"] == DEFINITION
    assert found["ResourceStatus"] == "CREATION_SUCCESSFUL"
    assert "Errors" not in found

    changed = copy.deepcopy(DEFINITION)
    changed["Sheets"][0]["Name"] = "Overview v2"
    updated = qs.update_template(
        AwsAccountId=ACCOUNT, TemplateId="sales-v", Name="renamed", Definition=changed
    )
    assert updated["VersionArn"] == arn("template", "sales-v", "version", "2")
    described = qs.describe_template(AwsAccountId=ACCOUNT, TemplateId="sales-v")["Template"]
    assert described["Name"] == "renamed"
    assert described["Version"]["VersionNumber"] == 2
    assert described["Version"]["Sheets"] == [{"SheetId": "overview", "Name": "Overview v2"}]
    assert described["Version"]["DataSetConfigurations"] == DEFINITION["DataSetConfigurations"]
    first = qs.describe_template(AwsAccountId=ACCOUNT, TemplateId="sales-v", VersionNumber=1)
    assert first["Template"]["Version"]["Description"] == "first"
    old = qs.describe_template_definition(
        AwsAccountId=ACCOUNT, TemplateId="sales-v", VersionNumber=1
    )
    assert old["Definition"] == DEFINITION
    page = qs.list_template_versions(AwsAccountId=ACCOUNT, TemplateId="sales-v", MaxResults=1)
    assert [v["VersionNumber"] for v in page["TemplateVersionSummaryList"]] == [1]
    rest = qs.list_template_versions(
        AwsAccountId=ACCOUNT, TemplateId="sales-v", NextToken=page["NextToken"]
    )
    assert [v["VersionNumber"] for v in rest["TemplateVersionSummaryList"]] == [2]


def test_list_templates_and_aliases_send_max_result_and_page_by_it(
    qs: Any, subscribed: str
) -> None:
    for template_id in ("page-a", "page-b", "page-c"):
        create(qs, template_id)
    sent: list[str] = []
    qs.meta.events.register("before-send.quicksight", lambda request, **_: sent.append(request.url))
    try:
        pages = []
        token: dict[str, str] = {}
        while True:
            page = qs.list_templates(AwsAccountId=ACCOUNT, MaxResults=1, **token)
            assert len(page["TemplateSummaryList"]) == 1
            pages.append(page["TemplateSummaryList"][0]["TemplateId"])
            if "NextToken" not in page:
                break
            token = {"NextToken": page["NextToken"]}
        for alias in ("a1", "a2"):
            qs.create_template_alias(
                AwsAccountId=ACCOUNT, TemplateId="page-a", AliasName=alias, TemplateVersionNumber=1
            )
        first = qs.list_template_aliases(AwsAccountId=ACCOUNT, TemplateId="page-a", MaxResults=1)
        second = qs.list_template_aliases(
            AwsAccountId=ACCOUNT, TemplateId="page-a", MaxResults=1, NextToken=first["NextToken"]
        )
    finally:
        qs.meta.events.unregister("before-send.quicksight")
    assert {"page-a", "page-b", "page-c"} <= set(pages) and len(pages) == len(set(pages))
    assert [a["AliasName"] for a in first["TemplateAliasList"] + second["TemplateAliasList"]] == [
        "a1",
        "a2",
    ]
    lists = [url for url in sent if "/templates?" in url or "/aliases?" in url]
    assert lists and all("max-result=1" in url and "max-results" not in url for url in lists)


def test_aliases_name_versions_and_deleting_keeps_them_whole(qs: Any, subscribed: str) -> None:
    create(qs, "aliased")
    qs.update_template(AwsAccountId=ACCOUNT, TemplateId="aliased", Definition=DEFINITION)
    alias = qs.create_template_alias(
        AwsAccountId=ACCOUNT, TemplateId="aliased", AliasName="prod", TemplateVersionNumber=1
    )["TemplateAlias"]
    assert alias == {
        "AliasName": "prod",
        "Arn": arn("template", "aliased", "alias", "prod"),
        "TemplateVersionNumber": 1,
    }

    def version_of(**query: Any) -> int:
        found = qs.describe_template(AwsAccountId=ACCOUNT, TemplateId="aliased", **query)
        return int(found["Template"]["Version"]["VersionNumber"])

    assert version_of(AliasName="prod") == 1
    assert version_of(AliasName="$LATEST") == 2
    bad = error_of(lambda: version_of(AliasName="$PUBLISHED"))
    assert bad.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "$PUBLISHED" in bad.response["Error"]["Message"]
    assert (
        code_of(
            lambda: qs.create_template_alias(
                AwsAccountId=ACCOUNT,
                TemplateId="aliased",
                AliasName="prod",
                TemplateVersionNumber=2,
            )
        )
        == "ResourceExistsException"
    )
    refused = error_of(
        lambda: qs.delete_template(AwsAccountId=ACCOUNT, TemplateId="aliased", VersionNumber=1)
    )
    assert "prod" in refused.response["Error"]["Message"]
    qs.update_template_alias(
        AwsAccountId=ACCOUNT, TemplateId="aliased", AliasName="prod", TemplateVersionNumber=2
    )
    described = qs.describe_template_alias(
        AwsAccountId=ACCOUNT, TemplateId="aliased", AliasName="prod"
    )
    assert described["TemplateAlias"]["TemplateVersionNumber"] == 2
    qs.delete_template(AwsAccountId=ACCOUNT, TemplateId="aliased", VersionNumber=1)
    assert version_of() == 2
    assert code_of(lambda: version_of(VersionNumber=1)) == "ResourceNotFoundException"
    deleted = qs.delete_template_alias(AwsAccountId=ACCOUNT, TemplateId="aliased", AliasName="prod")
    assert deleted["Arn"] == alias["Arn"]
    gone = qs.delete_template(AwsAccountId=ACCOUNT, TemplateId="aliased")
    assert gone["Arn"] == arn("template", "aliased")
    assert (
        code_of(lambda: qs.describe_template(AwsAccountId=ACCOUNT, TemplateId="aliased"))
        == "ResourceNotFoundException"
    )


def test_permissions_and_tags(qs: Any, subscribed: str) -> None:
    user = register(qs, ACCOUNT, "default", unique("author"))
    created = create(
        qs,
        "shared",
        Permissions=[{"Principal": user["Arn"], "Actions": TEMPLATE_OWNER}],
        Tags=[{"Key": "customer", "Value": "red"}],
    )
    found = qs.describe_template_permissions(AwsAccountId=ACCOUNT, TemplateId="shared")
    assert found["TemplateArn"] == created["Arn"]
    assert found["Permissions"] == [{"Principal": user["Arn"], "Actions": TEMPLATE_OWNER}]
    after = qs.update_template_permissions(
        AwsAccountId=ACCOUNT,
        TemplateId="shared",
        RevokePermissions=[{"Principal": user["Arn"], "Actions": ["quicksight:DeleteTemplate"]}],
    )
    assert "quicksight:DeleteTemplate" not in after["Permissions"][0]["Actions"]
    qs.tag_resource(ResourceArn=created["Arn"], Tags=[{"Key": "tier", "Value": "gold"}])
    tags = qs.list_tags_for_resource(ResourceArn=created["Arn"])["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("customer", "red"), ("tier", "gold")]
    qs.untag_resource(ResourceArn=created["Arn"], TagKeys=["customer"])
    assert qs.list_tags_for_resource(ResourceArn=created["Arn"])["Tags"] == [
        {"Key": "tier", "Value": "gold"}
    ]


def test_another_accounts_key_is_denied(aws_server: AwsServer, qs: Any, other_key: Any) -> None:
    create(qs, "private")
    other = aws_server.client("quicksight", other_key)
    for call in (
        lambda: other.describe_template(AwsAccountId=ACCOUNT, TemplateId="private"),
        lambda: other.list_templates(AwsAccountId=ACCOUNT),
        lambda: other.delete_template(AwsAccountId=ACCOUNT, TemplateId="private"),
        lambda: other.create_template_alias(
            AwsAccountId=ACCOUNT, TemplateId="private", AliasName="x", TemplateVersionNumber=1
        ),
    ):
        assert code_of(call) == "AccessDeniedException"
    assert (
        code_of(lambda: other.list_tags_for_resource(ResourceArn=arn("template", "private")))
        == "ResourceNotFoundException"
    )
    assert other_key.account_id == OTHER_ACCOUNT
    assert "private" in template_ids(qs)


def test_bad_input_gets_its_error_and_writes_nothing(qs: Any, subscribed: str) -> None:
    before = template_ids(qs)
    dangling = copy.deepcopy(DEFINITION)
    dangling["CalculatedFields"][0]["DataSetIdentifier"] = "ghost"
    refused = error_of(lambda: create(qs, "bad", Definition=dangling))
    assert refused.response["Error"]["Code"] == "InvalidParameterValueException"
    assert (
        "Definition.CalculatedFields[0].DataSetIdentifier" in refused.response["Error"]["Message"]
    )
    duplicate = copy.deepcopy(DEFINITION)
    duplicate["DataSetConfigurations"] *= 2
    assert code_of(lambda: create(qs, "bad", Definition=duplicate)) == (
        "InvalidParameterValueException"
    )
    missing = {"SourceTemplate": {"Arn": arn("template", "nowhere")}}
    assert (
        code_of(lambda: create(qs, "bad", Definition=None, SourceEntity=missing))
        == "ResourceNotFoundException"
    )
    assert (
        code_of(lambda: qs.create_template(AwsAccountId=ACCOUNT, TemplateId="bad", Name="x"))
        == "InvalidParameterValueException"
    )
    assert template_ids(qs) == before
    lenient = create(qs, "lenient", Definition=dangling, ValidationStrategy={"Mode": "LENIENT"})
    found = qs.describe_template(AwsAccountId=ACCOUNT, TemplateId="lenient")["Template"]
    assert [e["Type"] for e in found["Version"]["Errors"]] == ["DATA_SET_NOT_FOUND"]
    assert lenient["CreationStatus"] == "CREATION_SUCCESSFUL"
    copied = create(
        qs,
        "copied",
        Definition=None,
        SourceEntity={"SourceTemplate": {"Arn": arn("template", "lenient", "version", "1")}},
        ValidationStrategy={"Mode": "LENIENT"},
    )
    assert copied["CreationStatus"] == "CREATION_SUCCESSFUL"
    again = qs.describe_template_definition(AwsAccountId=ACCOUNT, TemplateId="copied")
    assert again["Definition"] == dangling


# -- two customers, one template -----------------------------------------------------------


@pytest.fixture(scope="module")
def customer_data(qs: Any, subscribed: str, source_database: dict[str, Any]) -> dict[str, str]:  # noqa: F811
    """A PostgreSQL source and three datasets over its sales table: red's, blue's, and
    one without revenue. Dataset ARNs by name."""
    source = qs.create_data_source(
        AwsAccountId=ACCOUNT,
        DataSourceId="tmpl-warehouse",
        Name="warehouse",
        Type="POSTGRESQL",
        DataSourceParameters={
            "PostgreSqlParameters": {
                "Host": source_database["host"],
                "Port": source_database["port"],
                "Database": source_database["database"],
            }
        },
        Credentials={"CredentialPair": {"Username": source_database["user"], "Password": PASSWORD}},
        SslProperties={"DisableSsl": True},
    )
    columns = [
        {"Name": "id", "Type": "INTEGER"},
        {"Name": "region", "Type": "STRING"},
        {"Name": "customer", "Type": "STRING"},
        {"Name": "revenue", "Type": "DECIMAL"},
    ]
    made: dict[str, str] = {}
    for name, wanted in (
        ("red-sales", columns),
        ("blue-sales", columns),
        ("thin-sales", columns[:3]),
    ):
        created = qs.create_data_set(
            AwsAccountId=ACCOUNT,
            DataSetId=name,
            Name=name,
            ImportMode="DIRECT_QUERY",
            PhysicalTableMap={
                "sales": {
                    "RelationalTable": {
                        "DataSourceArn": source["Arn"],
                        "Schema": "public",
                        "Name": "sales",
                        "InputColumns": wanted,
                    }
                }
            },
        )
        made[name] = str(created["Arn"])
    return made


def test_one_template_is_deployed_for_two_customers_with_their_data_and_themes(
    qs: Any, customer_data: dict[str, str]
) -> None:
    template = create(qs, "customer-sales")["Arn"]
    for customer, accent in (("red", "#C0392B"), ("blue", "#1F4E79")):
        theme = qs.create_theme(
            AwsAccountId=ACCOUNT,
            ThemeId=f"{customer}-brand",
            Name=f"{customer} brand",
            BaseThemeId="CLASSIC",
            Configuration={"UIColorPalette": {"Accent": accent}},
        )
        created = qs.create_dashboard(
            AwsAccountId=ACCOUNT,
            DashboardId=f"{customer}-sales",
            Name=f"{customer} sales",
            SourceEntity={
                "SourceTemplate": {
                    "Arn": template,
                    "DataSetReferences": [
                        {
                            "DataSetPlaceholder": "sales",
                            "DataSetArn": customer_data[f"{customer}-sales"],
                        }
                    ],
                }
            },
            ThemeArn=theme["Arn"],
        )
        assert created["CreationStatus"] == "CREATION_SUCCESSFUL"
        found = qs.describe_dashboard_definition(
            AwsAccountId=ACCOUNT, DashboardId=f"{customer}-sales"
        )
        assert found["ThemeArn"] == theme["Arn"]
        assert found["Definition"]["DataSetIdentifierDeclarations"] == [
            {"Identifier": "sales", "DataSetArn": customer_data[f"{customer}-sales"]}
        ]
        assert found["Definition"]["Sheets"] == DEFINITION["Sheets"]
        described = qs.describe_theme(AwsAccountId=ACCOUNT, ThemeId=f"{customer}-brand")
        assert described["Theme"]["Version"]["Configuration"]["UIColorPalette"] == {
            "Accent": accent
        }

    def deploy(references: list[dict[str, str]]) -> Any:
        return lambda: qs.create_dashboard(
            AwsAccountId=ACCOUNT,
            DashboardId="mismatch",
            Name="mismatch",
            SourceEntity={"SourceTemplate": {"Arn": template, "DataSetReferences": references}},
        )

    red = customer_data["red-sales"]
    for references, words in (
        ([{"DataSetPlaceholder": "other", "DataSetArn": red}], "no placeholder 'other'"),
        (
            [
                {"DataSetPlaceholder": "sales", "DataSetArn": red},
                {"DataSetPlaceholder": "sales", "DataSetArn": red},
            ],
            "given twice",
        ),
        (
            [{"DataSetPlaceholder": "sales", "DataSetArn": customer_data["thin-sales"]}],
            "no column 'revenue'",
        ),
        (
            [{"DataSetPlaceholder": "sales", "DataSetArn": arn("dataset", "nowhere")}],
            "names no dataset",
        ),
    ):
        refused = error_of(deploy(references))
        assert refused.response["Error"]["Code"] == "InvalidParameterValueException"
        assert words in refused.response["Error"]["Message"]
    assert (
        code_of(lambda: qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="mismatch"))
        == "ResourceNotFoundException"
    )
