"""``/static/``: the viewer's modules and the vendored ECharts, with the right headers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sightgate.web import STATIC_DIR, StaticApp, module_graph, url, version

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


def test_versioned_addresses_are_cached_for_good_and_gzipped() -> None:
    client = _client()
    path = url("vendor/echarts/echarts.esm.min.mjs")
    assert path.startswith(f"/static/v/{version()}/")
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < VENDORED.stat().st_size / 2
    assert response.content == VENDORED.read_bytes()  # decoded by the client
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == VENDORED.read_bytes()
    # A page of an earlier tree gets today's file, revalidated rather than kept.
    stale = client.get("/static/v/0123456789abcdef/embed/viewer.js")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"


def test_an_unchanged_file_is_revalidated_by_its_etag() -> None:
    client = _client()
    first = client.get("/static/embed/viewer.css")
    again = client.get("/static/embed/viewer.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert client.post("/static/embed/viewer.css").status_code == 405


def test_the_viewers_module_graph_is_every_module_it_imports() -> None:
    graph = module_graph("embed/viewer.js")
    assert graph[0] == "embed/viewer.js"
    assert "vendor/echarts/echarts.esm.min.mjs" in graph and "embed/format.js" in graph
    modules = {p.relative_to(STATIC_DIR).as_posix() for p in (STATIC_DIR / "embed").glob("*.js")}
    assert set(graph) == modules - {"embed/control.js"} | {"vendor/echarts/echarts.esm.min.mjs"}
    assert module_graph("embed/control.js") == ("embed/control.js", "embed/protocol.js")
