"""``/static/``: the viewer's modules and the vendored ECharts, with the right headers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sightgate.web import STATIC_DIR, StaticApp

ROOT = Path(__file__).resolve().parents[2]
VENDORED = STATIC_DIR / "vendor" / "echarts" / "echarts.esm.min.mjs"


def _client() -> TestClient:
    """A client running the app on a thread's event loop of its own (the browser tests'
    Playwright may hold this thread's)."""
    return TestClient(StaticApp(), base_url="http://t")


def test_the_vendored_echarts_is_the_version_package_lock_pins() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/echarts"]["version"]
    assert f'version="{pinned}"' in VENDORED.read_text() or f'"{pinned}"' in VENDORED.read_text()
    installed = ROOT / "node_modules" / "echarts" / "dist" / "echarts.esm.min.mjs"
    if not installed.exists():
        pytest.skip("node_modules not installed (npm ci)")
    assert (
        hashlib.sha256(installed.read_bytes()).digest()
        == hashlib.sha256(VENDORED.read_bytes()).digest()
    ), "copy node_modules/echarts/dist/echarts.esm.min.mjs into sightgate/web"
    assert (VENDORED.parent / "LICENSE").exists() and (VENDORED.parent / "NOTICE").exists()


def test_modules_are_javascript_and_never_sniffed() -> None:
    client = _client()
    for path in ("/static/embed/viewer.js", "/static/vendor/echarts/echarts.esm.min.mjs"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-cache"
    css = client.get("/static/embed/viewer.css")
    assert css.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("path", ["/static/../../app.py", "/static/nothing.js", "/static/"])
def test_nothing_outside_the_static_files_is_served(path: str) -> None:
    response = _client().get(path)
    assert response.status_code == 404
