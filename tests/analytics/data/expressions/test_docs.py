"""docs/calculated-fields.md lists exactly the functions the registry has."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from sightgate.analytics.data.expressions import FUNCTIONS

ROOT = Path(__file__).resolve().parents[4]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "calc_functions", ROOT / "scripts/calc_functions.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_current() -> None:
    script = load_script()
    page = (ROOT / "docs/calculated-fields.md").read_text()

    assert script.render(page, FUNCTIONS) == page, (
        "docs/calculated-fields.md is stale: run python scripts/calc_functions.py"
    )


def test_every_function_has_a_row_under_its_category() -> None:
    section = load_script().section(FUNCTIONS)

    for name, spec in FUNCTIONS.items():
        assert f"| `{name}` | `" in section, name
        assert section.index(f"### {spec.category}") < section.index(f"| `{name}` |")
    assert (
        "| `sumOver` | `sumOver(measure [, [partition, ...] [, calculation level]])` |" in section
    )
    assert "| `y` |" in section and "| `w` |" not in section


def test_a_page_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks the markers"):
        load_script().render("# no markers\n", FUNCTIONS)
