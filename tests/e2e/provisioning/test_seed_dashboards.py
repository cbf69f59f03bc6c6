"""The seed scenario's dashboards, end to end: both designs of the blog post, through boto3
on the real server, with the identities pushed over SCIM and provisioned by a worker.

- Design 1: ``red-customer-dashboard`` on ``red-sales`` in the folder ``red-customer``
  (shared with ``red-customer-grp``), and its blue twin;
- design 2: ``common-dashboard`` on ``common-sales`` (row-level security by customer
  group) in ``common-assets``, shared with both customer groups.

The scenario's admins see everything because ``qs-admin-grp`` owns the three folders, as
an ISV's admin group would (an ADMIN role manages the account; it is granted no asset:
docs/sharing.md). ``SearchDashboards`` for each user of the scenario's ``expected`` returns
exactly their dashboards; ``sightgate dashboards render`` of ``common-dashboard`` shows
each only their customer's rows; ``sightgate access explain`` names the path. Then the
lifecycle: ``red-customer-reader-3`` joins through SCIM and sees the red dashboards once
the worker has provisioned them, with no other step; deleted in the IdP, they lose
everything on the very next request. Last, folder inheritance three levels deep, with a
revocation at the top seen at once below.

The source tables live in a scratch PostgreSQL database (so the module needs
``SIGHTGATE_TEST_DATABASE_URL``); the store is the embedded one. Each test leaves the
folders and dashboards as the scenario has them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import yaml
from psycopg import sql
from sqlalchemy import make_url

from sightgate.demo.sales import sales_rows
from sightgate.platform.db import normalize_url
from tests.e2e.helpers import run_cli, run_json
from tests.e2e.provisioning.conftest import (
    REGION,
    SCENARIO_FILE,
    Deployment,
    Scenario,
    deployment,
    wait_for,
)
from tests.e2e.provisioning.test_seed_data import (
    PG_ENTRY_URL,
    RULES,
    SALES_COLUMNS,
    create_data_set,
    create_source,
    relational,
    rules_data_set,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

DOCUMENT = yaml.safe_load(SCENARIO_FILE.read_text())
FOLDERS = {f["id"]: f for f in DOCUMENT["folders"]}
DASHBOARDS = {d["id"]: d for d in DOCUMENT["dashboards"]}
EXPECTED: dict[str, dict[str, list[str]]] = DOCUMENT["expected"]
OWNERS = ["qs-admin-grp"]
"""The ISV's admin group owns every customer folder (module docstring)."""

FOLDER_VIEWER = ["quicksight:DescribeFolder"]
FOLDER_OWNER = [
    "quicksight:CreateFolder",
    "quicksight:DescribeFolder",
    "quicksight:UpdateFolder",
    "quicksight:DeleteFolder",
    "quicksight:CreateFolderMembership",
    "quicksight:DeleteFolderMembership",
    "quicksight:DescribeFolderPermissions",
    "quicksight:UpdateFolderPermissions",
]
ROWS_PER_CUSTOMER = 30


# -- the data -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source_db() -> Iterator[dict[str, Any]]:
    """A scratch PostgreSQL database: ``common_sales`` (both customers), ``red_sales`` and
    ``blue_sales`` (each customer's copy, design 1) and the rules table."""
    if not PG_ENTRY_URL:
        pytest.skip("SIGHTGATE_TEST_DATABASE_URL is not set")
    entry = make_url(normalize_url(PG_ENTRY_URL))
    name = f"sg_seed_dash_{uuid.uuid4().hex[:10]}"
    host, port, user = entry.host, entry.port, entry.username
    admin = psycopg.connect(host=host, port=port, user=user, dbname=entry.database, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    rows = list(sales_rows(rows_per_customer=ROWS_PER_CUSTOMER))
    try:
        with psycopg.connect(host=host, port=port, user=user, dbname=name) as conn:
            for table, customer in (
                ("common_sales", None),
                ("red_sales", "red_customer"),
                ("blue_sales", "blue_customer"),
            ):
                conn.execute(
                    sql.SQL(
                        "CREATE TABLE {} (customer text, region text, product text, "
                        "order_date date, quantity integer, revenue numeric(12, 2))"
                    ).format(sql.Identifier(table))
                )
                with conn.cursor() as cur:
                    cur.executemany(
                        sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s)").format(
                            sql.Identifier(table)
                        ),
                        [r for r in rows if customer in (None, r[0])],
                    )
            conn.execute('CREATE TABLE rls_rules ("GroupName" text, customer text)')
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO rls_rules VALUES (%s, %s)", RULES)
        yield {
            "host": entry.host,
            "port": entry.port or 5432,
            "database": name,
            "user": entry.username or "postgres",
        }
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _column(name: str) -> dict[str, str]:
    return {"DataSetIdentifier": "sales", "ColumnName": name}


