"""The real server process: health, readiness and the demo it serves."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import boto3
import httpx
import pytest
from sqlalchemy import text

from sightgate import __version__
from sightgate.platform.db import Database
from tests.e2e.helpers import cli_env, free_port, run_cli, running_server

pytestmark = pytest.mark.e2e


def test_server_is_healthy_and_ready_with_the_demo_loaded(tmp_path: Path) -> None:
    """What `make run` gives a newcomer: health, and the demo provisioned into analytics."""
    env = cli_env(tmp_path / "data", None)
    assert run_cli(env, "demo", "load").returncode == 0
    key = json.loads(
        run_cli(env, "keys", "create", "--account-id", "111122223333", "--json").stdout
    )
    with running_server(env) as base:
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "store": "sqlite"}
        assert "x-request-id" in ready.headers
        quicksight = boto3.client(
            "quicksight",
            endpoint_url=base,
            region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        deadline = time.monotonic() + 30  # the embedded server provisions in the background
        roles: dict[str, str] = {}
        emails: dict[str, str] = {}
        while len(roles) < 10 and time.monotonic() < deadline:
            listed = quicksight.list_users(AwsAccountId="111122223333", Namespace="default")
            roles = {u["UserName"]: u["Role"] for u in listed["UserList"]}
            emails = {u["UserName"]: u["Email"] for u in listed["UserList"]}
            time.sleep(0.2)
        assert roles["internal-admin-1"] == "ADMIN"
        assert roles["internal-author-1"] == "AUTHOR"
        assert roles["red-customer-reader-1"] == "READER"
        assert len(roles) == 10
        assert emails["internal-admin-1"] == "amara.okafor@isv.example"
        assert emails["red-customer-reader-1"] == "sofia.rossi@red-customer.example"
    users = json.loads(run_cli(env, "users", "list", "--json").stdout)["Users"]
    assert len(users) == 10


def test_readyz_fails_when_migrations_are_pending(postgres_url: str, tmp_path: Path) -> None:
    """A server on a store whose schema is behind is alive but not ready."""
    db = Database(postgres_url)
    with db.engine.begin() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        env = cli_env(tmp_path / "data", postgres_url)
        with running_server(env, "--no-migrate") as base:
            assert httpx.get(f"{base}/healthz").status_code == 200
            ready = httpx.get(f"{base}/readyz")
            assert ready.status_code == 503
            assert ready.json()["store"] == "migrations pending"
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        db.dispose()


def test_readyz_fails_when_the_store_is_unreachable(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", "postgresql://nobody@127.0.0.1:1/none")
    with running_server(env, "--no-migrate") as base:
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["store"] == "unreachable"


def test_logs_are_json_lines_without_credentials(tmp_path: Path) -> None:
    """Request logs are structured and never carry the Authorization header."""
    import subprocess
    import sys
    import time

    from tests.e2e.helpers import free_port

    env = cli_env(tmp_path / "data", None)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sightgate", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(
                    f"http://127.0.0.1:{port}/healthz", headers={"Authorization": "Bearer s3cr3t"}
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("message") == "request"]
    assert requests and requests[0]["path"] == "/healthz" and requests[0]["status"] == 200
    assert "s3cr3t" not in stderr


def test_a_busy_port_is_one_error_line_and_nothing_claims_to_serve(tmp_path: Path) -> None:
    """ "serving on" is printed once the port is ours; a taken port is one line, status 1."""
    env = cli_env(tmp_path / "data", None)
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = run_cli(env, "serve", "--port", str(port))
    assert result.returncode == 1
    assert "serving on" not in result.stdout
    [line] = result.stderr.splitlines()
    assert line == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_the_root_is_a_landing_page_and_there_is_no_empty_openapi(tmp_path: Path) -> None:
    """GET / says what this is and where to go; the AWS API still answers POST /."""
    env = cli_env(tmp_path / "data", None)
    with running_server(env) as base:
        page = httpx.get(f"{base}/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        for needle in ("sightgate", __version__, "/healthz", "/readyz"):
            assert needle in page.text
        assert f"{base}/scim/&lt;IdentityStoreId&gt;/v2" in page.text
        assert f"--endpoint-url {base}" in page.text
        assert f'href="{base}/healthz"' in page.text
        assert "<script" not in page.text
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert httpx.get(f"{base}{path}").status_code == 404, path
        aws = httpx.post(
            f"{base}/",
            headers={"X-Amz-Target": "AWSIdentityStore.ListUsers"},
            content=b"{}",
        )
        assert aws.status_code in {400, 403}
        assert "__type" in aws.json()


def test_the_landing_page_escapes_the_host(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", None)
    with running_server(env) as base:
        page = httpx.get(f"{base}/", headers={"Host": "<b>evil</b>"})
    assert "<b>evil</b>" not in page.text
