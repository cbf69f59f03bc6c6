"""``sightgate keys`` and ``sightgate accounts``, run as real processes against each store."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sightgate.analytics.access.authorizer import may_change_identity_source_records
from sightgate.analytics.directory.services import Directory
from sightgate.identity.instances import InstanceService
from sightgate.platform.db import Database
from tests.analytics.conftest import ACCOUNT, OTHER_ACCOUNT, UNKNOWN_INSTANCE_ARN, subscribe
from tests.e2e.helpers import cli_env, run_cli, run_json

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return cli_env(tmp_path / "data", None if database_url.startswith("sqlite") else database_url)


@pytest.fixture
def cli_store(env: dict[str, str]) -> Iterator[Database]:
    """The store the CLI uses (migrated by a first command)."""
    assert run_cli(env, "keys", "list").returncode == 0
    url = env.get("SIGHTGATE_DATABASE_URL") or f"sqlite:///{env['SIGHTGATE_DATA_DIR']}/sightgate.db"
    database = Database(url)
    yield database
    database.dispose()


def test_create_list_and_delete_keys(env: dict[str, str]) -> None:
    created = run_json(env, "keys", "create", "--account-id", ACCOUNT)
    assert set(created) == {"AccessKeyId", "SecretAccessKey", "AccountId"}
    assert created["AccountId"] == ACCOUNT
    secret = created["SecretAccessKey"]
    assert len(secret) == 40

    plain = run_cli(env, "keys", "create", "--account-id", "444455556666")
    assert plain.returncode == 0, plain.stderr
    lines = dict(line.split(":", 1) for line in plain.stdout.splitlines() if ":" in line)
    assert lines["AccessKeyId"].strip().startswith("AKIA")
    assert len(lines["SecretAccessKey"].strip()) == 40

    listed = run_json(env, "keys", "list", "--account-id", ACCOUNT)
    assert [k["AccessKeyId"] for k in listed["AccessKeys"]] == [created["AccessKeyId"]]
    assert len(run_json(env, "keys", "list")["AccessKeys"]) == 2
    table = run_cli(env, "keys", "list")
    assert created["AccessKeyId"] in table.stdout

    deleted = run_cli(env, "keys", "delete", created["AccessKeyId"])
    assert deleted.returncode == 0, deleted.stderr
    assert run_json(env, "keys", "list", "--account-id", ACCOUNT)["AccessKeys"] == []
    again = run_cli(env, "keys", "delete", created["AccessKeyId"])
    assert again.returncode == 1 and "not found" in again.stderr

    events = run_json(env, "events", "tail")
    for output in (str(listed), table.stdout, deleted.stdout, str(events)):
        assert secret not in output
    secret_file = Path(env["SIGHTGATE_DATA_DIR"]) / "secret.key"
    assert secret_file.stat().st_mode & 0o777 == 0o600


def test_a_bad_account_id_is_one_error_line(env: dict[str, str]) -> None:
    result = run_cli(env, "keys", "create", "--account-id", "12")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: AwsAccountId: must be 12 digits"


def test_set_identity_source(env: dict[str, str], cli_store: Database) -> None:
    subscribe(
        Directory.build(cli_store, InstanceService(cli_store), may_change_identity_source_records)
    )

    def create_instance(account_id: str) -> str:
        created = run_json(
            env, "instances", "create", "--type", "ACCOUNT", "--account-id", account_id
        )
        return str(created["InstanceArn"])

    def set_source(account_id: str, arn: str) -> subprocess.CompletedProcess[str]:
        return run_cli(
            env,
            "accounts",
            "set-identity-source",
            "--account-id",
            account_id,
            "--instance-arn",
            arn,
        )

    own, other = create_instance(ACCOUNT), create_instance(OTHER_ACCOUNT)
    changed = run_json(
        env, "accounts", "set-identity-source", "--account-id", ACCOUNT, "--instance-arn", own
    )
    assert changed["AuthenticationType"] == "IAM_IDENTITY_CENTER"
    assert changed["IAMIdentityCenterInstanceArn"] == own

    missing = set_source(OTHER_ACCOUNT, other)
    assert missing.returncode == 1 and "not found" in missing.stderr
    for foreign in (other, UNKNOWN_INSTANCE_ARN):
        refused = set_source(ACCOUNT, foreign)
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            f"error: access denied: the IAM Identity Center instance {foreign} "
            f"does not serve account {ACCOUNT}"
        )