def sales_definition(data_set_arn: str) -> dict[str, Any]:
    """A small but real dashboard over a sales dataset: total revenue (KPI), revenue by
    region (bar), revenue by month (line), and revenue by customer and region (table)."""
    revenue = {
        "Column": _column("revenue"),
        "AggregationFunction": {"SimpleNumericalAggregation": "SUM"},
    }
    return {
        "DataSetIdentifierDeclarations": [{"Identifier": "sales", "DataSetArn": data_set_arn}],
        "Sheets": [
            {
                "SheetId": "overview",
                "Name": "Overview",
                "Visuals": [
                    {
                        "KPIVisual": {
                            "VisualId": "total",
                            "ChartConfiguration": {
                                "FieldWells": {
                                    "Values": [
                                        {"NumericalMeasureField": {"FieldId": "t", **revenue}}
                                    ]
                                }
                            },
                        }
                    },
                    {
                        "BarChartVisual": {
                            "VisualId": "by-region",
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
                                            {"NumericalMeasureField": {"FieldId": "r", **revenue}}
                                        ],
                                    }
                                }
                            },
                        }
                    },
                    {
                        "LineChartVisual": {
                            "VisualId": "by-month",
                            "ChartConfiguration": {
                                "FieldWells": {
                                    "LineChartAggregatedFieldWells": {
                                        "Category": [
                                            {
                                                "DateDimensionField": {
                                                    "FieldId": "month",
                                                    "Column": _column("order_date"),
                                                    "DateGranularity": "MONTH",
                                                }
                                            }
                                        ],
                                        "Values": [
                                            {"NumericalMeasureField": {"FieldId": "m", **revenue}}
                                        ],
                                    }
                                }
                            },
                        }
                    },
                    {
                        "TableVisual": {
                            "VisualId": "by-customer",
                            "ChartConfiguration": {
                                "FieldWells": {
                                    "TableAggregatedFieldWells": {
                                        "GroupBy": [
                                            {
                                                "CategoricalDimensionField": {
                                                    "FieldId": "customer",
                                                    "Column": _column("customer"),
                                                }
                                            },
                                            {
                                                "CategoricalDimensionField": {
                                                    "FieldId": "c-region",
                                                    "Column": _column("region"),
                                                }
                                            },
                                        ],
                                        "Values": [
                                            {"NumericalMeasureField": {"FieldId": "c", **revenue}}
                                        ],
                                    }
                                }
                            },
                        }
                    },
                ],
            }
        ],
    }


