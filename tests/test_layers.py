"""The layers of docs/architecture.md, checked on the imports of every module.

Imports go downward only, and adapters never import each other: a forbidden import is a
failure naming the module and the import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sightgate"

# package -> packages it must not import (directly)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "sightgate.platform": (
        "sightgate.identity",
        "sightgate.analytics",
        "sightgate.protocols",
        "sightgate.cli",
    ),
    "sightgate.identity": ("sightgate.analytics", "sightgate.protocols", "sightgate.cli"),
    "sightgate.analytics.directory": (
        "sightgate.analytics.mapping",
        "sightgate.analytics.principals",
        "sightgate.analytics.access",
        "sightgate.analytics.provisioning",
        "sightgate.analytics.signin",
        "sightgate.protocols",
    ),
    "sightgate.analytics.mapping": (
        "sightgate.analytics.principals",
        "sightgate.analytics.access",
        "sightgate.analytics.provisioning",
        "sightgate.analytics.signin",
        "sightgate.protocols",
    ),
    "sightgate.analytics.principals": (
        "sightgate.analytics.access",
        "sightgate.analytics.provisioning",
        "sightgate.analytics.signin",
        "sightgate.protocols",
    ),
    "sightgate.analytics.access": (
        "sightgate.analytics.assets",
        "sightgate.analytics.provisioning",
        "sightgate.analytics.signin",
        "sightgate.protocols",
    ),
    "sightgate.analytics.provisioning": (
        "sightgate.analytics.access",
        "sightgate.analytics.principals",
        "sightgate.analytics.signin",
        "sightgate.protocols",
    ),
    "sightgate.analytics.data": (
        "sightgate.analytics.assets",
        "sightgate.analytics.embedding",
        "sightgate.analytics.provisioning",
        "sightgate.analytics.signin",
        "sightgate.protocols",
        "sightgate.cli",
    ),
    # Folders sit above access (the authorizer reads them through its FolderTree port).
    "sightgate.analytics.assets": (
        "sightgate.analytics.embedding",
        "sightgate.analytics.provisioning",
        "sightgate.analytics.signin",
        "sightgate.protocols",
        "sightgate.cli",
    ),
    # Embedding sits above data, assets and access; adapters sit above it.
    "sightgate.analytics.embedding": (
        "sightgate.analytics.provisioning",
        "sightgate.analytics.signin",
        "sightgate.protocols",
        "sightgate.cli",
    ),
    "sightgate.protocols.scim": (
        "sightgate.protocols.aws",
        "sightgate.protocols.embed",
        "sightgate.cli",
    ),
    "sightgate.protocols.aws": (
        "sightgate.protocols.scim",
        "sightgate.protocols.embed",
        "sightgate.cli",
    ),
    "sightgate.protocols.embed": (
        "sightgate.protocols.scim",
        "sightgate.protocols.aws",
        "sightgate.cli",
    ),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


MODULES = sorted(SRC.rglob("*.py"))


def test_every_layer_rule_names_a_real_package() -> None:
    packages = {_module_name(path) for path in MODULES}
    for package, forbidden in FORBIDDEN.items():
        assert package in packages, package
        for other in forbidden:
            assert other in packages, other


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_go_downward_only(path: Path) -> None:
    module = _module_name(path)
    broken = [
        f"{module} imports {imported}"
        for package, forbidden in FORBIDDEN.items()
        if _within(module, package)
        for imported in _imports(path)
        for other in forbidden
        if _within(imported, other)
    ]
    assert broken == []
