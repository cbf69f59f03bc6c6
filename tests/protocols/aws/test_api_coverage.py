"""docs/api-coverage.md matches the service models and the handler registry."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from sightgate.protocols.aws.handlers import OPERATIONS

ROOT = Path(__file__).resolve().parents[3]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_coverage", ROOT / "scripts/api_coverage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_current() -> None:
    script = load_script()
    page = script.render(script.registry())

    assert (ROOT / "docs/api-coverage.md").read_text() == page, (
        "docs/api-coverage.md is stale: run python scripts/api_coverage.py"
    )


def test_implemented_operations_are_counted() -> None:
    page = load_script().render({("quicksight", "DescribeUser"), ("identitystore", "ListUsers")})

    assert "| DescribeUser | `GET /accounts/{AwsAccountId}/namespaces/{Namespace}/users/" in page
    assert "{UserName}` | yes |" in page
    assert "| ListUsers | `X-Amz-Target: AWSIdentityStore.ListUsers` | yes |" in page
    assert "| `quicksight` | rest-json | 1 | " in page
    assert "| **total** | | **2** |" in page


def test_every_registered_operation_is_listed_with_its_access_rule() -> None:
    script = load_script()
    rules = script.registry()
    lines = script.render(rules).splitlines()

    assert set(rules) == set(OPERATIONS)
    for (_, operation), rule in rules.items():
        assert any(
            line.startswith(f"| {operation} |") and line.endswith(f"| yes | `{rule}` |")
            for line in lines
        ), operation
    assert (
        "| DescribeUser | `X-Amz-Target: AWSIdentityStore.DescribeUser` | yes | `in_store` |"
        in lines
    )