# -- the deployment -----------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """The provisioned scenario with its folders and dashboards (a worker keeps running:
    it builds SPICE ingestions and provisions whoever the IdP pushes next)."""

    d: Deployment

    @property
    def qs(self) -> Any:
        return self.d.client("quicksight")

    def arn(self, kind: str, *parts: str) -> str:
        return f"arn:aws:quicksight:{REGION}:{self.d.account_id}:{kind}/{'/'.join(parts)}"

    def group(self, name: str) -> str:
        return self.arn("group", "default", name)

    def user(self, name: str) -> str:
        return self.arn("user", "default", name)

    def search(self, user_name: str) -> list[str]:
        """SearchDashboards with QUICKSIGHT_VIEWER_OR_OWNER and the user's ARN."""
        found = self.qs.search_dashboards(
            AwsAccountId=self.d.account_id,
            Filters=[
                {
                    "Name": "QUICKSIGHT_VIEWER_OR_OWNER",
                    "Operator": "StringEquals",
                    "Value": self.user(user_name),
                }
            ],
        )
        assert "NextToken" not in found
        return sorted(d["DashboardId"] for d in found["DashboardSummaryList"])

    def create_folder(
        self, folder_id: str, viewers: list[str], owners: list[str], parent: str | None = None
    ) -> None:
        permissions = [{"Principal": self.group(g), "Actions": FOLDER_VIEWER} for g in viewers]
        permissions += [{"Principal": self.group(g), "Actions": FOLDER_OWNER} for g in owners]
        extra = {"ParentFolderArn": self.arn("folder", parent)} if parent else {}
        created = self.qs.create_folder(
            AwsAccountId=self.d.account_id,
            FolderId=folder_id,
            Name=folder_id,
            FolderType="SHARED",
            **({"Permissions": permissions} if permissions else {}),
            **extra,
        )
        assert created["Status"] == 200

    def create_dashboard(self, dashboard_id: str, data_set_id: str, folder_id: str) -> None:
        created = self.qs.create_dashboard(
            AwsAccountId=self.d.account_id,
            DashboardId=dashboard_id,
            Name=dashboard_id,
            Definition=sales_definition(self.arn("dataset", data_set_id)),
            FolderArns=[self.arn("folder", folder_id)],
        )
        assert created["CreationStatus"] == "CREATION_SUCCESSFUL", created

    def render(self, user_name: str, dashboard_id: str = "common-dashboard") -> dict[str, Any]:
        """``sightgate dashboards render --json`` as the user."""
        found: dict[str, Any] = run_json(
            self.d.env,
            "dashboards",
            "render",
            "--account-id",
            self.d.account_id,
            "--dashboard-id",
            dashboard_id,
            "--as-user",
            user_name,
        )
        return found

    def explain(self, user_name: str, resource_arn: str, *more: str) -> dict[str, Any]:
        """``sightgate access explain --json``."""
        found: dict[str, Any] = run_json(
            self.d.env,
            "access",
            "explain",
            "--account-id",
            self.d.account_id,
            "--user",
            user_name,
            "--resource",
            resource_arn,
            *more,
        )
        return found


def provisioned(d: Deployment, *user_names: str) -> bool:
    """Whether the worker has made every one of ``user_names`` an analytics user."""
    return set(user_names) <= set(d.list_users())


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, scenario: Scenario, source_db: dict[str, Any]
) -> Iterator[Seeded]:
    """The scenario pushed over SCIM and provisioned by a running worker; the datasets,
    the scenario's folders (viewers as it says, owned by qs-admin-grp) and dashboards."""
    with deployment(tmp_path_factory.mktemp("seed-dashboards"), scenario) as d:
        d.subscribe(scenario)
        d.push_scenario(scenario)
        source_arn = create_source(d, source_db)
        rules_arn = rules_data_set(d, source_arn)  # starts the worker
        wait_for(lambda: provisioned(d, *scenario.users), "the scenario's users")
        rls = {"Arn": rules_arn, "PermissionPolicy": "GRANT_ACCESS", "FormatVersion": "VERSION_1"}
        for data_set_id, table in (
            ("common-sales", "common_sales"),
            ("red-sales", "red_sales"),
            ("blue-sales", "blue_sales"),
        ):
            create_data_set(
                d,
                data_set_id,
                ImportMode="DIRECT_QUERY",
                PhysicalTableMap=relational(source_arn, table, SALES_COLUMNS),
                **({"RowLevelPermissionDataSet": rls} if data_set_id == "common-sales" else {}),
            )
        seeded = Seeded(d)
        for folder in FOLDERS.values():
            assert folder["type"] == "SHARED"
            seeded.create_folder(folder["id"], folder["viewers"], OWNERS)
        for dashboard in DASHBOARDS.values():
            seeded.create_dashboard(dashboard["id"], dashboard["dataset"], dashboard["folder"])
        yield seeded


