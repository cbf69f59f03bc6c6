"""Microsoft Entra ID's provisioning sequences, replayed against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.scim_client import ENTERPRISE, ScimClient, recording

pytestmark = pytest.mark.e2e


def test_user_matching_update_and_disable(scim: ScimClient, recorded: Path) -> None:
    entra = recorded / "entra"
    body = recording(entra / "create_user.json")
    # Entra matches before creating; a filter that finds nothing is 200 with an empty list.
    for expression in (
        f'userName eq "{body["userName"]}"',
        f'externalId eq "{body["externalId"]}"',
        f'emails[type eq "work"].value eq "{body["emails"][0]["value"]}"',
    ):
        missing = scim.http.get("/Users", params={"filter": expression})
        assert missing.status_code == 200, missing.text
        assert missing.json()["totalResults"] == 0 and missing.json()["Resources"] == []

    created = scim.request("POST", "/Users", body)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user[ENTERPRISE] == {"department": "Research", "employeeNumber": "701984"}
    assert user["addresses"][0]["locality"] == "Berlin"
    for expression in (
        f'userName eq "{body["userName"].upper()}"',
        f'externalId eq "{body["externalId"]}"',
        f'emails[type eq "work"].value eq "{body["emails"][0]["value"]}"',
    ):
        found = scim.http.get("/Users", params={"filter": expression})
        assert [u["id"] for u in found.json()["Resources"]] == [user["id"]], expression

    manager = scim.create_user("manager@contoso.com")["id"]
    updated = scim.request(
        "PATCH", f"/Users/{user['id']}", recording(entra / "update_user.json", managerId=manager)
    )
    assert updated.status_code in (200, 204), updated.text
    after = scim.http.get(f"/Users/{user['id']}").json()
    assert after["displayName"] == "Test User (updated)"
    assert after["emails"] == [{"value": "updated@contoso.com", "type": "work", "primary": True}]
    assert after[ENTERPRISE]["manager"]["value"] == manager
    assert after[ENTERPRISE]["department"] == "Sales"
    assert after["phoneNumbers"] == [{"type": "mobile", "value": "+1 555 0100"}]

    disabled = scim.request("PATCH", f"/Users/{user['id']}", recording(entra / "disable_user.json"))
    assert disabled.status_code in (200, 204), disabled.text
    assert scim.http.get(f"/Users/{user['id']}").json()["active"] is False  # a boolean, not "False"
    inactive = scim.http.get("/Users", params={"filter": f'userName eq "{body["userName"]}"'})
    assert inactive.json()["totalResults"] == 1  # inactive users are still returned

    deleted = scim.http.delete(f"/Users/{user['id']}")
    assert deleted.status_code == 204
    assert scim.http.get(f"/Users/{user['id']}").status_code == 404


def test_group_lookup_membership_and_rename(scim: ScimClient, recorded: Path) -> None:
    entra = recorded / "entra"
    users = [scim.create_user(f"u{i}@contoso.com")["id"] for i in range(3)]
    lookup = scim.http.get(
        "/Groups",
        params={"excludedAttributes": "members", "filter": 'displayName eq "Group1DisplayName"'},
    )
    assert lookup.status_code == 200 and lookup.json()["Resources"] == []

    created = scim.request("POST", "/Groups", recording(entra / "create_group.json"))
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]

    added = scim.request(
        "PATCH",
        f"/Groups/{group_id}",
        recording(
            entra / "add_members.json", firstId=users[0], secondId=users[1], thirdId=users[2]
        ),
    )
    assert added.status_code in (200, 204), added.text
    assert scim.member_ids(group_id) == set(users)

    # "Remove path=members value=[{value: id}]" removes only that member, never all.
    removed = scim.request(
        "PATCH", f"/Groups/{group_id}", recording(entra / "remove_member.json", secondId=users[1])
    )
    assert removed.status_code in (200, 204), removed.text
    assert scim.member_ids(group_id) == {users[0], users[2]}

    renamed = scim.request("PATCH", f"/Groups/{group_id}", recording(entra / "rename_group.json"))
    assert renamed.status_code in (200, 204), renamed.text
    found = scim.http.get(
        "/Groups",
        params={"excludedAttributes": "members", "filter": 'displayName eq "Group1 (renamed)"'},
    )
    resources = found.json()["Resources"]
    assert [g["id"] for g in resources] == [group_id]
    assert "members" not in resources[0]
