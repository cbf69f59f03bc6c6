"""A real ``sightgate serve`` process per test module, and real boto3 clients for it.

Each test module gets its own server on its own store (module-scoped fixtures), so
modules never see each other's accounts: an embedded one, or with
``SIGHTGATE_TEST_DATABASE_URL`` set a fresh PostgreSQL database made beside that one and
dropped after the module. Access keys are issued the way an operator does it:
``sightgate keys create --account-id ... --json``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.e2e.helpers import cli_env, fresh_store, run_json, running_server

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
REGION = "us-east-1"


@dataclass(frozen=True)
class Key:
    """An access key issued by ``sightgate keys create``."""

    access_key_id: str
    secret_access_key: str
    account_id: str


@dataclass(frozen=True)
class AwsServer:
    """A running server: the CLI environment of its store and its base URL."""

    env: dict[str, str]
    url: str

    def new_key(self, account_id: str) -> Key:
        """Issue an access key for ``account_id`` with the real CLI."""
        issued = run_json(self.env, "keys", "create", "--account-id", account_id)
        assert issued["AccountId"] == account_id
        assert issued["AccessKeyId"].startswith("AKIA")
        return Key(issued["AccessKeyId"], issued["SecretAccessKey"], issued["AccountId"])

    def client(
        self,
        service: str,
        key: Key | None = None,
        *,
        key_id: str | None = None,
        secret: str | None = None,
        region: str = REGION,
        validate: bool = True,
    ) -> Any:
        """A boto3 client for ``service`` signed with ``key`` (or explicit ``key_id`` and
        ``secret``); ``validate=False`` sends what botocore's own validation would refuse,
        so the server's validation is what answers."""
        return make_client(
            self.url,
            service,
            key_id=key_id if key_id is not None else _required(key).access_key_id,
            secret=secret if secret is not None else _required(key).secret_access_key,
            region=region,
            validate=validate,
        )


def _required(key: Key | None) -> Key:
    assert key is not None, "pass a key, or key_id and secret"
    return key


def make_client(
    url: str, service: str, *, key_id: str, secret: str, region: str, validate: bool = True
) -> Any:
    """A real boto3 client pointed at ``url`` (no retries: an error is seen as it is).

    Typed ``Any``: botocore clients get their operation methods at runtime."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        region_name=region,
        config=Config(
            retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=validate
        ),
    )


def error_of(call: Callable[[], object]) -> ClientError:
    """The ``ClientError`` ``call`` raises (the test fails if it succeeds)."""
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def code_of(call: Callable[[], object]) -> str:
    """The AWS error code ``call`` fails with."""
    return str(error_of(call).response["Error"]["Code"])


def error_member(error: ClientError, name: str) -> object:
    """A modeled member of the error shape (``Reason``, ``ResourceType``), which botocore
    puts beside ``Error`` in the response."""
    response: dict[str, object] = dict(error.response)
    return response.get(name)


def status_of(error: ClientError) -> int:
    """The HTTP status of a failed call."""
    return int(error.response["ResponseMetadata"]["HTTPStatusCode"])


def unique(prefix: str) -> str:
    """A name no other test uses (namespace names allow ``a-zA-Z0-9._-``)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def subscribe(qs: Any, account_id: str, name: str | None = None) -> None:
    """CreateAccountSubscription with the simplest settings."""
    response = qs.create_account_subscription(
        AwsAccountId=account_id,
        AccountName=name or f"acct-{account_id}",
        NotificationEmail=f"ops-{account_id}@example.com",
        AuthenticationMethod="IAM_AND_QUICKSIGHT",
        Edition="ENTERPRISE",
    )
    assert response["Status"] == 200


def register(
    qs: Any, account_id: str, namespace: str, user_name: str, role: str = "READER"
) -> dict[str, Any]:
    """RegisterUser of a QUICKSIGHT user; returns the ``User``."""
    response = qs.register_user(
        AwsAccountId=account_id,
        Namespace=namespace,
        IdentityType="QUICKSIGHT",
        UserName=user_name,
        Email=f"{user_name.replace(' ', '.').lower()}@example.com",
        UserRole=role,
    )
    assert response["Status"] == 201
    user: dict[str, Any] = response["User"]
    return user


def create_namespace(qs: Any, account_id: str, name: str) -> dict[str, Any]:
    """CreateNamespace (QUICKSIGHT identity store); returns the response."""
    response: dict[str, Any] = qs.create_namespace(
        AwsAccountId=account_id, Namespace=name, IdentityStore="QUICKSIGHT"
    )
    assert response["Status"] == 201
    return response


def user_names(qs: Any, account_id: str, namespace: str) -> list[str]:
    """Every user name of a namespace (one page: tests keep namespaces small)."""
    response = qs.list_users(AwsAccountId=account_id, Namespace=namespace, MaxResults=100)
    assert "NextToken" not in response
    return [u["UserName"] for u in response["UserList"]]


def collect_pages(
    call: Callable[..., dict[str, Any]], key: str, page_size: int, **params: Any
) -> list[list[Any]]:
    """Every page of a list operation, following NextToken with MaxResults=page_size."""
    pages: list[list[Any]] = []
    token: str | None = None
    while True:
        extra = {"NextToken": token} if token else {}
        response = call(MaxResults=page_size, **params, **extra)
        pages.append(response[key])
        assert len(response[key]) <= page_size
        token = response.get("NextToken")
        if not token:
            return pages
        assert len(pages) < 100, "pagination does not end"


def request_id_of(response: dict[str, Any]) -> str:
    """The ``RequestId`` member, checked against the ``x-amzn-RequestId`` header."""
    request_id = str(response["RequestId"])
    assert request_id
    assert response["ResponseMetadata"]["RequestId"] == request_id
    return request_id


# -- fixtures ------------------------------------------------------------------------------


@contextmanager
def serving(tmp_path_factory: pytest.TempPathFactory, *args: str) -> Iterator[AwsServer]:
    """``sightgate serve ARGS`` on a fresh store, with its provisioning worker in process
    (the default on the embedded store only)."""
    with fresh_store() as database_url:
        env = cli_env(tmp_path_factory.mktemp("aws") / "data", database_url)
        with running_server(env, *args, "--worker") as url:
            yield AwsServer(env, url)


@pytest.fixture(scope="module")
def aws_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsServer]:
    """``sightgate serve`` on a fresh store, shared by one test module."""
    with serving(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsServer]:
    """``sightgate serve --dev`` (any well-formed credentials) on a fresh store."""
    with serving(tmp_path_factory, "--dev") as server:
        yield server


@pytest.fixture(scope="module")
def key(aws_server: AwsServer) -> Key:
    """An access key of ``ACCOUNT``."""
    return aws_server.new_key(ACCOUNT)


@pytest.fixture(scope="module")
def other_key(aws_server: AwsServer) -> Key:
    """An access key of ``OTHER_ACCOUNT``."""
    return aws_server.new_key(OTHER_ACCOUNT)


@pytest.fixture(scope="module")
def qs(aws_server: AwsServer, key: Key) -> Any:
    """A QuickSight client of ``ACCOUNT``."""
    return aws_server.client("quicksight", key)


@pytest.fixture(scope="module")
def subscribed(qs: Any) -> str:
    """``ACCOUNT``, subscribed (with its ``default`` namespace); its id."""
    subscribe(qs, ACCOUNT, "acme")
    return ACCOUNT


@pytest.fixture
def namespace(qs: Any, subscribed: str) -> str:
    """A new, empty namespace of ``ACCOUNT`` for one test."""
    name = unique("ns")
    create_namespace(qs, subscribed, name)
    return name