def customers_in(document: dict[str, Any]) -> set[str]:
    """The customers in the render's ``by-customer`` table."""
    [table] = [v for v in document["Visuals"] if v["VisualId"] == "by-customer"]
    assert table["State"] in ("ready", "empty"), table
    names = [c["Name"] for c in table["Columns"]]
    return {row[names.index("customer")] for row in table["Rows"]}


# -- the tests ----------------------------------------------------------------------------


def test_search_dashboards_returns_exactly_the_expected(seeded: Seeded) -> None:
    for user_name, expected in EXPECTED.items():
        assert seeded.search(user_name) == sorted(expected["dashboards"]), user_name
    assert seeded.search("internal-reader-1") == []  # in no customer group
    assert seeded.search("nobody-at-all") == []
    listed = seeded.qs.list_dashboards(AwsAccountId=seeded.d.account_id)["DashboardSummaryList"]
    assert sorted(d["DashboardId"] for d in listed) == sorted(DASHBOARDS)


def test_render_common_dashboard_shows_each_their_customers_rows(seeded: Seeded) -> None:
    totals = {}
    for user_name, expected in EXPECTED.items():
        document = seeded.render(user_name)
        assert customers_in(document) == set(expected["common_rows"]), user_name
        states = {v["VisualId"]: v["State"] for v in document["Visuals"]}
        assert states == dict.fromkeys(["total", "by-region", "by-month", "by-customer"], "ready")
        [kpi] = [v for v in document["Visuals"] if v["VisualId"] == "total"]
        totals[user_name] = float(kpi["Rows"][0][0])
    red, blue = totals["red-customer-reader-1"], totals["blue-customer-reader-1"]
    assert totals["internal-admin-1"] == pytest.approx(red + blue)

    design_1 = seeded.render("red-customer-reader-1", "red-customer-dashboard")
    assert customers_in(design_1) == {"red_customer"}  # a copy of their own rows only
    denied = run_cli(
        seeded.d.env,
        "dashboards",
        "render",
        "--account-id",
        seeded.d.account_id,
        "--dashboard-id",
        "blue-customer-dashboard",
        "--as-user",
        "red-customer-reader-1",
    )
    assert denied.returncode == 1 and "access denied" in denied.stderr


def test_explain_names_the_path(seeded: Seeded) -> None:
    red_dashboard = seeded.arn("dashboard", "red-customer-dashboard")
    found = seeded.explain("red-customer-reader-1", red_dashboard)
    assert found["Allowed"] is True
    assert [(step["Type"], step["Arn"]) for step in found["Path"]] == [
        ("user", seeded.user("red-customer-reader-1")),
        ("group", seeded.group("red-customer-grp")),
        ("folder", seeded.arn("folder", "red-customer")),
        ("dashboard", red_dashboard),
    ]
    assert found["Path"][2]["Actions"] == FOLDER_VIEWER
    assert "quicksight:QueryDashboard" in found["Path"][3]["Actions"]

    admin = seeded.explain(
        "internal-admin-1", red_dashboard, "--action", "quicksight:UpdateDashboard"
    )
    assert admin["Allowed"] is True
    assert admin["Path"][1]["Arn"] == seeded.group("qs-admin-grp")

    blue = seeded.explain(
        "red-customer-reader-1", seeded.arn("dashboard", "blue-customer-dashboard")
    )
    assert blue["Allowed"] is False and blue["Path"] == [] and blue["Routes"] == []
    shown = run_cli(
        seeded.d.env,
        "access",
        "explain",
        "--account-id",
        seeded.d.account_id,
        "--user",
        "red-customer-reader-1",
        "--resource",
        red_dashboard,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"allowed: quicksight:DescribeDashboard on {red_dashboard}")
    assert f"-> folder {seeded.arn('folder', 'red-customer')}" in shown.stdout


