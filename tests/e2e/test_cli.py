"""The ``sightgate`` command, run as a real process against each store."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest

from tests.e2e.helpers import cli_env, run_cli, run_json

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return cli_env(tmp_path / "data", None if database_url.startswith("sqlite") else database_url)


def test_instance_users_groups_and_events_round_trip(env: dict[str, str]) -> None:
    instance = run_json(
        env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333"
    )
    assert instance["InstanceArn"].startswith("arn:aws:sso:::instance/ssoins-")
    store = instance["IdentityStoreId"]
    user = run_json(
        env,
        "users",
        "create",
        "--identity-store-id",
        store,
        "--user-name",
        "jdoe",
        "--display-name",
        "John Doe",
        "--email",
        "jdoe@example.com",
    )
    assert user["Emails"] == [{"Value": "jdoe@example.com", "Type": "work", "Primary": True}]
    group = run_json(env, "groups", "create", "--display-name", "readers")
    membership = run_json(env, "groups", "add-member", "--group", "readers", "--user", "JDOE")
    assert membership["GroupId"] == group["GroupId"]
    assert membership["MemberId"] == {"UserId": user["UserId"]}

    listed = run_json(env, "users", "list")
    assert [u["UserName"] for u in listed["Users"]] == ["jdoe"]
    assert [g["DisplayName"] for g in run_json(env, "groups", "list")["Groups"]] == ["readers"]
    assert (
        run_cli(env, "groups", "remove-member", "--group", "readers", "--user", "jdoe").returncode
        == 0
    )
    assert run_cli(env, "users", "delete", user["UserId"]).returncode == 0
    assert run_json(env, "users", "list")["Users"] == []

    tail = run_json(env, "events", "tail", "--limit", "50")
    assert [e["Type"] for e in tail] == [
        "identity.InstanceCreated",
        "identity.UserCreated",
        "identity.GroupCreated",
        "identity.GroupMembershipCreated",
        "identity.GroupMembershipDeleted",
        "identity.UserDeleted",
    ]
    assert all(e["Actor"] == "cli:admin" for e in tail)


def test_list_pages_with_next_token(env: dict[str, str]) -> None:
    run_json(env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333")
    for i in range(3):
        run_json(env, "users", "create", "--user-name", f"u{i}")
    first = run_json(env, "users", "list", "--limit", "2")
    second = run_json(env, "users", "list", "--limit", "2", "--next-token", first["NextToken"])
    assert len(first["Users"]) == 2 and len(second["Users"]) == 1
    assert "NextToken" not in second


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "create", "--user-name", "JDOE"), "already exists"),
        (("users", "delete", "nobody"), "not found"),
        (("users", "create", "--user-name", "x" * 129), "at most 128 characters"),
        (("instances", "create", "--type", "ACCOUNT", "--account-id", "12"), "12 digits"),
    ],
)
def test_errors_are_one_line_and_a_failure_status(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    run_json(env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333")
    run_json(env, "users", "create", "--user-name", "jdoe")
    result = run_cli(env, *args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_store_must_be_named_when_there_are_several(env: dict[str, str]) -> None:
    run_json(env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333")
    run_json(env, "instances", "create", "--type", "ACCOUNT", "--account-id", "444455556666")
    result = run_cli(env, "users", "list")
    assert result.returncode == 1
    assert "--identity-store-id" in result.stderr


def test_demo_load_twice_creates_once(env: dict[str, str]) -> None:
    first = run_json(env, "demo", "load")
    second = run_json(env, "demo", "load")
    assert (first["UsersCreated"], first["GroupsCreated"], first["MembershipsCreated"]) == (
        10,
        5,
        14,
    )
    assert (second["UsersCreated"], second["GroupsCreated"], second["MembershipsCreated"]) == (
        0,
        0,
        0,
    )
    assert first["IdentityStoreId"] == second["IdentityStoreId"]
    assert (first["AccountSubscribed"], second["AccountSubscribed"]) == (True, False)
    assert len(run_json(env, "users", "list")["Users"]) == 10
    assert first["DataSetsCreated"] == [
        "common-sales-rls-rules",
        "common-sales",
        "red-sales",
        "blue-sales",
    ]
    assert second["DataSetsCreated"] == []


def _customers(env: dict[str, str], data_set_id: str, user: str) -> set[str]:
    found = run_json(
        env,
        "datasets",
        "preview",
        "--account-id",
        "111122223333",
        "--data-set-id",
        data_set_id,
        "--as-user",
        user,
        "--limit",
        "10000",
    )
    assert [c["Name"] for c in found["Columns"]][:2] == ["customer", "region"]
    return {row[0] for row in found["Rows"]}


def test_the_demo_datasets_hold_rows_restricted_by_the_scenario_rules(
    env: dict[str, str],
) -> None:
    run_json(env, "demo", "load")
    run_json(env, "provisioning", "reconcile", "--account-id", "111122223333")
    assert _customers(env, "common-sales", "internal-admin-1") == {"red_customer", "blue_customer"}
    assert _customers(env, "common-sales", "red-customer-reader-1") == {"red_customer"}
    assert _customers(env, "common-sales", "blue-customer-reader-1") == {"blue_customer"}
    assert _customers(env, "red-sales", "red-customer-reader-1") == {"red_customer"}
    assert _customers(env, "blue-sales", "internal-admin-1") == {"blue_customer"}


DEMO_DOMAINS = {
    "internal": "isv.example",
    "red": "red-customer.example",
    "blue": "blue-customer.example",
}


def test_demo_users_have_names_and_emails(env: dict[str, str]) -> None:
    """``aws quicksight list-users`` shows real addresses, not placeholders."""
    run_json(env, "demo", "load")
    users = run_json(env, "users", "list")["Users"]
    for user in users:
        given, family = user["Name"]["GivenName"], user["Name"]["FamilyName"]
        assert user["DisplayName"] == f"{given} {family}"
        [email] = user["Emails"]
        assert email["Primary"] is True
        assert email["Value"].endswith("@" + DEMO_DOMAINS[user["UserName"].split("-")[0]])
    assert len({u["Emails"][0]["Value"] for u in users}) == len(users) == 10


def test_demo_load_fills_in_what_an_older_demo_left_out(env: dict[str, str]) -> None:
    """Users of an earlier demo get names and e-mails; nothing set by hand is overwritten."""
    run_json(env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333")
    run_json(env, "users", "create", "--user-name", "internal-admin-1")
    run_json(env, "users", "create", "--user-name", "internal-admin-2", "--display-name", "Me")
    loaded = run_json(env, "demo", "load")
    assert (loaded["UsersCreated"], loaded["UsersUpdated"]) == (8, 2)
    users = {u["UserName"]: u for u in run_json(env, "users", "list")["Users"]}
    first, second = users["internal-admin-1"], users["internal-admin-2"]
    assert first["DisplayName"] and first["Emails"] and first["Name"]
    assert second["DisplayName"] == "Me"
    assert second["Emails"][0]["Value"].endswith("@isv.example")
    again = run_json(env, "demo", "load")
    assert (again["UsersCreated"], again["UsersUpdated"]) == (0, 0)


def test_data_dir_option_overrides_the_environment(env: dict[str, str], tmp_path: Path) -> None:
    if "SIGHTGATE_DATABASE_URL" in env:
        pytest.skip("the data directory only matters for the embedded store")
    other = tmp_path / "elsewhere"
    result = run_cli(env, "--data-dir", str(other), "instances", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"Instances": []}
    assert (other / "sightgate.db").exists()


# -- usage, version and output when not a terminal -------------------------------------------


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """An environment for commands that never reach a store."""
    return cli_env(tmp_path / "data", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bogus",), "No such command 'bogus'"),
        (("--bogus",), "--bogus"),
        (("users", "list", "--bogus"), "--bogus"),
        (("instances", "create", "--type", "ACCOUNT"), "Missing option '--account-id'"),
        (("users", "list", "--limit", "many"), "Invalid value for '--limit'"),
        (("instances", "create", "--type", "NEITHER", "--account-id", "1"), "NEITHER"),
    ],
)
def test_usage_errors_are_one_line_and_status_2(
    bare_env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    """click's convention: a usage error exits with status 2, here as one line on stderr."""
    result = run_cli(bare_env, *args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and message in line
    assert "--help" in line
    assert not (Path(bare_env["SIGHTGATE_DATA_DIR"]) / "sightgate.db").exists()


def test_version_is_the_package_version(bare_env: dict[str, str]) -> None:
    result = run_cli(bare_env, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"sightgate {importlib.metadata.version('sightgate')}\n"
    assert result.stderr == ""


@pytest.mark.parametrize("command", [(), ("users",), ("scim", "token", "create")])
def test_short_help_is_help(bare_env: dict[str, str], command: tuple[str, ...]) -> None:
    short = run_cli(bare_env, *command, "-h")
    assert short.returncode == 0, short.stderr
    assert "Usage: sightgate" in short.stdout
    assert short.stdout == run_cli(bare_env, *command, "--help").stdout


def test_tables_keep_ids_whole_when_not_a_terminal(bare_env: dict[str, str]) -> None:
    """Piped output is for copying: no id is cut or folded to fit 80 columns."""
    env = {k: v for k, v in bare_env.items() if k not in {"COLUMNS", "LINES"}}
    instance = run_json(
        env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333"
    )
    user = run_json(env, "users", "create", "--user-name", "x" * 90, "--display-name", "y" * 60)
    for args, ids in (
        (("instances", "list"), (instance["InstanceArn"], instance["IdentityStoreId"])),
        (("users", "list"), (user["UserId"], user["UserName"], user["DisplayName"])),
    ):
        result = run_cli(env, *args)
        assert result.returncode == 0, result.stderr
        [row] = [line for line in result.stdout.splitlines() if ids[0] in line]
        for value in ids:
            assert value in row
