"""``sightgate dashboards render``: a dashboard's sheet as one of its viewers sees it,
from a real store and a SPICE dataset uploaded with the CLI; the rows checked against
SQL run on the uploaded file directly, and a user without the dashboard refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.directory.model import SubscriptionRequest, UserRegistration
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.platform.events import Actor
from sightgate.store.migrate import upgrade
from tests.e2e.helpers import cli_env, run_cli, run_json

ACCOUNT = "111122223333"
PREFIX = f"arn:aws:quicksight:us-east-1:{ACCOUNT}"
ACTOR = Actor("test", "setup")
ROWS = [
    ("red_customer", "EMEA", "Enterprise", 10.5),
    ("red_customer", "US", "SMB", 5.0),
    ("blue_customer", "US", "Enterprise", 20.0),
    ("blue_customer", "APAC", "SMB", 7.25),
    ("blue_customer", "EMEA", "SMB", 1.0),
]


def _column(name: str) -> dict[str, str]:
    return {"DataSetIdentifier": "sales", "ColumnName": name}


DEFINITION: dict[str, Any] = {
    "DataSetIdentifierDeclarations": [
        {"Identifier": "sales", "DataSetArn": f"{PREFIX}:dataset/sales"}
    ],
    "ParameterDeclarations": [
        {
            "StringParameterDeclaration": {
                "Name": "pSegment",
                "ParameterValueType": "MULTI_VALUED",
                "DefaultValues": {"StaticValues": ["Enterprise", "SMB"]},
            }
        }
    ],
    "FilterGroups": [
        {
            "FilterGroupId": "fg-segment",
            "CrossDataset": "SINGLE_DATASET",
            "ScopeConfiguration": {"AllSheets": {}},
            "Filters": [
                {
                    "CategoryFilter": {
                        "FilterId": "f-segment",
                        "Column": _column("segment"),
                        "Configuration": {
                            "CustomFilterConfiguration": {
                                "MatchOperator": "EQUALS",
                                "ParameterName": "pSegment",
                                "NullOption": "NON_NULLS_ONLY",
                            }
                        },
                    }
                }
            ],
        }
    ],
    "Sheets": [
        {
            "SheetId": "overview",
            "Name": "Overview",
            "Visuals": [
                {
                    "BarChartVisual": {
                        "VisualId": "by-region",
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
                                                "Column": _column("region"),
                                            }
                                        }
                                    ],
                                    "Values": [
                                        {
                                            "NumericalMeasureField": {
                                                "FieldId": "revenue",
                                                "Column": _column("revenue"),
                                                "AggregationFunction": {
                                                    "SimpleNumericalAggregation": "SUM"
                                                },
                                            }
                                        }
                                    ],
                                }
                            },
                            "SortConfiguration": {
                                "CategorySort": [
                                    {"FieldSort": {"FieldId": "revenue", "Direction": "DESC"}}
                                ]
                            },
                        },
                    }
                },
                {
                    "KPIVisual": {
                        "VisualId": "customers",
                        "ChartConfiguration": {
                            "FieldWells": {
                                "Values": [
                                    {
                                        "CategoricalMeasureField": {
                                            "FieldId": "n",
                                            "Column": _column("customer"),
                                            "AggregationFunction": "DISTINCT_COUNT",
                                        }
                                    }
                                ]
                            }
                        },
                    }
                },
                {"ScatterPlotVisual": {"VisualId": "scatter"}},
            ],
        }
    ],
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An embedded store with the account, alice and bob, the uploaded dataset, and a
    dashboard alice may view."""
    data_dir = tmp_path / "data"
    running = Services.build(Settings(data_dir=data_dir))
    upgrade(running.db)
    running.directory.accounts.create_subscription(
        ACCOUNT,
        SubscriptionRequest(
            account_name="acme",
            notification_email="ops@example.com",
            authentication_method="IAM_AND_QUICKSIGHT",
        ),
        region="us-east-1",
        actor=ACTOR,
    )
    for name in ("alice", "bob"):
        registration = UserRegistration(
            identity_type="QUICKSIGHT",
            email=f"{name}@example.com",
            user_role="READER",
            user_name=name,
        )
        running.directory.users.register(ACCOUNT, "default", registration, actor=ACTOR)
    env = cli_env(data_dir, None)
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "customer,region,segment,revenue\n" + "".join(f"{c},{r},{s},{v}\n" for c, r, s, v in ROWS)
    )
    done = run_json(
        env, "datasets", "upload", str(sales), "--account-id", ACCOUNT, "--data-set-id", "sales"
    )
    assert done["IngestionStatus"] == "COMPLETED"
    viewer = sorted(STANDARD[ResourceType.DASHBOARD].viewer)
    running.dashboards.create(
        ACCOUNT,
        "common",
        {
            "Name": "Common",
            "Definition": DEFINITION,
            "Permissions": [{"Principal": f"{PREFIX}:user/default/alice", "Actions": viewer}],
        },
        actor=ACTOR,
    )
    running.db.dispose()
    return env


