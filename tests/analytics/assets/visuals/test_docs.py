"""docs/dashboards.md lists exactly what the visual data service computes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from sightgate.analytics.assets.visuals import BUILDERS
from sightgate.analytics.assets.visuals.filters import FILTER_KINDS

ROOT = Path(__file__).resolve().parents[4]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "dashboard_support", ROOT / "scripts/dashboard_support.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_current() -> None:
    page = (ROOT / "docs/dashboards.md").read_text()
    assert load_script().render(page) == page, (
        "docs/dashboards.md is stale: run python scripts/dashboard_support.py"
    )


def test_every_supported_visual_and_filter_is_listed() -> None:
    section = load_script().section()
    for kind in BUILDERS:
        assert f"| `{kind}` |" in section, kind
    for kind in FILTER_KINDS:
        assert f"`{kind}`" in section, kind
    unsupported = section[section.index("Answer `unsupported` (naming the type)") :]
    assert "`ScatterPlotVisual`" in unsupported.splitlines()[0]
    assert "`BarChartVisual`" not in unsupported.splitlines()[0]


def test_a_page_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks the markers"):
        load_script().render("# no markers\n")