def test_a_new_customer_user_gets_the_red_dashboards_and_loses_them_on_leaving(
    seeded: Seeded, scenario: Scenario
) -> None:
    d = seeded.d
    joining = scenario.join_user
    assert seeded.search(joining) == []
    d.create_user(joining)
    for group in scenario.join_groups:
        d.add_members(group, joining)
    wait_for(lambda: provisioned(d, joining), f"the worker to provision {joining}")
    assert seeded.search(joining) == sorted(EXPECTED["red-customer-reader-1"]["dashboards"])
    assert customers_in(seeded.render(joining)) == {"red_customer"}

    d.delete_user(scenario.leave_user)  # the very next request: no worker, no cache window
    assert seeded.search(joining) == []
    denied = run_cli(
        d.env,
        "dashboards",
        "render",
        "--account-id",
        d.account_id,
        "--dashboard-id",
        "common-dashboard",
        "--as-user",
        joining,
    )
    assert denied.returncode == 1
    found = seeded.explain(joining, seeded.arn("dashboard", "common-dashboard"))
    assert found["Allowed"] is False


def test_folder_inheritance_three_levels_deep_with_a_revocation_at_the_top(
    seeded: Seeded,
) -> None:
    seeded.create_folder("red-managers", [], [], parent="red-customer")
    seeded.create_folder("red-reports", [], [], parent="red-managers")
    seeded.create_dashboard("red-deep-dashboard", "red-sales", "red-reports")
    try:
        check_inheritance(seeded)
    finally:
        account = seeded.d.account_id
        seeded.qs.delete_dashboard(AwsAccountId=account, DashboardId="red-deep-dashboard")
        for folder_id in ("red-reports", "red-managers"):
            seeded.qs.delete_folder(AwsAccountId=account, FolderId=folder_id)
    assert seeded.search("red-customer-reader-1") == sorted(
        EXPECTED["red-customer-reader-1"]["dashboards"]
    )


def check_inheritance(seeded: Seeded) -> None:
    """red-customer > red-managers > red-reports holding red-deep-dashboard: the grant at
    the top reaches it; revoked there, it is gone at once; granted again, it is back."""
    folder = seeded.qs.describe_folder(AwsAccountId=seeded.d.account_id, FolderId="red-reports")
    assert folder["Folder"]["FolderPath"] == [
        seeded.arn("folder", "red-customer"),
        seeded.arn("folder", "red-managers"),
    ]
    red = sorted(["red-customer-dashboard", "common-dashboard", "red-deep-dashboard"])
    assert seeded.search("red-customer-reader-1") == red
    assert "red-deep-dashboard" not in seeded.search("blue-customer-reader-1")
    found = seeded.explain("red-customer-reader-1", seeded.arn("dashboard", "red-deep-dashboard"))
    assert [step["Arn"] for step in found["Path"] if step["Type"] == "folder"] == [
        seeded.arn("folder", name) for name in ("red-customer", "red-managers", "red-reports")
    ]

    revoke = [{"Principal": seeded.group("red-customer-grp"), "Actions": FOLDER_VIEWER}]
    changed = seeded.qs.update_folder_permissions(
        AwsAccountId=seeded.d.account_id, FolderId="red-customer", RevokePermissions=revoke
    )
    assert changed["Status"] == 200
    try:
        assert seeded.search("red-customer-reader-1") == ["common-dashboard"]  # at once
        assert "red-deep-dashboard" in seeded.search("internal-admin-1")  # owners keep it
    finally:
        seeded.qs.update_folder_permissions(
            AwsAccountId=seeded.d.account_id, FolderId="red-customer", GrantPermissions=revoke
        )
    assert seeded.search("red-customer-reader-1") == red
