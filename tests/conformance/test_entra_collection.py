"""Microsoft's Entra ID SCIM validation collection, run by newman against a real server.

The collection (``../shared/conformance/entra-scim-postman-collection.json``) is what
Entra's provisioning team publishes for SCIM endpoints; newman is Postman's own runner,
so its URL handling and script sandbox are exactly what the collection was written for.
The run must fail exactly the assertions in ``DEVIATIONS``: each is a choice of ours
with its reason, so a new failure is a regression and a deviation that starts passing
means the list (and the docs) must be updated.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.server import REPO_ROOT, ScimEndpoint, scim_server

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

COLLECTION = REPO_ROOT.parent / "shared" / "conformance" / "entra-scim-postman-collection.json"
NEWMAN = REPO_ROOT / "node_modules" / ".bin" / "newman"
ASSERTIONS = 107  # in the collection, without its Get Token request
GET_TOKEN = "Get Token"  # asks a test-only /Token endpoint for a token; we pass ours instead

MEMBER_IS_A_USER = (
    "RFC 7644 §3.5.2.1: for a complex attribute 'a set of sub-attributes SHALL be "
    "specified in the value parameter', and RFC 7643 §4.2: a member's value 'contains the "
    "value of an id attribute of a SCIM resource'; the bare string 'string id 1' / "
    "'string id 2' is neither, so it is refused with 400 invalidValue"
)
MEMBER_DISPLAY = (
    "RFC 7644 §3.5.1 for readOnly attributes: 'Any values provided SHALL be ignored'; "
    "members.display is readOnly here (the referenced user's displayName), so the "
    "client-sent member displayName 'new User' is not stored"
)
DEVIATIONS: dict[tuple[str, str], str] = {
    # Group tests.
    ("Get group by id", "Body contians user"): MEMBER_DISPLAY,
    # Group tests with garbage.
    ("Group patch add member", "Status code is 204"): MEMBER_IS_A_USER,
    ("Group patch add member2", "Status code is 204"): MEMBER_IS_A_USER,
}
"""(request name, assertion name) -> why that assertion fails against sightgate."""


def test_the_collection_fails_only_our_deliberate_deviations(tmp_path: Path) -> None:
    if not COLLECTION.is_file():
        pytest.skip(f"the Entra collection is not checked out at {COLLECTION}")
    if not NEWMAN.is_file():
        pytest.skip(f"newman is not installed at {NEWMAN}: run `npm ci` (make install does)")
    trimmed = _without_get_token(json.loads(COLLECTION.read_text()))
    collection = tmp_path / "collection.json"
    collection.write_text(json.dumps(trimmed))
    report_file = tmp_path / "newman.json"

    with scim_server(tmp_path) as endpoint:
        run = _newman(collection, endpoint, report_file)
        assert report_file.is_file(), (
            f"newman wrote no report (exit {run.returncode}):\n{run.stdout}\n{run.stderr}"
        )
        report = json.loads(report_file.read_text())
        failures = _failed_assertions(report)

        unexpected = {key: error for key, error in failures.items() if key not in DEVIATIONS}
        now_passing = sorted(key for key in DEVIATIONS if key not in failures)
        stats = report["run"]["stats"]
        assert not unexpected and not now_passing, (
            "the Entra collection's failures differ from the documented deviations\n"
            + "".join(
                f"  new failure {name!r} / {test!r}: {error}\n"
                for (name, test), error in sorted(unexpected.items())
            )
            + "".join(f"  now passes (remove it from DEVIATIONS): {key!r}\n" for key in now_passing)
            + f"\nassertions: {stats['assertions']}\n--- server log (tail) ---\n"
            + endpoint.log_tail()
        )
    # Every request ran and got an HTTP answer, and no script broke outside its tests.
    assert len(report["run"]["executions"]) == _count_requests(trimmed["item"]), run.stdout
    assert stats["requests"]["failed"] == 0, run.stdout
    assert stats["testScripts"]["failed"] == 0, run.stdout
    assert (stats["assertions"]["total"], stats["assertions"]["failed"]) == (
        ASSERTIONS,
        len(DEVIATIONS),
    )


def _without_get_token(collection: dict[str, Any]) -> dict[str, Any]:
    """The collection minus its "Get Token" request: the token comes from ``--env-var``."""
    items = [item for item in collection["item"] if item.get("name") != GET_TOKEN]
    assert len(items) == len(collection["item"]) - 1, "the collection has no Get Token item"
    return {**collection, "item": items}


def _count_requests(items: list[dict[str, Any]]) -> int:
    """How many requests a list of collection items holds, folders included."""
    return sum(_count_requests(i["item"]) if "item" in i else 1 for i in items)


def _newman(
    collection: Path, endpoint: ScimEndpoint, report_file: Path
) -> subprocess.CompletedProcess[str]:
    """Run the collection; newman exits 1 whenever an assertion fails, so that is no error.

    The collection builds URLs as ``{{Protocol}}://{{Server}}{{Port}}/{{Api}}/...``, so
    Port carries its colon and Api has no leading slash.
    """
    variables = {
        "Protocol": "http",
        "Server": endpoint.host,
        "Port": f":{endpoint.port}",
        "Api": endpoint.api,
        "token": endpoint.token,
    }
    return subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(collection),
            *(arg for name, value in variables.items() for arg in ("--env-var", f"{name}={value}")),
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report_file),
            "--color",
            "off",
            "--timeout-request",
            "30000",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _failed_assertions(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(request name, assertion name) -> error message and response, for each failure."""
    failures: dict[tuple[str, str], str] = {}
    for execution in report["run"]["executions"]:
        response = execution.get("response") or {}
        body = bytes(response.get("stream", {}).get("data", [])).decode(errors="replace")
        for assertion in execution.get("assertions") or []:
            if assertion.get("error"):
                key = (execution["item"]["name"], assertion["assertion"])
                failures[key] = (
                    f"{assertion['error'].get('message')}; HTTP {response.get('code')} {body[:300]}"
                )
    return failures
