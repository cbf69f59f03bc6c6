"""``sightgate worker`` (provisioning by default) and ``sightgate provisioning``, run as
real processes against each store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sightgate.analytics.directory.model import AccountSubscription, Role
from sightgate.bootstrap import Services
from sightgate.platform.dispatch import cursor_states
from tests.analytics.conftest import ACCOUNT
from tests.analytics.provisioning.conftest import (
    NAMESPACED_RULES,
    Idp,
    analytics_user,
    group_names,
)
from tests.e2e.helpers import cli_env, run_cli, run_json

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The CLI pointed at the test store (the same one the services use)."""
    return cli_env(tmp_path / "data", database_url)


def test_worker_once_provisions_from_identity_changes(
    services: Services, idp: Idp, linked: AccountSubscription, env: dict[str, str]
) -> None:
    admin = idp.user("internal-admin-1", "qs-admin-grp")
    red = idp.user("red-customer-reader-1", "qs-reader-grp", "red-customer-grp")
    result = run_cli(env, "worker", "--once")
    assert result.returncode == 0, result.stderr
    user = analytics_user(services, admin)
    assert user is not None and user.role is Role.ADMIN and user.namespace == "default"
    reader = analytics_user(services, red)
    assert reader is not None and group_names(services, reader) == {
        "qs-reader-grp",
        "red-customer-grp",
    }
    assert any(c.subscriber == "analytics.provisioning" for c in cursor_states(services.db))

    idp.leave(red, "qs-reader-grp")
    assert run_cli(env, "worker", "--once").returncode == 0
    left = analytics_user(services, red)
    assert left is not None and not left.active


def test_two_workers_share_the_work(
    services: Services, idp: Idp, linked: AccountSubscription, env: dict[str, str]
) -> None:
    ids = [idp.user(f"user-{i}", "qs-reader-grp", "red-customer-grp") for i in range(15)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "sightgate", "worker", "--once"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr
    assert all(analytics_user(services, i) is not None for i in ids)
    assert services.provisioning.service.reconcile(ACCOUNT, dry_run=True) == []


def test_rules_show_set_and_reconcile(
    services: Services, idp: Idp, linked: AccountSubscription, env: dict[str, str], tmp_path: Path
) -> None:
    shown = run_json(env, "provisioning", "rules", "show", "--account-id", ACCOUNT)
    assert shown["Rules"] == {
        "namespace_rules": [],
        "unmatched_users": "default",
        "just_in_time_provisioning": "default-only",
    }
    bad = tmp_path / "bad.yaml"
    bad.write_text('namespace_rules: [{group_pattern: "(oops"}]\n')
    refused = run_cli(
        env, "provisioning", "rules", "set", "--account-id", ACCOUNT, "--file", str(bad)
    )
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "regular expression" in refused.stderr

    good = tmp_path / "rules.yaml"
    good.write_text(NAMESPACED_RULES)
    stored = run_json(
        env, "provisioning", "rules", "set", "--account-id", ACCOUNT, "--file", str(good)
    )
    assert stored["Version"] == 1
    assert (
        run_cli(env, "provisioning", "rules", "show", "--account-id", ACCOUNT).stdout.count(
            "group_pattern"
        )
        == 1
    )

    red = idp.user("red-customer-reader-1", "qs-reader-grp", "red-customer-grp")
    planned = run_json(env, "provisioning", "reconcile", "--account-id", ACCOUNT, "--dry-run")
    assert planned["DryRun"] is True
    kinds = {(d["Kind"], d["Name"]) for d in planned["Differences"]}
    assert ("create-namespace", "red-customer") in kinds
    assert ("register", "red-customer-reader-1") in kinds
    assert analytics_user(services, red) is None

    table = run_cli(env, "provisioning", "reconcile")
    assert table.returncode == 0, table.stderr
    assert "repaired" in table.stdout
    user = analytics_user(services, red)
    assert user is not None and user.namespace == "red-customer"
    assert run_json(env, "provisioning", "reconcile", "--dry-run")["Differences"] == []


def test_worker_without_subscribers_is_an_error(env: dict[str, str]) -> None:
    result = run_cli(env, "worker", "--once", "--no-provisioning")
    assert result.returncode == 1 and "no subscriber" in result.stderr
