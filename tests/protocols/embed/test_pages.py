"""The embed pages' headers and their inline data."""

from __future__ import annotations

import json
import re

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
