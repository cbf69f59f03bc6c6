"""SCIM under load: concurrent member PATCHes on PostgreSQL, and a 50,000-member group."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.identity import repository
from sightgate.identity.model import User
from sightgate.platform.events import Actor
from sightgate.platform.uow import UnitOfWork
from tests.e2e.helpers import cli_env, running_server
from tests.e2e.scim_client import ScimClient, new_store_client

pytestmark = pytest.mark.e2e
CLIENTS = 8
OPERATIONS = 100


def test_concurrent_member_patches_lose_nothing(postgres_url: str, tmp_path: Path) -> None:
    """8 clients, 100 add/remove PATCHes each, on one group at once: the exact set remains."""
    env = cli_env(tmp_path / "data", postgres_url)
    with running_server(env) as base:
        setup = new_store_client(env, base)
        group_id = setup.create_group("busy")["id"]
        bulk = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": f"{c}-{j}",
                    "data": {"userName": f"c{c}-u{j}@example.com"},
                }
                for c in range(CLIENTS)
                for j in range(OPERATIONS)
            ],
        }
        created = setup.request("POST", "/Bulk", bulk).json()["Operations"]
        assert all(r["status"] == "201" for r in created)
        ids = {r["bulkId"]: r["location"].rsplit("/", 1)[1] for r in created}

        def client_run(client_number: int, errors: list[str]) -> None:
            client = ScimClient(setup.url, setup.token, setup.identity_store_id)
            for j in range(OPERATIONS):
                op: dict[str, Any]
                if j % 4 == 3:  # every fourth operation removes the user added just before
                    op = {
                        "op": "remove",
                        "path": f'members[value eq "{ids[f"{client_number}-{j - 1}"]}"]',
                    }
                else:
                    op = {
                        "op": "add",
                        "path": "members",
                        "value": [{"value": ids[f"{client_number}-{j}"]}],
                    }
                response = client.patch(f"/Groups/{group_id}", op)
                if response.status_code != 204:
                    errors.append(response.text)
            client.close()

        errors: list[str] = []
        threads = [threading.Thread(target=client_run, args=(c, errors)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        expected = {
            ids[f"{c}-{j}"] for c in range(CLIENTS) for j in range(OPERATIONS) if j % 4 in (0, 1)
        }
        assert setup.member_ids(group_id) == expected
        setup.close()


def _insert_users(data_dir: Path, store_id: str, count: int) -> list[str]:
    """Set-up only: many users straight into the store, in one transaction."""
    services = Services.build(Settings(data_dir=data_dir))
    now = datetime.now(UTC)
    users = [
        User(
            user_name=f"bulk{i:06d}@example.com",
            user_id=f"{store_id.removeprefix('d-')}-00000000-0000-4000-8000-{i:012d}",
            identity_store_id=store_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        for i in range(count)
    ]
    with UnitOfWork(services.db, Actor("test", "setup")) as uow:
        for user in users:
            repository.insert_user(uow.conn, user)
    services.db.dispose()
    return [u.user_id for u in users]


def test_a_group_of_50000_members(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = cli_env(data_dir, None)
    with running_server(env) as base:
        scim = new_store_client(env, base)
        user_ids = _insert_users(data_dir, scim.identity_store_id, 50_000)
        group_id = scim.create_group("everyone")["id"]
        for start in range(0, 50_000, 10_000):  # one PATCH adds 10,000 members
            chunk = user_ids[start : start + 10_000]
            response = scim.patch(
                f"/Groups/{group_id}",
                {"op": "add", "path": "members", "value": [{"value": u} for u in chunk]},
            )
            assert response.status_code == 204, response.text[:500]
        slim = scim.http.get(f"/Groups/{group_id}", params={"excludedAttributes": "members"})
        assert slim.status_code == 200 and "members" not in slim.json()
        full = scim.http.get(f"/Groups/{group_id}")
        assert len(full.json()["members"]) == 50_000
        removed = scim.patch(
            f"/Groups/{group_id}", {"op": "remove", "path": f'members[value eq "{user_ids[7]}"]'}
        )
        assert removed.status_code == 204
        assert len(scim.member_ids(group_id)) == 49_999
        scim.close()