def _reference(sql: str, params: list[Any] | None = None) -> list[list[Any]]:
    with duckdb.connect() as duck:
        duck.execute(
            "CREATE TABLE sales (customer TEXT, region TEXT, segment TEXT, revenue DOUBLE)"
        )
        duck.executemany("INSERT INTO sales VALUES (?, ?, ?, ?)", ROWS)
        return [list(row) for row in duck.execute(sql, params or []).fetchall()]


def _render(env: dict[str, str], *args: str) -> dict[str, Any]:
    found: dict[str, Any] = run_json(
        env, "dashboards", "render", "--account-id", ACCOUNT, "--dashboard-id", "common", *args
    )
    return found


def test_render_as_a_viewer(env: dict[str, str]) -> None:
    document = _render(env, "--as-user", "alice")
    assert document["Sheet"] == {"SheetId": "overview", "Name": "Overview"}
    visuals = {v["VisualId"]: v for v in document["Visuals"]}
    bar = visuals["by-region"]
    assert (bar["Type"], bar["State"], bar["Title"], bar["Error"]) == (
        "BarChartVisual",
        "ready",
        "Revenue by region",
        None,
    )
    assert [(c["Name"], c["Role"]) for c in bar["Columns"]] == [
        ("region", "DIMENSION"),
        ("revenue", "MEASURE"),
    ]
    assert bar["Rows"] == _reference(
        "SELECT region, SUM(revenue) FROM sales GROUP BY 1 ORDER BY 2 DESC"
    )
    assert visuals["customers"]["Rows"] == _reference("SELECT COUNT(DISTINCT customer) FROM sales")
    assert visuals["scatter"]["State"] == "unsupported"
    assert visuals["scatter"]["Error"] == "visual type ScatterPlotVisual is not supported"


def test_parameters_and_text_output(env: dict[str, str]) -> None:
    document = _render(env, "--as-user", "alice", "--param", "pSegment=SMB", "--sheet", "overview")
    bar = next(v for v in document["Visuals"] if v["VisualId"] == "by-region")
    assert bar["Rows"] == _reference(
        "SELECT region, SUM(revenue) FROM sales WHERE segment = 'SMB' GROUP BY 1 ORDER BY 2 DESC"
    )
    shown = run_cli(
        env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        "common",
        "--as-user",
        "alice",
    )
    assert shown.returncode == 0, shown.stderr
    assert "by-region BarChartVisual 'Revenue by region': ready" in shown.stdout
    assert "scatter ScatterPlotVisual: unsupported" in shown.stdout


def test_a_user_without_the_dashboard_and_bad_input(env: dict[str, str]) -> None:
    denied = run_cli(
        env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        "common",
        "--as-user",
        "bob",
    )
    assert denied.returncode == 1
    assert "access denied" in denied.stderr
    assert denied.stdout == ""
    unknown = run_cli(
        env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        "common",
        "--as-user",
        "alice",
        "--param",
        "pOther=1",
    )
    assert unknown.returncode == 1 and "no parameter 'pOther' is declared" in unknown.stderr
    malformed = run_cli(
        env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        "common",
        "--as-user",
        "alice",
        "--param",
        "nothing",
    )
    assert malformed.returncode == 2
