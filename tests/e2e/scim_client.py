"""A small SCIM client for end-to-end tests against the real server process."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.helpers import run_json

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class ScimClient:
    """An IdP's view of one identity store: its base URL and bearer token."""

    def __init__(self, url: str, token: str, identity_store_id: str) -> None:
        self.url = url
        self.token = token
        self.identity_store_id = identity_store_id
        self.http = httpx.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=120,
        )

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        """Send ``body`` as JSON (the way Okta and Entra do, as application/json)."""
        content = None if body is None else json.dumps(body)
        return self.http.request(method, path, content=content, **kwargs)

    def create_user(self, user_name: str, **extra: Any) -> dict[str, Any]:
        response = self.request(
            "POST", "/Users", {"schemas": [CORE_USER], "userName": user_name, **extra}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def create_group(self, display_name: str, members: list[str] | None = None) -> dict[str, Any]:
        response = self.request(
            "POST",
            "/Groups",
            {
                "schemas": [CORE_GROUP],
                "displayName": display_name,
                "members": [{"value": m} for m in members or []],
            },
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def patch(self, path: str, *operations: dict[str, Any]) -> httpx.Response:
        return self.request("PATCH", path, {"schemas": [PATCH_OP], "Operations": list(operations)})

    def member_ids(self, group_id: str) -> set[str]:
        response = self.http.get(f"/Groups/{group_id}")
        assert response.status_code == 200, response.text
        return {m["value"] for m in response.json().get("members", [])}

    def close(self) -> None:
        self.http.close()


def new_store_client(env: dict[str, str], base: str) -> ScimClient:
    """A fresh identity store (an ACCOUNT instance of a random account) and a token for it."""
    account = f"{random.randrange(10**11, 10**12):012d}"
    instance = run_json(env, "instances", "create", "--type", "ACCOUNT", "--account-id", account)
    store = instance["IdentityStoreId"]
    issued = run_json(
        env, "scim", "token", "create", "--identity-store-id", store, "--base-url", base
    )
    return ScimClient(issued["url"], issued["token"], store)


def recording(path: Path, **values: str) -> Any:
    """A recorded request body with its ``{{name}}`` placeholders filled in."""
    text = path.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    assert "{{" not in text, f"unfilled placeholder in {path.name}"
    return json.loads(text)
