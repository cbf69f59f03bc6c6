"""Datasets through boto3 against a real server, over a real PostgreSQL source: stored and
described member for member with their output columns, listed, searched, shared, updated
and deleted; and the AWS errors of bad definitions, which leave nothing behind."""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

import pytest

from tests.analytics.data.catalog.conftest import (  # noqa: F401 -- source_database: a fixture
    PASSWORD,
    canary_rows,
    source_database,
)
from tests.e2e.aws.conftest import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    AwsServer,
    code_of,
    error_member,
    error_of,
    register,
    subscribe,
)

OWNER = [
    "quicksight:CancelIngestion",
    "quicksight:CreateIngestion",
    "quicksight:DeleteDataSet",
    "quicksight:DescribeDataSet",
    "quicksight:DescribeDataSetPermissions",
    "quicksight:DescribeIngestion",
    "quicksight:ListIngestions",
    "quicksight:PassDataSet",
    "quicksight:UpdateDataSet",
    "quicksight:UpdateDataSetPermissions",
]
SALES_COLUMNS = [
    {"Name": "id", "Type": "INTEGER"},
    {"Name": "region", "Type": "STRING"},
    {"Name": "customer", "Type": "STRING"},
    {"Name": "revenue", "Type": "DECIMAL"},
]


def arn(kind: str, resource_id: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{resource_id}"


SOURCE = arn("datasource", "warehouse")


@pytest.fixture(scope="module")
def warehouse(qs: Any, subscribed: str, source_database: dict[str, Any]) -> str:  # noqa: F811
    """A PostgreSQL source over the test tables; its ARN."""
    created = qs.create_data_source(
        AwsAccountId=ACCOUNT,
        DataSourceId="warehouse",
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
    assert created["CreationStatus"] == "CREATION_SUCCESSFUL"
    return str(created["Arn"])


def table(name: str = "sales", columns: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "RelationalTable": {
            "DataSourceArn": SOURCE,
            "Schema": "public",
            "Name": name,
            "InputColumns": SALES_COLUMNS if columns is None else columns,
        }
    }


def members(data_set_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "AwsAccountId": ACCOUNT,
        "DataSetId": data_set_id,
        "Name": f"data set {data_set_id}",
        "ImportMode": "DIRECT_QUERY",
        "PhysicalTableMap": {"sales": table()},
        **extra,
    }


def test_a_dataset_is_described_member_for_member(qs: Any, warehouse: str) -> None:
    qs.create_data_set(
        **members(
            "rules",
            UseAs="RLS_RULES",
            PhysicalTableMap={
                "r": table(
                    "rules",
                    [
                        {"Name": "UserName", "Type": "STRING"},
                        {"Name": "GroupName", "Type": "STRING"},
                        {"Name": "customer", "Type": "STRING"},
                    ],
                )
            },
        )
    )
    given = members(
        "common-sales",
        LogicalTableMap={
            "main": {
                "Alias": "sales",
                "Source": {"PhysicalTableId": "sales"},
                "DataTransforms": [
                    {"CastColumnTypeOperation": {"ColumnName": "id", "NewColumnType": "STRING"}},
                    {
                        "CreateColumnsOperation": {
                            "Columns": [
                                {
                                    "ColumnName": "big",
                                    "ColumnId": "big",
                                    "Expression": "ifelse({revenue} > 1000, 'yes', 'no')",
                                }
                            ]
                        }
                    },
                    {"FilterOperation": {"ConditionExpression": "{revenue} >= 0"}},
                ],
            }
        },
        RowLevelPermissionDataSet={
            "Arn": arn("dataset", "rules"),
            "PermissionPolicy": "GRANT_ACCESS",
            "FormatVersion": "VERSION_1",
            "Namespace": "default",
        },
        ColumnLevelPermissionRules=[
            {"Principals": [arn("group", "default/admins")], "ColumnNames": ["revenue"]}
        ],
        RowLevelPermissionTagConfiguration={
            "TagRules": [{"TagKey": "customer", "ColumnName": "customer", "MatchAllValue": "*"}]
        },
    )
    created = qs.create_data_set(**copy.deepcopy(given))
    assert created["Status"] == 201
    assert created["Arn"] == arn("dataset", "common-sales")
    described = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId="common-sales")["DataSet"]
    for name, value in given.items():
        if name != "AwsAccountId":
            assert described[name] == value, name
    assert described["OutputColumns"] == [
        {"Name": "id", "Type": "STRING"},
        {"Name": "region", "Type": "STRING"},
        {"Name": "customer", "Type": "STRING"},
        {"Name": "revenue", "Type": "DECIMAL"},
        {"Name": "big", "Type": "STRING"},
    ]
    assert described["ConsumedSpiceCapacityInBytes"] == 0
    assert described["CreatedTime"] <= described["LastUpdatedTime"]
    summaries = {
        s["DataSetId"]: s for s in qs.list_data_sets(AwsAccountId=ACCOUNT)["DataSetSummaries"]
    }
    summary = summaries["common-sales"]
    assert summary["ImportMode"] == "DIRECT_QUERY"
    assert summary["RowLevelPermissionDataSet"]["Arn"] == arn("dataset", "rules")
    assert summary["ColumnLevelPermissionRulesApplied"] is True
    assert summary["RowLevelPermissionTagConfigurationApplied"] is True
    assert summaries["rules"]["UseAs"] == "RLS_RULES"


def test_a_spice_dataset_answers_its_first_ingestion(qs: Any, warehouse: str) -> None:
    created = qs.create_data_set(**members("imported", ImportMode="SPICE"))
    assert created["IngestionId"]
    assert created["IngestionArn"] == (
        f"{arn('dataset', 'imported')}/ingestion/{created['IngestionId']}"
    )
    direct = qs.create_data_set(**members("direct"))
    assert "IngestionArn" not in direct


def test_update_replaces_and_delete_removes(qs: Any, warehouse: str) -> None:
    qs.create_data_set(**members("replaced"))
    narrower = members("replaced", PhysicalTableMap={"sales": table(columns=SALES_COLUMNS[:2])})
    updated = qs.update_data_set(**narrower)
    assert updated["Arn"] == arn("dataset", "replaced")
    described = qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId="replaced")["DataSet"]
    assert [c["Name"] for c in described["OutputColumns"]] == ["id", "region"]
    qs.delete_data_set(AwsAccountId=ACCOUNT, DataSetId="replaced")
    error = error_of(lambda: qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId="replaced"))
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    assert error_member(error, "ResourceType") == "DATA_SET"
    assert code_of(lambda: qs.update_data_set(**narrower)) == "ResourceNotFoundException"


