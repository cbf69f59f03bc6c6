"""A real uvicorn server with the AWS app mounted under a FastAPI app, and botocore clients.

The AWS app is mounted the way ``create_app`` will mount it: last, at ``/``, after routes
of the main app (a ``/healthz`` here), so the tests also show it shadows nothing. The
handlers are small in-test functions that record what they received, guarded by the real
access rules and an in-test authorizer that records what it was asked.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from fastapi import FastAPI

from sightgate.analytics.access.authorizer import (
    AccountResource,
    IdentityStoreResource,
    Target,
)
from sightgate.analytics.principals.model import AccountCaller
from sightgate.platform.errors import AccessDeniedError, ConflictError, NotFoundError
from sightgate.protocols.aws import (
    AwsError,
    Credential,
    Handler,
    RequestContext,
    StaticCredentials,
    build_aws_app,
)
from sightgate.protocols.aws.handlers.rules import (
    by_resource_arn,
    in_named_account,
    in_store,
    own_account,
)
from sightgate.protocols.aws.registry import AccessRule, Route

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
KEY_ID = "AKIASIGHTGATETEST01"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "eu-central-1"
STORE_ID = "d-1234567890"
USER_ID = "a1b2c3d4-1111-2222-3333-444455556666"
TOKEN_KEY = b"test-token-key-0123456789abcdef"


@dataclass
class Recorder:
    """What the handlers were called with and the authorizer asked, newest last."""

    calls: list[tuple[RequestContext, dict[str, Any]]] = field(default_factory=list)
    asked: list[tuple[AccountCaller, str, Target]] = field(default_factory=list)

    @property
    def last(self) -> tuple[RequestContext, dict[str, Any]]:
        return self.calls[-1]


@dataclass
class RecordingAuthorizer:
    """The authorizer's rules for access keys, without a store: a key acts on its own
    account, and on ``STORE_ID``, which serves every account."""

    recorder: Recorder

    def require(self, principal: AccountCaller, action: str, target: Target) -> object:
        self.recorder.asked.append((principal, action, target))
        if isinstance(target, AccountResource) and target.account_id == principal.account_id:
            return True
        if isinstance(target, IdentityStoreResource) and target.identity_store_id == STORE_ID:
            return True
        raise AccessDeniedError(f"{principal.account_id} may not {action} on {target}")


def build_routes(recorder: Recorder) -> list[Route]:
    """The handlers, each behind the access rule its real counterpart has."""
    rules: dict[str, AccessRule] = {
        "quicksight": in_named_account,
        "identitystore": in_store,
        "sso-admin": own_account,
    }
    return [
        Route(
            service,
            name,
            handler,
            by_resource_arn if name == "UntagResource" else rules[service],
        )
        for (service, name), handler in build_handlers(recorder).items()
    ]


def build_handlers(recorder: Recorder) -> dict[tuple[str, str], Handler]:
    """Handlers exercising every part of the protocol layer, no business logic."""

    def record(ctx: RequestContext, params: dict[str, Any]) -> None:
        recorder.calls.append((ctx, params))

    def qs_describe_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        if params["UserName"] == "missing":
            raise NotFoundError("User", params["UserName"])
        arn = f"arn:aws:quicksight:{ctx.region}:{ctx.account_id}:user/{params['Namespace']}"
        return {
            "User": {
                "Arn": f"{arn}/{params['UserName']}",
                "UserName": params["UserName"],
                "Email": "alice@example.com",
                "Role": "READER",
                "Active": True,
                "PrincipalId": "federated/iam/alice",
                "NotAShapeMember": "dropped",
            },
            "Status": 200,
        }

    def qs_register_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        if params.get("UserName") == "taken":
            raise ConflictError("User", "UserName", "taken")
        return {
            "User": {"UserName": params.get("UserName"), "Role": params["UserRole"]},
            "Status": 201,
        }

    def qs_list_users(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        start = ctx.decode_next_token(params["NextToken"])["i"] if "NextToken" in params else 0
        size = params.get("MaxResults", 2)
        names = [f"user{i}" for i in range(5)]
        page = names[start : start + size]
        output: dict[str, Any] = {"UserList": [{"UserName": n} for n in page], "Status": 200}
        if start + size < len(names):
            output["NextToken"] = ctx.encode_next_token({"i": start + size})
        return output

    def qs_embed_url(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        return {"EmbedUrl": "https://example.com/embed", "Status": 200}

    def qs_untag(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        return {"Status": 200}

    def qs_create_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        raise RuntimeError("a bug in a handler")

    def qs_delete_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        return {"Status": "not a status code"}  # a bug: the output shape cannot hold it

    def ids_describe_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        if params["UserId"].endswith("0000"):
            raise AwsError("AccessDeniedException", "custom denial", 400)
        return {
            "IdentityStoreId": params["IdentityStoreId"],
            "UserId": params["UserId"],
            "UserName": "alice",
            "Name": {"GivenName": "Alice", "FamilyName": "Liddell"},
            "Emails": [{"Value": "alice@example.com", "Primary": True}],
            "CreatedAt": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "UpdatedAt": "2026-02-03T04:05:06+00:00",
        }

    def ids_list_users(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        if "NextToken" in params:
            ctx.decode_next_token(params["NextToken"])
        return {"Users": [], "NextToken": ctx.encode_next_token({"after": "alice"})}

    def ids_create_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        raise ConflictError("User", "UserName", params.get("UserName", ""))

    def sso_list_instances(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        record(ctx, params)
        return {
            "Instances": [
                {
                    "InstanceArn": "arn:aws:sso:::instance/ssoins-1234567890abcdef",
                    "IdentityStoreId": STORE_ID,
                    "OwnerAccountId": ctx.account_id,
                    "CreatedDate": 1767225600,
                }
            ]
        }

    return {
        ("quicksight", "DescribeUser"): qs_describe_user,
        ("quicksight", "RegisterUser"): qs_register_user,
        ("quicksight", "ListUsers"): qs_list_users,
        ("quicksight", "GetDashboardEmbedUrl"): qs_embed_url,
        ("quicksight", "UntagResource"): qs_untag,
        ("quicksight", "CreateGroup"): qs_create_group,
        ("quicksight", "DeleteUser"): qs_delete_user,
        ("identitystore", "DescribeUser"): ids_describe_user,
        ("identitystore", "ListUsers"): ids_list_users,
        ("identitystore", "CreateUser"): ids_create_user,
        ("sso-admin", "ListInstances"): sso_list_instances,
    }


def parent_app(recorder: Recorder, *, dev_mode: bool) -> FastAPI:
    """A FastAPI app like sightgate's: its own routes first, the AWS app mounted last."""
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    credentials = StaticCredentials(
        [
            Credential(KEY_ID, SECRET, ACCOUNT),
            Credential("AKIAOTHERACCOUNT0001", "other-secret", OTHER_ACCOUNT),
        ]
    )
    app.mount(
        "/",
        build_aws_app(
            build_routes(recorder),
            credentials,
            authorizer=RecordingAuthorizer(recorder),
            accounts=None,
            dev_mode=dev_mode,
            token_key=TOKEN_KEY,
            max_body_bytes=256 * 1024,
        ),
    )
    return app


