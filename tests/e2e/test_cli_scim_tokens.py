"""``sightgate scim token``, run as a real process against each store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import cli_env, run_cli, run_json

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return cli_env(tmp_path / "data", None if database_url.startswith("sqlite") else database_url)


@pytest.fixture
def store(env: dict[str, str]) -> str:
    instance = run_json(
        env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333"
    )
    return str(instance["IdentityStoreId"])


def test_create_list_and_revoke(env: dict[str, str], store: str) -> None:
    created = run_json(env, "scim", "token", "create", "--description", "okta")
    assert set(created) == {"url", "token", "tokenId", "expiresAt"}
    assert created["url"] == f"http://127.0.0.1:8080/scim/{store}/v2"
    assert created["token"].startswith(f"sgscim_{created['tokenId']}_")
    secret = created["token"].split("_", 2)[2]

    listed = run_json(env, "scim", "token", "list", "--identity-store-id", store)
    [token] = listed["tokens"]
    assert (token["tokenId"], token["status"], token["description"]) == (
        created["tokenId"],
        "ACTIVE",
        "okta",
    )
    assert token["expiresAt"] == created["expiresAt"]
    table = run_cli(env, "scim", "token", "list")
    assert table.returncode == 0, table.stderr
    assert created["tokenId"] in table.stdout

    revoked = run_cli(env, "scim", "token", "revoke", created["tokenId"])
    assert revoked.returncode == 0, revoked.stderr
    [token] = run_json(env, "scim", "token", "list")["tokens"]
    assert token["status"] == "REVOKED" and token["revokedAt"]

    events = run_json(env, "events", "tail")
    assert [e["Type"] for e in events][-2:] == [
        "identity.ScimTokenCreated",
        "identity.ScimTokenRevoked",
    ]
    for output in (table.stdout, revoked.stdout, str(listed), str(events)):
        assert secret not in output


def test_plain_output_shows_the_url_and_the_token_once(env: dict[str, str], store: str) -> None:
    result = run_cli(env, "scim", "token", "create", "--expires-in-days", "30")
    assert result.returncode == 0, result.stderr
    [token_line] = [line for line in result.stdout.splitlines() if "sgscim_" in line]
    assert token_line.split()[-1].startswith("sgscim_")
    assert f"http://127.0.0.1:8080/scim/{store}/v2" in result.stdout


def test_the_public_url_comes_from_the_option_or_the_environment(
    env: dict[str, str], store: str
) -> None:
    from_option = run_json(env, "scim", "token", "create", "--base-url", "https://sg.example.com/")
    assert from_option["url"] == f"https://sg.example.com/scim/{store}/v2"
    proxied = {**env, "SIGHTGATE_PUBLIC_URL": "https://example.com/sightgate"}
    from_env = run_json(proxied, "scim", "token", "create")
    assert from_env["url"] == f"https://example.com/sightgate/scim/{store}/v2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "--expires-in-days", "0"), "between 1 hour and 5 years"),
        (("create", "--expires-in-days", "1826"), "between 1 hour and 5 years"),
        (("create", "--base-url", "sg.example.com"), "base-url"),
        (("create", "--identity-store-id", "d-0000000000"), "not found"),
        (("revoke", "0123456789abcdef"), "not found"),
    ],
)
def test_errors_are_one_line(
    env: dict[str, str], store: str, args: tuple[str, ...], message: str
) -> None:
    result = run_cli(env, "scim", "token", *args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