def test_permissions_and_search_through_a_group(qs: Any, warehouse: str) -> None:
    register(qs, ACCOUNT, "default", "ds-reader")
    qs.create_group(AwsAccountId=ACCOUNT, Namespace="default", GroupName="ds-readers")
    qs.create_group_membership(
        AwsAccountId=ACCOUNT, Namespace="default", GroupName="ds-readers", MemberName="ds-reader"
    )
    qs.create_data_set(**members("shared", Name="Shared sales"))
    group = arn("group", "default/ds-readers")
    viewer = ["quicksight:DescribeDataSet", "quicksight:PassDataSet"]
    qs.update_data_set_permissions(
        AwsAccountId=ACCOUNT,
        DataSetId="shared",
        GrantPermissions=[{"Principal": group, "Actions": viewer}],
    )
    permissions = qs.describe_data_set_permissions(AwsAccountId=ACCOUNT, DataSetId="shared")
    assert permissions["Permissions"] == [{"Principal": group, "Actions": viewer}]
    found = qs.search_data_sets(
        AwsAccountId=ACCOUNT,
        Filters=[
            {
                "Name": "QUICKSIGHT_VIEWER_OR_OWNER",
                "Operator": "StringEquals",
                "Value": arn("user", "default/ds-reader"),
            }
        ],
    )
    assert [s["DataSetId"] for s in found["DataSetSummaries"]] == ["shared"]
    by_name = qs.search_data_sets(
        AwsAccountId=ACCOUNT,
        Filters=[{"Name": "DATASET_NAME", "Operator": "StringLike", "Value": "shared"}],
    )
    assert [s["DataSetId"] for s in by_name["DataSetSummaries"]] == ["shared"]


# -- bad input ---------------------------------------------------------------------------


def refused(qs: Any, given: dict[str, Any]) -> str:
    """The message of the InvalidParameterValueException creating ``given`` fails with;
    the dataset does not exist afterwards."""
    error = error_of(lambda: qs.create_data_set(**given))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert (
        code_of(lambda: qs.describe_data_set(AwsAccountId=ACCOUNT, DataSetId=given["DataSetId"]))
        == "ResourceNotFoundException"
    )
    return str(error.response["Error"]["Message"])


def test_a_table_or_column_the_source_lacks(qs: Any, warehouse: str) -> None:
    message = refused(qs, members("bad", PhysicalTableMap={"t": table("nope")}))
    assert "PhysicalTableMap.t.RelationalTable.Name" in message and "nope" in message
    columns = [*SALES_COLUMNS, {"Name": "margin", "Type": "DECIMAL"}]
    message = refused(qs, members("bad", PhysicalTableMap={"t": table(columns=columns)}))
    assert "InputColumns[4].Name" in message and "margin" in message


def test_foreign_and_unknown_data_source_arns(qs: Any, warehouse: str) -> None:
    for source in (arn("datasource", "warehouse", OTHER_ACCOUNT), arn("datasource", "nope")):
        physical = {
            "t": {"RelationalTable": {**table()["RelationalTable"], "DataSourceArn": source}}
        }
        message = refused(qs, members("bad", PhysicalTableMap=physical))
        assert "PhysicalTableMap.t.RelationalTable.DataSourceArn" in message


