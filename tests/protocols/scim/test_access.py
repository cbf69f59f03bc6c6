"""SCIM access goes through the authorizer: after the token authenticates, each route's
action is asked as the token's ``ScimClient``, at no statement's cost; a denial is 403."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from sqlalchemy import event
from starlette.testclient import TestClient
from starlette.types import Message

from sightgate.analytics.access.authorizer import Authorizer, IdentityStoreResource, Target
from sightgate.analytics.principals.model import ScimClient
from sightgate.bootstrap import Services
from sightgate.identity.directory import Search
from sightgate.identity.model import InstanceType, UserFields
from sightgate.platform.errors import AccessDeniedError
from sightgate.platform.events import Actor
from sightgate.protocols.scim.routes import ScimApp

ACTOR = Actor("test", "scim")
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


@dataclass
class Asked:
    """One question the authorizer was asked, and how many statements answering it ran."""

    principal: object
    action: str
    target: Target
    statements: int


@pytest.fixture
def asked(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Asked]]:
    """Every ``require`` the SCIM app asks the real authorizer, with its statement count."""
    seen: list[Asked] = []
    counter = [0]

    def count(*_: Any) -> None:
        counter[0] += 1

    real = Authorizer.require

    def spy(self: Authorizer, principal: Any, action: str, target: Target) -> object:
        before = counter[0]
        try:
            return real(self, principal, action, target)
        finally:
            seen.append(Asked(principal, action, target, counter[0] - before))

    monkeypatch.setattr(Authorizer, "require", spy)
    event.listen(services.db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(services.db.engine, "before_cursor_execute", count)


@pytest.fixture
def token(services: Services, store_id: str) -> tuple[str, str]:
    """A token for the store: (secret, token id)."""
    issued = services.scim_tokens.create(store_id, actor=ACTOR)
    return issued.token, issued.token_id


@pytest.fixture
def client(services: Services, store_id: str, token: tuple[str, str]) -> Iterator[TestClient]:
    # Without ``with``: the SCIM app is mounted under the main app, which runs lifespan.
    http = TestClient(ScimApp(services, "http://sg"), base_url=f"http://sg/scim/{store_id}/v2")
    http.headers["Authorization"] = f"Bearer {token[0]}"
    yield http
    http.close()


def test_each_request_asks_the_authorizer_as_the_token_at_no_statement(
    services: Services,
    store_id: str,
    token: tuple[str, str],
    client: TestClient,
    asked: list[Asked],
) -> None:
    user = services.identity.create_user(store_id, UserFields(user_name="u"), ACTOR)
    assert client.get(f"/Users/{user.user_id}").status_code == 200
    assert client.get("/Groups", params={"filter": 'displayName eq "x"'}).status_code == 200
    assert client.get("/ServiceProviderConfig").status_code == 200
    principal = ScimClient(store_id, token[1])
    resource = IdentityStoreResource(store_id)
    assert asked == [
        Asked(principal, "scim:GetUser", resource, 0),
        Asked(principal, "scim:ListGroups", resource, 0),
        Asked(principal, "scim:GetServiceProviderConfig", resource, 0),
    ]


def test_each_bulk_operation_is_asked_as_the_request_it_stands_for(
    client: TestClient, asked: list[Asked]
) -> None:
    operations = [
        {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"userName": "b"}},
        {"method": "PATCH", "path": "/Users/bulkId:u", "data": {"Operations": []}},
        {"method": "DELETE", "path": "/Users/bulkId:u"},
    ]
    response = client.post("/Bulk", json={"schemas": [BULK], "Operations": operations})
    assert response.status_code == 200, response.text
    assert [a.action for a in asked] == [
        "scim:Bulk",
        "scim:CreateUser",
        "scim:PatchUser",
        "scim:DeleteUser",
    ]


def deny(actions: set[str]) -> Any:
    """An authorizer ``require`` that refuses ``actions`` and allows the rest."""

    def require(self: Authorizer, principal: Any, action: str, target: Target) -> object:
        if action in actions:
            raise AccessDeniedError(f"{action} is refused here")
        return None

    return require


def test_a_denial_is_403_in_scims_error_shape(
    services: Services,
    store_id: str,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Authorizer, "require", deny({"scim:CreateUser", "scim:DeleteUser"}))
    response = client.post("/Users", json={"userName": "refused"})
    assert response.status_code == 403
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == "403"
    assert "scim:CreateUser is refused here" in body["detail"]
    bulk = client.post(
        "/Bulk",
        json={
            "schemas": [BULK],
            "Operations": [{"method": "POST", "path": "/Users", "bulkId": "x", "data": {}}],
        },
    )
    assert bulk.json()["Operations"][0]["status"] == "403"
    assert services.identity.search_users(store_id, Search()).total == 0


def test_a_token_of_another_store_is_401_before_any_decision(
    services: Services, store_id: str, client: TestClient, asked: list[Asked]
) -> None:
    other = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="444455556666", actor=ACTOR
    )
    foreign = services.scim_tokens.create(other.identity_store_id, actor=ACTOR).token
    response = client.get("/Users", headers={"Authorization": f"Bearer {foreign}"})
    assert response.status_code == 401
    assert response.json()["schemas"] == [ERROR]
    assert asked == []


def test_a_client_gone_mid_body_is_no_error(
    services: Services, store_id: str, token: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A disconnect while the body is read: nothing is sent, nothing logged as an error."""
    app = ScimApp(services, "http://sg")
    incoming: list[Message] = [
        {"type": "http.request", "body": b'{"userName": ', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/scim/{store_id}/v2/Users",
        "headers": [(b"authorization", f"Bearer {token[0]}".encode())],
        "query_string": b"",
        "scheme": "http",
        "server": ("sg", 80),
    }
    with caplog.at_level(logging.DEBUG):
        anyio.run(app, scope, receive, send)
    assert sent == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("disconnected" in r.getMessage() for r in caplog.records)
