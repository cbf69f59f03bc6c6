"""The surface router: each path goes to its surface; nothing new falls through to the AWS
API's catch-all by accident, and odd paths still reach the AWS API."""

from __future__ import annotations

import asyncio

import pytest
from starlette.types import Receive, Scope, Send

from sightgate.app import SurfaceRouter


class Named:
    """An ASGI app that answers with its own name."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": self.name.encode()})


ROUTER = SurfaceRouter(
    [("/scim/", Named("scim")), ("/embed/", Named("embed"))], Named("pages"), Named("aws")
)


def served_by(method: str, path: str) -> str:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    asyncio.run(ROUTER(scope, receive, send))  # type: ignore[arg-type]
    body = sent[-1]["body"]
    assert isinstance(body, bytes)
    return body.decode()


@pytest.mark.parametrize(
    ("method", "path", "surface"),
    [
        ("GET", "/scim/d-0123456789/v2/Users", "scim"),
        ("POST", "/scim/anything", "scim"),
        ("GET", "/embed/abc/dashboards/x", "embed"),
        ("GET", "/", "pages"),
        ("HEAD", "/healthz", "pages"),
        ("GET", "/readyz", "pages"),
        ("POST", "/", "aws"),  # json-1.1 services (IdentityStore, SSO Admin)
        ("POST", "/healthz", "aws"),
        ("GET", "/accounts/111122223333/namespaces/default/users", "aws"),
        ("GET", "/accounts/111122223333/namespaces/a\nb/users", "aws"),  # a decoded %0A
        ("GET", "/scimx", "aws"),
    ],
)
def test_each_path_goes_to_its_surface(method: str, path: str, surface: str) -> None:
    assert served_by(method, path) == surface