def test_a_rules_dataset_without_principal_columns(qs: Any, warehouse: str) -> None:
    qs.create_data_set(
        **members(
            "no-user-rules",
            PhysicalTableMap={
                "r": table("rules_no_user", [{"Name": "customer", "Type": "STRING"}])
            },
        )
    )
    message = refused(
        qs,
        members(
            "bad",
            RowLevelPermissionDataSet={
                "Arn": arn("dataset", "no-user-rules"),
                "PermissionPolicy": "GRANT_ACCESS",
            },
        ),
    )
    assert "UserName" in message and "GroupName" in message


def test_injection_in_names_and_sql_is_refused_and_never_runs(
    qs: Any,
    warehouse: str,
    source_database: dict[str, Any],  # noqa: F811
) -> None:
    logical = {
        "l": {
            "Alias": "l",
            "Source": {"PhysicalTableId": "sales"},
            "DataTransforms": [
                {"ProjectOperation": {"ProjectedColumns": ['id"; DROP TABLE canary; --']}}
            ],
        }
    }
    assert "ProjectedColumns[0]" in refused(qs, members("bad", LogicalTableMap=logical))
    physical = {
        "q": {
            "CustomSql": {
                "DataSourceArn": SOURCE,
                "Name": "q",
                "SqlQuery": "SELECT 1; DELETE FROM canary",
            }
        }
    }
    assert "CustomSql.SqlQuery" in refused(qs, members("bad", PhysicalTableMap=physical))
    expression = {
        "l": {
            "Alias": "l",
            "Source": {"PhysicalTableId": "sales"},
            "DataTransforms": [
                {
                    "CreateColumnsOperation": {
                        "Columns": [
                            {
                                "ColumnName": "x",
                                "ColumnId": "x",
                                "Expression": "1); DELETE FROM canary; --",
                            }
                        ]
                    }
                }
            ],
        }
    }
    assert "Expression" in refused(qs, members("bad", LogicalTableMap=expression))
    assert canary_rows(source_database) == 1


def test_direct_query_over_two_sources_is_refused(
    qs: Any,
    warehouse: str,
    source_database: dict[str, Any],  # noqa: F811
) -> None:
    qs.create_data_source(
        AwsAccountId=ACCOUNT,
        DataSourceId="warehouse-2",
        Name="second",
        Type="AURORA_POSTGRESQL",
        DataSourceParameters={
            "AuroraPostgreSqlParameters": {
                "Host": source_database["host"],
                "Port": source_database["port"],
                "Database": source_database["database"],
            }
        },
        Credentials={"CredentialPair": {"Username": source_database["user"], "Password": "x"}},
        SslProperties={"DisableSsl": True},
    )
    second = table("customers", [{"Name": "customer_id", "Type": "STRING"}])
    second["RelationalTable"]["DataSourceArn"] = arn("datasource", "warehouse-2")
    logical = {
        "a": {"Alias": "a", "Source": {"PhysicalTableId": "sales"}},
        "b": {"Alias": "b", "Source": {"PhysicalTableId": "second"}},
        "j": {
            "Alias": "j",
            "Source": {
                "JoinInstruction": {
                    "LeftOperand": "a",
                    "RightOperand": "b",
                    "Type": "INNER",
                    "OnClause": "{customer} = {customer_id}",
                }
            },
        },
    }
    given = members(
        "bad", PhysicalTableMap={"sales": table(), "second": second}, LogicalTableMap=logical
    )
    assert "DIRECT_QUERY reads one data source" in refused(qs, given)


def test_wrong_types_and_huge_values(
    aws_server: AwsServer, key: Any, qs: Any, warehouse: str
) -> None:
    lax = aws_server.client("quicksight", key, validate=False)
    changes: list[dict[str, Any]] = [
        {"ImportMode": "LIVE"},
        {
            "PhysicalTableMap": {
                "t": {"RelationalTable": {"DataSourceArn": SOURCE, "Name": 5, "InputColumns": []}}
            }
        },
        {"Name": "n" * 200_000},
        {"PhysicalTableMap": {f"t{i}": table() for i in range(40)}},
    ]
    for change in changes:
        error = error_of(partial(lax.create_data_set, **{**members("bad"), **change}))
        assert error.response["Error"]["Code"] == "InvalidParameterValueException"
        assert len(error.response["Error"]["Message"]) < 5000


def test_another_accounts_key_sees_none_of_them(
    aws_server: AwsServer, qs: Any, warehouse: str
) -> None:
    other = aws_server.client("quicksight", aws_server.new_key(OTHER_ACCOUNT))
    subscribe(other, OTHER_ACCOUNT, "datasets-other")
    qs.create_data_set(**members("mine"))
    assert code_of(lambda: other.describe_data_set(AwsAccountId=ACCOUNT, DataSetId="mine")) == (
        "AccessDeniedException"
    )
    assert other.list_data_sets(AwsAccountId=OTHER_ACCOUNT)["DataSetSummaries"] == []
    stolen = {**members("stolen"), "AwsAccountId": OTHER_ACCOUNT}
    error = error_of(lambda: other.create_data_set(**stolen))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
