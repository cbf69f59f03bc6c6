"""The demo SaaS app (``sightgate demo app``) in a real browser: on its own origin it
signs a seed user in, asks sightgate for their dashboards and embed URLs through the AWS
SDK, and embeds them with amazon-quicksight-embedding-sdk from npm. On the common
dashboard, red-customer-reader-1 sees only red_customer's rows (row-level security)."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sightgate.demo.isv_app.app import create_app
from sightgate.demo.isv_app.backend import Backend, Credentials, Dashboard
from sightgate.demo.loader import load_scenario_file
from tests.e2e.helpers import free_port

from .conftest import ACCOUNT, ROOT, Stack

pytestmark = pytest.mark.e2e
TABLE = "orders-by-product"


@pytest.fixture(scope="module")
def demo_app(stack: Stack) -> Iterator[str]:
    """The app on http://localhost:<port>, against the suite's TLS server; the access key
    it issues itself is gone once it stops."""
    keys_before = {key.access_key_id for key in stack.services.access_keys.list(ACCOUNT)}
    data_dir = Path(stack.env["SIGHTGATE_DATA_DIR"])
    port = free_port()
    log_path = data_dir.parent / "demo-app.log"
    env = {
        **stack.env,
        "SIGHTGATE_PUBLIC_URL": stack.base,
        "SIGHTGATE_TLS_CERT": str(data_dir.parent / "tls" / "cert.pem"),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sightgate", "demo", "app", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    origin = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if httpx.get(origin, timeout=1).is_success:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the demo app did not start"
            time.sleep(0.1)
        yield origin
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    keys_after = {key.access_key_id for key in stack.services.access_keys.list(ACCOUNT)}
    assert keys_after == keys_before


def orders_by_product(data_dir: Path, customer: str | None) -> dict[str, int]:
    """The table's expected cells, counted from the seed's CSV."""
    with (data_dir / "demo" / "common-sales.csv").open() as rows:
        return dict(
            Counter(r["product"] for r in csv.DictReader(rows) if customer in (None, r["customer"]))
        )


def embedded_frame(page: Any, dashboard_id: str) -> Any:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for frame in page.frames:
            if f"/dashboards/{dashboard_id}" in frame.url:
                return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no embedded frame for {dashboard_id}")


def test_red_reader_sees_their_dashboards_and_only_red_rows(
    stack: Stack, browser: Any, demo_app: str
) -> None:
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        page.goto(demo_app)
        page.click('[data-user="red-customer-reader-1"]')
        page.wait_for_selector('[data-dashboard-id="common-dashboard"]')
        shown = page.eval_on_selector_all(
            "[data-dashboard-id]", "boxes => boxes.map(b => b.dataset.dashboardId)"
        )
        seed = {d["id"] for d in load_scenario_file()["dashboards"]}
        # (the suite's stack adds dashboards of its own for the customer groups)
        assert sorted(set(shown) & seed) == ["common-dashboard", "red-customer-dashboard"]
        assert page.locator('[data-design="common"]').count() == 1
        assert page.locator('[data-design="per-customer"]').count() == 1
        frame = embedded_frame(page, "common-dashboard")
        frame.wait_for_selector(f'[data-visual-id="{TABLE}"][data-state="ready"]', timeout=30000)
        cells = frame.eval_on_selector_all(
            f'[data-visual-id="{TABLE}"] tbody tr',
            "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))",
        )
        seen = {row[0]: int(row[1].replace(",", "")) for row in cells}
        data_dir = Path(stack.env["SIGHTGATE_DATA_DIR"])
        assert seen == orders_by_product(data_dir, "red_customer")
        assert seen != orders_by_product(data_dir, None)
        page.wait_for_selector('[data-dashboard-id="common-dashboard"][data-state="loaded"]')
    finally:
        context.close()


def test_the_page_lists_the_seed_users_and_refuses_others(demo_app: str) -> None:
    page = httpx.get(demo_app).text
    assert 'data-user="red-customer-reader-1"' in page
    assert 'data-user="blue-customer-reader-1"' in page
    assert httpx.get(demo_app, params={"user": "mallory"}).status_code == 404
    refused = httpx.get(
        f"{demo_app}/embed-url", params={"user": "mallory", "dashboard": "common-dashboard"}
    )
    assert refused.status_code == 400


def test_a_dashboard_the_user_may_not_see_gets_sightgates_refusal(demo_app: str) -> None:
    answer = httpx.get(
        f"{demo_app}/embed-url",
        params={"user": "red-customer-reader-1", "dashboard": "blue-customer-dashboard"},
    )
    assert answer.status_code == 502
    assert "AccessDeniedException" in answer.json()["error"]


class OfflineBackend(Backend):
    """The app's backend with sightgate's answers given (no server, no browser)."""

    def dashboards(self, user_name: str) -> list[Dashboard]:
        return [Dashboard("common-dashboard", "Sales (all customers)")]

    def embed_url(self, user_name: str, dashboard_id: str) -> str:
        return f"https://sightgate.test/embed/{dashboard_id}"


def test_without_node_modules_the_page_says_what_to_install(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    backend = OfflineBackend(
        "https://sightgate.test", "111122223333", Credentials("AKIA", "x"), origin="http://t"
    )
    client = TestClient(create_app(backend, [("red-customer-reader-1", "Sofia Rossi")], tmp_path))
    page = client.get("/", params={"user": "red-customer-reader-1"}).text
    assert 'id="no-sdk"' in page and "npm install" in page
    assert "<script" not in page
    assert 'data-dashboard-id="common-dashboard"' in page
    assert client.get("/sdk/quicksight-embedding-js-sdk.min.js").status_code == 404
    answer = client.get(
        "/embed-url", params={"user": "red-customer-reader-1", "dashboard": "common-dashboard"}
    )
    assert answer.json() == {"EmbedUrl": "https://sightgate.test/embed/common-dashboard"}
