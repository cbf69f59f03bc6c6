"""The demo's dashboards (what ``make run`` shows): the seed scenario's folders shared as it
says, a theme per customer, and three dashboards with real visuals; each user sees the
dashboards of the scenario's ``expected`` and, in ``common-dashboard``, only their
customer's rows; a second ``demo load`` writes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.demo.loader import load_scenario_file
from sightgate.demo.sales import sales_rows
from tests.e2e.helpers import cli_env, fresh_store, run_cli, run_json

pytestmark = pytest.mark.e2e

SCENARIO = load_scenario_file()
ACCOUNT = SCENARIO["analytics_account"]["aws_account_id"]
PREFIX = f"arn:aws:quicksight:us-east-1:{ACCOUNT}"
DASHBOARDS = ["red-customer-dashboard", "blue-customer-dashboard", "common-dashboard"]
CUSTOMER = {"red-customer-dashboard": "red_customer", "blue-customer-dashboard": "blue_customer"}


@dataclass(frozen=True)
class Demo:
    """The CLI environment and data directory of a loaded demo, and its load summary."""

    env: dict[str, str]
    data_dir: Path
    summary: dict[str, Any]

    def services(self) -> Services:
        url = self.env.get("SIGHTGATE_DATABASE_URL")
        return Services.build(Settings(data_dir=self.data_dir, database_url=url))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    with fresh_store() as database_url:
        env = cli_env(data_dir, database_url)
        if database_url:
            assert run_cli(env, "db", "upgrade").returncode == 0
        summary = run_json(env, "demo", "load")
        run_json(env, "provisioning", "reconcile", "--account-id", ACCOUNT)
        yield Demo(env, data_dir, summary)


def _render(demo: Demo, dashboard_id: str, user: str) -> dict[str, dict[str, Any]]:
    found = run_json(
        demo.env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        dashboard_id,
        "--as-user",
        user,
    )
    return {visual["VisualId"]: visual for visual in found["Visuals"]}


def _expected(customers: set[str]) -> dict[str, list[list[Any]]]:
    """The four visuals' rows computed from the generated sales rows, for ``customers``."""
    rows = [row for row in sales_rows() if row[0] in customers]
    by_region: dict[str, float] = defaultdict(float)
    by_month: dict[str, float] = defaultdict(float)
    by_product: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for _, region, product, day, quantity, revenue in rows:
        by_region[region] += revenue
        by_month[f"{day[:7]}-01T00:00:00"] += revenue
        totals = by_product[product]
        totals[0] += 1
        totals[1] += quantity
        totals[2] += revenue
    return {
        "total-revenue": [[sum(row[5] for row in rows)]],
        "revenue-by-region": sorted(([r, v] for r, v in by_region.items()), key=lambda x: -x[1]),
        "revenue-by-month": [[m, by_month[m]] for m in sorted(by_month)],
        "orders-by-product": sorted(
            ([p, *totals] for p, totals in by_product.items()), key=lambda x: -x[3]
        ),
    }


def _assert_rows(visuals: dict[str, dict[str, Any]], customers: set[str]) -> None:
    for visual_id, rows in _expected(customers).items():
        visual = visuals[visual_id]
        assert visual["State"] == "ready", visual
        got = visual["Rows"]
        assert len(got) == len(rows), visual_id
        for have, want in zip(got, rows, strict=True):
            for cell, value in zip(have, want, strict=True):
                if isinstance(value, float):
                    assert float(cell) == pytest.approx(value, rel=1e-9), visual_id
                else:
                    assert cell == value, visual_id


def test_the_first_load_creates_the_folders_and_dashboards(demo: Demo) -> None:
    assert demo.summary["FoldersCreated"] == ["red-customer", "blue-customer", "common-assets"]
    assert demo.summary["DashboardsCreated"] == DASHBOARDS


def test_common_dashboard_shows_each_user_their_customers_rows(demo: Demo) -> None:
    for user, expected in SCENARIO["expected"].items():
        _assert_rows(_render(demo, "common-dashboard", user), set(expected["common_rows"]))


def test_each_customer_dashboard_is_its_dataset_for_its_customer_only(demo: Demo) -> None:
    red = _render(demo, "red-customer-dashboard", "red-customer-reader-1")
    assert [v["Type"] for v in red.values()] == [
        "KPIVisual",
        "BarChartVisual",
        "LineChartVisual",
        "TableVisual",
    ]
    assert [v["Title"] for v in red.values()] == [
        "Total revenue",
        "Revenue by region",
        "Revenue by month",
        "Orders by product",
    ]
    _assert_rows(red, {"red_customer"})
    _assert_rows(_render(demo, "blue-customer-dashboard", "internal-admin-1"), {"blue_customer"})
    denied = run_cli(
        demo.env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        "blue-customer-dashboard",
        "--as-user",
        "red-customer-reader-1",
    )
    assert denied.returncode == 1 and "access denied" in denied.stderr


def test_folders_themes_and_who_sees_which_dashboard(demo: Demo) -> None:
    running = demo.services()
    try:
        owners = SCENARIO["dashboard_assets"]["owners"]
        for folder in SCENARIO["folders"]:
            found = running.folders.describe(ACCOUNT, folder["id"])
            assert found.folder_type.value == folder["type"]
            shared = running.folders.describe_permissions(ACCOUNT, folder["id"]).permissions
            roles = {
                p.principal.rsplit("/", 1)[1]: "owner"
                if "quicksight:DeleteFolder" in p.actions
                else "viewer"
                for p in shared
            }
            assert roles == {
                **dict.fromkeys(folder["viewers"], "viewer"),
                **dict.fromkeys(owners, "owner"),
            }
        for dashboard in SCENARIO["dashboards"]:
            saved = running.dashboards.describe(ACCOUNT, dashboard["id"])
            content = saved.version.content
            assert content.data_set_arns == [f"{PREFIX}:dataset/{dashboard['dataset']}"]
            assert running.folders.folders_for_resource(ACCOUNT, saved.dashboard.arn).items == [
                f"{PREFIX}:folder/{dashboard['folder']}"
            ]
            [sheet] = content.definition["Sheets"]
            grid = sheet["Layouts"][0]["Configuration"]["GridLayout"]["Elements"]
            assert [e["ElementId"] for e in grid] == [
                next(iter(v.values()))["VisualId"] for v in sheet["Visuals"]
            ]
            theme = content.theme_arn
            if dashboard["folder"] == "common-assets":
                assert theme is None
                continue
            assert theme == f"{PREFIX}:theme/{dashboard['folder']}-theme"
            colors = running.themes.resolve(ACCOUNT, theme)["DataColorPalette"]["Colors"]
            red, _, blue = _rgb(colors[0])
            assert (red > blue) == (dashboard["folder"] == "red-customer")
        for user, expected in SCENARIO["expected"].items():
            value = f"{PREFIX}:user/default/{user}"
            viewer = {"Name": "QUICKSIGHT_VIEWER_OR_OWNER", "Operator": "StringEquals"}
            seen = running.dashboards.search(ACCOUNT, [{**viewer, "Value": value}])
            assert sorted(d.dashboard_id for d in seen.items) == sorted(expected["dashboards"])
    finally:
        running.db.dispose()


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_a_second_load_writes_nothing(demo: Demo) -> None:
    before = run_json(demo.env, "events", "tail", "--limit", "1")
    again = run_json(demo.env, "demo", "load")
    assert (again["FoldersCreated"], again["DashboardsCreated"], again["DataSetsCreated"]) == (
        [],
        [],
        [],
    )
    assert run_json(demo.env, "events", "tail", "--limit", "1") == before