@dataclass
class Server:
    """A running server: its base URL and the handler call recorder."""

    url: str
    recorder: Recorder

    def client(
        self,
        service: str,
        *,
        key_id: str = KEY_ID,
        secret: str = SECRET,
        region: str = REGION,
        validate: bool = True,
    ) -> Any:
        """A real botocore client for ``service`` pointed at this server (no retries);
        ``validate=False`` sends what botocore's own parameter validation would refuse.

        Typed ``Any``: botocore clients get their operation methods at runtime."""
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.url,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            region_name=region,
            config=Config(
                retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=validate
            ),
        )

    def signed(
        self,
        method: str,
        path: str,
        *,
        service: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        key_id: str = KEY_ID,
        secret: str = SECRET,
        sign: bool = True,
    ) -> httpx.Response:
        """A hand-made request signed by botocore's SigV4Auth (for bodies no client sends)."""
        request = AWSRequest(method=method, url=f"{self.url}{path}", data=body, headers=headers)
        if sign:
            SigV4Auth(Credentials(key_id, secret), service, REGION).add_auth(request)
        return httpx.request(
            method,
            f"{self.url}{path}",
            content=body,
            headers=dict(request.headers.items()),
            timeout=30,
        )


@contextmanager
def _serve(app: FastAPI) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="package")
def server() -> Iterator[Server]:
    """The AWS API with signature checks (normal mode)."""
    recorder = Recorder()
    with _serve(parent_app(recorder, dev_mode=False)) as url:
        yield Server(url, recorder)


@pytest.fixture(scope="package")
def dev_server() -> Iterator[Server]:
    """The AWS API in dev mode (any well-formed SigV4 header is accepted)."""
    recorder = Recorder()
    with _serve(parent_app(recorder, dev_mode=True)) as url:
        yield Server(url, recorder)
