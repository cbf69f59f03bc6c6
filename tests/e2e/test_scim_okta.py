"""Okta's provisioning sequences, replayed against the real server with recorded bodies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import run_json
from tests.e2e.scim_client import ScimClient, recording

pytestmark = pytest.mark.e2e


def test_user_lifecycle(
    scim: ScimClient, recorded: Path, scim_server: tuple[dict[str, str], str]
) -> None:
    okta = recorded / "okta"
    # Okta first looks the user up (case-insensitively) and finds nothing.
    lookup = scim.http.get(
        "/Users",
        params={"filter": 'userName eq "dade.murphy@example.com"', "startIndex": 1, "count": 100},
    )
    assert lookup.status_code == 200
    assert lookup.json()["totalResults"] == 0 and lookup.json()["Resources"] == []

    created = scim.request("POST", "/Users", recording(okta / "create_user.json"))
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["Location"].endswith(f"/Users/{user['id']}")
    assert created.headers["content-type"].startswith("application/scim+json")
    assert user["externalId"] == "00u1dhhb1fkIGP7RL1d8"
    assert "password" not in user and "groups" not in user

    found = scim.http.get("/Users", params={"filter": 'userName eq "DADE.MURPHY@EXAMPLE.COM"'})
    assert [u["id"] for u in found.json()["Resources"]] == [user["id"]]

    # Profile updates: a GET, then a full PUT.
    current = scim.http.get(f"/Users/{user['id']}")
    assert current.status_code == 200 and current.headers["ETag"] == 'W/"1"'
    replaced = scim.request(
        "PUT", f"/Users/{user['id']}", recording(okta / "replace_user.json", userId=user["id"])
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == {
        "givenName": "Dade",
        "middleName": "Zero",
        "familyName": "Cool",
    }
    assert replaced.json()["displayName"] == "Zero Cool"
    assert replaced.headers["ETag"] == 'W/"2"'

    # Deactivation is a path-less replace, never a DELETE; the user stays listed.
    deactivated = scim.request(
        "PATCH", f"/Users/{user['id']}", recording(okta / "deactivate_user.json")
    )
    assert deactivated.status_code in (200, 204), deactivated.text
    after = scim.http.get(f"/Users/{user['id']}").json()
    assert after["active"] is False
    listed = scim.http.get("/Users", params={"filter": 'userName eq "dade.murphy@example.com"'})
    assert listed.json()["Resources"][0]["active"] is False

    # Every SCIM change is in the audit trail, attributed to the token that made it.
    env, _ = scim_server
    trail = [
        e
        for e in run_json(env, "events", "tail", "--limit", "1000")
        if e["AggregateId"] == user["id"]
    ]
    assert [e["Type"] for e in trail] == [
        "identity.UserCreated",
        "identity.UserUpdated",
        "identity.UserUpdated",
    ]
    assert trail[-1]["Payload"]["Changed"] == ["active"]
    assert {e["Actor"] for e in trail} == {f"scim:{scim.token.split('_')[1]}"}


def test_import_pages_with_start_index_and_count(scim: ScimClient) -> None:
    ids = {scim.create_user(f"import{i:03d}@example.com")["id"] for i in range(230)}
    seen: list[str] = []
    start = 1
    while True:
        page = scim.http.get("/Users", params={"startIndex": start, "count": 100}).json()
        assert page["totalResults"] == 230
        assert page["startIndex"] == start
        seen += [u["id"] for u in page["Resources"]]
        if start + page["itemsPerPage"] > page["totalResults"]:
            break
        start += page["itemsPerPage"]
    assert len(seen) == 230 and set(seen) == ids


def test_group_push(scim: ScimClient, recorded: Path) -> None:
    okta = recorded / "okta"
    users = [scim.create_user(f"member{i}@example.com")["id"] for i in range(4)]
    created = scim.request("POST", "/Groups", recording(okta / "create_group.json"))
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    assert created.json()["members"] == []

    renamed = scim.request(
        "PATCH", f"/Groups/{group_id}", recording(okta / "rename_group.json", groupId=group_id)
    )
    assert renamed.status_code in (200, 204), renamed.text
    assert scim.http.get(f"/Groups/{group_id}").json()["displayName"] == "Test SCIMv2 (renamed)"

    for user_id in users[:2]:
        scim.patch(
            f"/Groups/{group_id}", {"op": "add", "path": "members", "value": [{"value": user_id}]}
        )
    assert scim.member_ids(group_id) == set(users[:2])

    # Okta re-sends the rename with every membership change, then remove + add.
    moved = scim.request(
        "PATCH",
        f"/Groups/{group_id}",
        recording(
            okta / "move_member.json", groupId=group_id, removedId=users[0], addedId=users[2]
        ),
    )
    assert moved.status_code in (200, 204), moved.text
    assert scim.member_ids(group_id) == {users[1], users[2]}

    replaced = scim.request(
        "PATCH",
        f"/Groups/{group_id}",
        recording(okta / "replace_members.json", firstId=users[0], secondId=users[3]),
    )
    assert replaced.status_code in (200, 204), replaced.text
    assert scim.member_ids(group_id) == {users[0], users[3]}

    by_name = scim.http.get("/Groups", params={"filter": 'displayName eq "test scimv2 (renamed)"'})
    assert [g["id"] for g in by_name.json()["Resources"]] == [group_id]
