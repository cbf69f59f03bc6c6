"""Analyses through boto3 against the real server: a definition back member for member,
updates, deletion with a recovery window (not listed, restorable), deletion at once,
permissions and SearchAnalyses, another account's key, and the AWS errors of bad input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics.assets.dashboards.samples import large, small, with_value
from tests.analytics.assets.dashboards.warehouse import arn, create_data_sets
from tests.analytics.data.catalog.conftest import source_database  # noqa: F401 -- a fixture
from tests.e2e.aws.conftest import ACCOUNT, AwsServer, code_of, error_of, register, unique

pytestmark = pytest.mark.e2e

VIEWER = ["quicksight:DescribeAnalysis", "quicksight:QueryAnalysis"]


@pytest.fixture(scope="module")
def data_sets(qs: Any, subscribed: str, source_database: dict[str, Any]) -> tuple[str, str]:  # noqa: F811
    return create_data_sets(qs, source_database, "analysis")


def create(qs: Any, analysis_id: str, definition: dict[str, Any], **members: Any) -> Any:
    return qs.create_analysis(
        AwsAccountId=ACCOUNT,
        AnalysisId=analysis_id,
        Name=members.pop("Name", analysis_id),
        Definition=definition,
        **members,
    )


def listed(qs: Any) -> list[str]:
    return [a["AnalysisId"] for a in qs.list_analyses(AwsAccountId=ACCOUNT)["AnalysisSummaryList"]]


def test_an_analysis_round_trip_update_and_delete_with_recovery(
    qs: Any, data_sets: tuple[str, str]
) -> None:
    sales, customers = data_sets
    definition = large(sales, customers)
    definition["QueryExecutionOptions"] = {"QueryExecutionMode": "AUTO"}
    created = create(qs, "authoring", definition, Tags=[{"Key": "team", "Value": "red"}])
    assert created["CreationStatus"] == "CREATION_SUCCESSFUL"
    found = qs.describe_analysis_definition(AwsAccountId=ACCOUNT, AnalysisId="authoring")
    assert found["Definition"] == definition
    described = qs.describe_analysis(AwsAccountId=ACCOUNT, AnalysisId="authoring")["Analysis"]
    assert described["DataSetArns"] == [sales, customers]
    assert [s["SheetId"] for s in described["Sheets"]] == ["overview", "details"]
    updated = qs.update_analysis(
        AwsAccountId=ACCOUNT, AnalysisId="authoring", Name="Authoring 2", Definition=small(sales)
    )
    assert updated["UpdateStatus"] == "UPDATE_SUCCESSFUL"
    assert qs.describe_analysis_definition(AwsAccountId=ACCOUNT, AnalysisId="authoring")[
        "Definition"
    ] == small(sales)
    assert "authoring" in listed(qs)
    deleted = qs.delete_analysis(
        AwsAccountId=ACCOUNT, AnalysisId="authoring", RecoveryWindowInDays=7
    )
    assert deleted["DeletionTime"] is not None
    assert "authoring" not in listed(qs)
    status = qs.describe_analysis(AwsAccountId=ACCOUNT, AnalysisId="authoring")["Analysis"][
        "Status"
    ]
    assert status == "DELETED"
    assert (
        code_of(
            lambda: qs.update_analysis(
                AwsAccountId=ACCOUNT, AnalysisId="authoring", Name="x", Definition=small(sales)
            )
        )
        == "PreconditionNotMetException"
    )
    assert code_of(lambda: create(qs, "authoring", small(sales))) == "ResourceExistsException"
    qs.restore_analysis(AwsAccountId=ACCOUNT, AnalysisId="authoring")
    assert "authoring" in listed(qs)
    assert qs.describe_analysis(AwsAccountId=ACCOUNT, AnalysisId="authoring")["Analysis"][
        "Name"
    ] == ("Authoring 2")
    qs.delete_analysis(
        AwsAccountId=ACCOUNT, AnalysisId="authoring", ForceDeleteWithoutRecovery=True
    )
    assert (
        code_of(lambda: qs.describe_analysis(AwsAccountId=ACCOUNT, AnalysisId="authoring"))
        == "ResourceNotFoundException"
    )
    create(qs, "authoring", small(sales))  # the id is free again
    both = lambda: qs.delete_analysis(  # noqa: E731
        AwsAccountId=ACCOUNT,
        AnalysisId="authoring",
        RecoveryWindowInDays=7,
        ForceDeleteWithoutRecovery=True,
    )
    assert code_of(both) == "InvalidParameterValueException"


def test_strict_lenient_permissions_and_search(qs: Any, data_sets: tuple[str, str]) -> None:
    sales, _ = data_sets
    broken = with_value(
        small(sales),
        "gone",
        "Sheets",
        0,
        "Visuals",
        0,
        "BarChartVisual",
        "ChartConfiguration",
        "SortConfiguration",
        "CategorySort",
        0,
        "FieldSort",
        "FieldId",
    )
    error = error_of(lambda: create(qs, "broken", broken))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "CategorySort[0].FieldSort.FieldId" in str(error)
    create(qs, "broken", broken, ValidationStrategy={"Mode": "LENIENT"})
    errors = qs.describe_analysis(AwsAccountId=ACCOUNT, AnalysisId="broken")["Analysis"]["Errors"]
    assert [e["Type"] for e in errors] == ["SOURCE_NOT_FOUND"]

    reader = register(qs, ACCOUNT, "default", unique("reader"))
    shared = unique("shared")
    create(qs, shared, small(sales), Permissions=[{"Principal": reader["Arn"], "Actions": VIEWER}])
    granted = qs.describe_analysis_permissions(AwsAccountId=ACCOUNT, AnalysisId=shared)
    assert granted["Permissions"] == [{"Principal": reader["Arn"], "Actions": sorted(VIEWER)}]

    def search(value: str) -> list[str]:
        found = qs.search_analyses(
            AwsAccountId=ACCOUNT,
            Filters=[
                {"Name": "QUICKSIGHT_VIEWER_OR_OWNER", "Operator": "StringEquals", "Value": value}
            ],
        )
        return [a["AnalysisId"] for a in found["AnalysisSummaryList"]]

    assert search(reader["Arn"]) == [shared]
    qs.delete_analysis(AwsAccountId=ACCOUNT, AnalysisId=shared)
    assert search(reader["Arn"]) == []  # deleted: not searched
    qs.restore_analysis(AwsAccountId=ACCOUNT, AnalysisId=shared)
    assert search(reader["Arn"]) == [shared]
    qs.update_analysis_permissions(
        AwsAccountId=ACCOUNT,
        AnalysisId=shared,
        RevokePermissions=[{"Principal": reader["Arn"], "Actions": VIEWER}],
    )
    assert search(reader["Arn"]) == []
    by_name = qs.search_analyses(
        AwsAccountId=ACCOUNT,
        Filters=[{"Name": "ANALYSIS_NAME", "Operator": "StringLike", "Value": "BROK"}],
    )
    assert [a["AnalysisId"] for a in by_name["AnalysisSummaryList"]] == ["broken"]


def test_another_accounts_key_is_denied(
    aws_server: AwsServer, qs: Any, other_key: Any, data_sets: tuple[str, str]
) -> None:
    sales, _ = data_sets
    create(qs, "ours", small(sales))
    theirs = aws_server.client("quicksight", other_key)
    assert (
        code_of(lambda: theirs.describe_analysis(AwsAccountId=ACCOUNT, AnalysisId="ours"))
        == "AccessDeniedException"
    )
    assert (
        code_of(lambda: theirs.delete_analysis(AwsAccountId=ACCOUNT, AnalysisId="ours"))
        == "AccessDeniedException"
    )
    foreign = small(arn("dataset", "analysis-sales", account="444455556666"))
    assert code_of(lambda: create(qs, "foreign", foreign)) == "InvalidParameterValueException"
