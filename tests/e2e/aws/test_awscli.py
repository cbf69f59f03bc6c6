"""The AWS CLI against the real server, exactly as the blog post shows it.

awscli is not a project dependency (see docs/aws-protocol.md): the ``aws`` found in
``SIGHTGATE_AWS_CLI``, next to the interpreter, or on PATH is used, and the module is
skipped without one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.aws.conftest import (
    ACCOUNT,
    REGION,
    AwsServer,
    Key,
    register,
)


def aws_cli() -> str | None:
    """The ``aws`` to test with: ``SIGHTGATE_AWS_CLI``, next to the interpreter, or PATH
    (as tests/protocols/aws/test_awscli.py finds it)."""
    configured = os.environ.get("SIGHTGATE_AWS_CLI")
    if configured:
        return configured
    beside_python = Path(sys.executable).with_name("aws")
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("aws")


AWS = aws_cli()
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(AWS is None, reason="no aws CLI (pipx install awscli)"),
]


def run_aws(
    server: AwsServer, key: Key, *args: str, secret: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``aws ARGS --endpoint-url URL --region us-east-1`` with the key in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=key.access_key_id,
        AWS_SECRET_ACCESS_KEY=secret or key.secret_access_key,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_MAX_ATTEMPTS="1",
        AWS_PAGER="",
    )
    assert AWS is not None
    return subprocess.run(
        [AWS, *args, "--endpoint-url", server.url, "--region", REGION, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_aws_json(server: AwsServer, key: Key, *args: str) -> Any:
    """Run an ``aws`` command that must succeed; its JSON output."""
    result = run_aws(server, key, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def directory(qs: Any, subscribed: str) -> str:
    """The blog post's example: two users and two groups in ``default``."""
    register(qs, subscribed, "default", "alice", role="AUTHOR")
    register(qs, subscribed, "default", "bob")
    for group in ("analysts", "executives"):
        qs.create_group(AwsAccountId=subscribed, Namespace="default", GroupName=group)
    return subscribed


def test_list_users(aws_server: AwsServer, key: Key, directory: str) -> None:
    output = run_aws_json(
        aws_server,
        key,
        "quicksight",
        "list-users",
        "--aws-account-id",
        directory,
        "--namespace",
        "default",
    )

    assert [(u["UserName"], u["Role"]) for u in output["UserList"]] == [
        ("alice", "AUTHOR"),
        ("bob", "READER"),
    ]
    assert output["UserList"][0]["Arn"] == (
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/alice"
    )
    assert output["Status"] == 200
    assert output["RequestId"]


def test_list_groups(aws_server: AwsServer, key: Key, directory: str) -> None:
    output = run_aws_json(
        aws_server,
        key,
        "quicksight",
        "list-groups",
        "--aws-account-id",
        directory,
        "--namespace",
        "default",
    )

    assert [g["GroupName"] for g in output["GroupList"]] == ["analysts", "executives"]
    assert output["GroupList"][1]["Arn"] == (
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:group/default/executives"
    )
    assert output["Status"] == 200


def test_identitystore_list_users(aws_server: AwsServer, key: Key) -> None:
    sso = aws_server.client("sso-admin", key)
    ids = aws_server.client("identitystore", key)
    arn = sso.create_instance(Name="cli")["InstanceArn"]
    store = sso.describe_instance(InstanceArn=arn)["IdentityStoreId"]
    ids.create_user(IdentityStoreId=store, UserName="carol", DisplayName="Carol C")

    output = run_aws_json(
        aws_server, key, "identitystore", "list-users", "--identity-store-id", store
    )

    assert [(u["UserName"], u["DisplayName"]) for u in output["Users"]] == [("carol", "Carol C")]
    assert output["Users"][0]["IdentityStoreId"] == store


def test_errors_reach_the_cli_by_code(aws_server: AwsServer, key: Key, directory: str) -> None:
    missing = run_aws(
        aws_server,
        key,
        "quicksight",
        "describe-user",
        "--aws-account-id",
        directory,
        "--namespace",
        "default",
        "--user-name",
        "nobody",
    )
    unsigned = run_aws(
        aws_server,
        key,
        "quicksight",
        "list-users",
        "--aws-account-id",
        directory,
        "--namespace",
        "default",
        secret="W" * 40,
    )

    assert missing.returncode != 0
    assert "(ResourceNotFoundException)" in missing.stderr
    assert unsigned.returncode != 0
    assert "(InvalidSignatureException)" in unsigned.stderr
