"""The AWS CLI works unchanged against the server (``--endpoint-url``).

awscli is not a project dependency: awscli 1.x pins docutils<=0.19 while scim2-cli (dev)
needs docutils>=0.21.2, so the two cannot share the venv. The test runs the ``aws`` found
in ``SIGHTGATE_AWS_CLI``, the venv, or PATH (``pipx install awscli`` puts one there) and is
skipped when there is none.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.protocols.aws.conftest import ACCOUNT, KEY_ID, REGION, SECRET, STORE_ID, USER_ID, Server


def aws_cli() -> str | None:
    """The ``aws`` executable to test with, if any."""
    configured = os.environ.get("SIGHTGATE_AWS_CLI")
    if configured:
        return configured
    beside_python = Path(sys.executable).with_name("aws")
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("aws")


AWS = aws_cli()
pytestmark = pytest.mark.skipif(AWS is None, reason="no aws CLI (pipx install awscli)")


def run_aws(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=KEY_ID,
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_MAX_ATTEMPTS="1",
    )
    assert AWS is not None
    return subprocess.run(
        [AWS, *args, "--endpoint-url", server.url, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_quicksight_describe_user(server: Server) -> None:
    result = run_aws(
        server,
        "quicksight",
        "describe-user",
        "--aws-account-id",
        ACCOUNT,
        "--namespace",
        "default",
        "--user-name",
        "alice",
    )

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["Status"] == 200
    assert output["User"]["UserName"] == "alice"
    assert server.recorder.last[0].request_id == output["RequestId"]


def test_identitystore_describe_user(server: Server) -> None:
    result = run_aws(
        server,
        "identitystore",
        "describe-user",
        "--identity-store-id",
        STORE_ID,
        "--user-id",
        USER_ID,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["UserName"] == "alice"


def test_errors_reach_the_cli_by_code(server: Server) -> None:
    result = run_aws(
        server, "quicksight", "list-groups", "--aws-account-id", ACCOUNT, "--namespace", "default"
    )

    assert result.returncode != 0
    assert "(NotImplementedException)" in result.stderr
    assert "sightgate does not implement QuickSight:ListGroups yet" in result.stderr
