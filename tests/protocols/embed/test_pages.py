"""The embed pages' headers and their inline data."""

from __future__ import annotations

import json
import re

from sightgate import web
from sightgate.protocols.embed import pages


def test_frame_ancestors_come_from_the_allowed_domains_and_nothing_else_frames() -> None:
    headers = pages.security_headers(("https://*.example.com", "http://localhost:*"))
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors https://*.example.com http://localhost:*" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "X-Frame-Options" not in headers
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in pages.security_headers(())["Content-Security-Policy"]


def test_the_boot_document_cannot_end_its_script_element() -> None:
    boot = {"name": "</script><script>alert(1)</script><!--", "x": "&"}
    page = pages.experience_page("<b>Sales</b>", boot)
    block = re.search(r'id="sightgate-boot">(.*?)</script>', page, re.S)
    assert block is not None
    assert "<" not in block.group(1) and "&" not in block.group(1)
    assert json.loads(block.group(1)) == boot
    assert "<title>&lt;b&gt;Sales&lt;/b&gt;</title>" in page
    assert "<script>" not in page  # every script is a module file of our own origin


def test_the_page_preloads_every_module_of_the_viewer_at_versioned_addresses() -> None:
    head = pages.experience_head("Sales", {"dashboardId": "d"})
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', head)
    assert preloaded == [web.url(name) for name in web.module_graph("embed/viewer.js")]
    assert web.url("vendor/echarts/echarts.esm.min.mjs") in preloaded
    assert f'<script type="module" async src="{web.url("embed/viewer.js")}"></script>' in head
    assert f'<script type="module" async src="{web.url("embed/format.js")}"></script>' in head
    assert f'<link rel="stylesheet" href="{web.url("embed/viewer.css")}">' in head
    assert all(link.startswith(f"/static/v/{web.version()}/") for link in preloaded)
    assert web.url("embed/protocol.js") in pages.control_page()


def test_the_first_sheets_data_ends_the_page_in_a_data_block_of_its_own() -> None:
    sheet = {"sheetId": "s", "data": {"visuals": [{"title": "</script><!--"}]}}
    page = pages.experience_page("Sales", {"dashboardId": "d"}, sheet)
    block = re.search(r'id="sightgate-sheet">(.*?)</script>', page, re.S)
    assert block is not None and "<" not in block.group(1)
    assert json.loads(block.group(1)) == sheet
    assert page.endswith("</body>\n</html>\n")
    assert 'id="sightgate-sheet"' not in pages.experience_page("Sales", {"dashboardId": "d"})
