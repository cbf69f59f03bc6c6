"""RFC 7644 behaviour of the SCIM endpoints, including the bad paths, on the real server."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import run_json
from tests.e2e.scim_client import CORE_USER, ENTERPRISE, PATCH_OP, ScimClient

pytestmark = pytest.mark.e2e
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def error_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(response.status_code)  # type: ignore[attr-defined]
    return dict(body)


# -- authentication ----------------------------------------------------------------------


def test_requests_without_a_valid_token_get_401(scim: ScimClient) -> None:
    forged = scim.token[:-4] + "AAAA"
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": f"Basic {scim.token}"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": "Bearer " + "x" * 10_000},
    ):
        response = httpx.get(f"{scim.url}/Users", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        error_of(response)


def test_a_token_for_one_store_gets_401_on_another(
    scim: ScimClient, scim_server: tuple[dict[str, str], str]
) -> None:
    env, base = scim_server
    other = run_json(
        env, "instances", "create", "--type", "ORGANIZATION", "--account-id", "999988887777"
    )
    foreign = scim.http.get(f"{base}/scim/{other['IdentityStoreId']}/v2/Users")
    assert foreign.status_code == 401


def test_revoked_token_is_refused_at_once(
    scim: ScimClient, scim_server: tuple[dict[str, str], str]
) -> None:
    env, _ = scim_server
    assert scim.http.get("/Users").status_code == 200
    token_id = scim.token.split("_")[1]
    revoked = run_json(env, "scim", "token", "list", "--identity-store-id", scim.identity_store_id)
    assert any(t["tokenId"] == token_id for t in revoked["tokens"])
    from tests.e2e.helpers import run_cli

    done = run_cli(
        env, "scim", "token", "revoke", token_id, "--identity-store-id", scim.identity_store_id
    )
    assert done.returncode == 0, done.stderr
    assert scim.http.get("/Users").status_code == 401


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "scim_type"),
    [
        ('{"userName": "x", "active": tre}', 400, "invalidSyntax"),
        ("[1, 2]", 400, "invalidValue"),
        ('{"displayName": "no user name"}', 400, "invalidValue"),
        ('{"userName": ["a"]}', 400, "invalidValue"),
        ('{"userName": "x", "active": "maybe"}', 400, "invalidValue"),
        ('{"userName": "x", "emails": [{"value": "a\\u0000b"}]}', 400, "invalidValue"),
        ('{"userName": "' + "x" * 200 + '"}', 400, "invalidValue"),
        ('{"userName": "x", "name": "flat"}', 400, "invalidValue"),
    ],
)
def test_bad_bodies_are_400_and_create_nothing(
    scim: ScimClient, body: str, status: int, scim_type: str
) -> None:
    response = scim.http.post("/Users", content=body)
    assert response.status_code == status, response.text
    assert error_of(response)["scimType"] == scim_type
    assert scim.http.get("/Users").json()["totalResults"] == 0


def test_huge_body_is_413(scim: ScimClient) -> None:
    response = scim.http.post(
        "/Users", content=b'{"userName": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    )
    assert response.status_code == 413
    error_of(response)


def test_duplicate_user_name_is_409_uniqueness(scim: ScimClient) -> None:
    scim.create_user("jane@example.com")
    response = scim.request(
        "POST", "/Users", {"schemas": [CORE_USER], "userName": "JANE@example.com"}
    )
    assert response.status_code == 409
    assert error_of(response)["scimType"] == "uniqueness"


@pytest.mark.parametrize(
    "expression",
    ["userName eq", 'userName regex "a"', "(", 'nosuch eq "x"', "active gt true", "x" * 10_001],
)
def test_bad_filters_are_400_invalid_filter(scim: ScimClient, expression: str) -> None:
    response = scim.http.get("/Users", params={"filter": expression})
    assert response.status_code == 400, response.text
    assert error_of(response)["scimType"] == "invalidFilter"


def test_injection_in_a_filter_is_just_a_value(scim: ScimClient) -> None:
    scim.create_user("victim@example.com")
    for value in ["x' OR '1'='1", 'x" or userName pr or userName eq "y', "%", "_", "\\"]:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        response = scim.http.get("/Users", params={"filter": f'userName co "{escaped}"'})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert response.json()["totalResults"] == 0
    assert scim.http.get("/Users").json()["totalResults"] == 1


def test_unknown_ids_are_404(scim: ScimClient) -> None:
    for path in ("/Users/nope", "/Groups/nope"):
        assert scim.http.get(path).status_code == 404
        assert scim.http.delete(path).status_code == 404
        assert (
            scim.patch(path, {"op": "replace", "path": "displayName", "value": "x"}).status_code
            == 404
        )


def test_endpoints_answer_in_the_scim_way(
    scim: ScimClient, scim_server: tuple[dict[str, str], str]
) -> None:
    _, base = scim_server
    assert scim.http.get("/Me").status_code == 501
    assert scim.http.get("/Nope").status_code == 404
    assert scim.http.get("/Users/a/b").status_code == 404
    assert scim.http.get("/ServiceProviderConfig/x").status_code == 404
    assert scim.http.delete("/ServiceProviderConfig").status_code == 405
    assert scim.http.put("/Users", json={}).status_code == 405
    assert scim.http.get("/users").status_code == 200  # endpoint names in any letter case
    assert scim.http.get("/Users/").status_code == 200
    assert scim.http.post("/users/.SEARCH", json={}).status_code == 200
    for response in (scim.http.get("/Me"), scim.http.get("/Nope")):
        error_of(response)
    # Anything under /scim/ answers in SCIM's shape, even without /v2/.
    outside = httpx.get(f"{base}/scim/{scim.identity_store_id}/Users")
    assert outside.status_code == 404
    error_of(outside)


def test_the_tokens_last_use_is_recorded(
    scim: ScimClient, scim_server: tuple[dict[str, str], str]
) -> None:
    env, _ = scim_server
    assert scim.http.get("/Users").status_code == 200
    listed = run_json(env, "scim", "token", "list", "--identity-store-id", scim.identity_store_id)
    token_id = scim.token.split("_")[1]
    [token] = [t for t in listed["tokens"] if t["tokenId"] == token_id]
    assert token["lastUsedAt"] is not None


# -- PATCH semantics ---------------------------------------------------------------------


def test_patch_errors_name_the_problem(scim: ScimClient) -> None:
    user = scim.create_user("p@example.com")
    path = f"/Users/{user['id']}"
    cases = [
        ({"op": "replace", "path": "id", "value": "x"}, "mutability"),
        ({"op": "add", "path": "nosuch", "value": "x"}, "invalidPath"),
        ({"op": "remove"}, "noTarget"),
        ({"op": "move", "path": "title", "value": "x"}, "invalidValue"),
        ({"op": "replace", "path": "emails[type eq work", "value": "x"}, "invalidPath"),
        ({"op": "replace", "path": "active", "value": "sometimes"}, "invalidValue"),
    ]
    for operation, scim_type in cases:
        response = scim.patch(path, operation)
        assert response.status_code == 400, (operation, response.text)
        assert error_of(response)["scimType"] == scim_type, operation
    assert scim.http.get(path).json()["meta"]["version"] == 'W/"1"'  # nothing changed


def test_patch_is_atomic(scim: ScimClient) -> None:
    user = scim.create_user("atomic@example.com")
    response = scim.patch(
        f"/Users/{user['id']}",
        {"op": "replace", "path": "title", "value": "Boss"},
        {"op": "replace", "path": "nosuch", "value": "x"},
    )
    assert response.status_code == 400
    assert "title" not in scim.http.get(f"/Users/{user['id']}").json()


def test_patch_paths_with_filters_and_urns(scim: ScimClient) -> None:
    user = scim.create_user(
        "multi@example.com",
        emails=[
            {"value": "a@example.com", "type": "work", "primary": True},
            {"value": "b@example.com", "type": "home"},
        ],
    )
    path = f"/Users/{user['id']}"
    response = scim.patch(
        path,
        {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True},
        {"op": "remove", "path": 'emails[value eq "a@example.com"]'},
        {"op": "add", "value": {"name.givenName": "Ann", f"{ENTERPRISE}:costCenter": "42"}},
        {"op": "replace", "value": {ENTERPRISE: {"division": "North"}}},
    )
    assert response.status_code == 204, response.text
    after = scim.http.get(path).json()
    assert after["emails"] == [{"value": "b@example.com", "type": "home", "primary": True}]
    assert after["name"] == {"givenName": "Ann"}
    assert after[ENTERPRISE] == {"costCenter": "42", "division": "North"}
    removed = scim.patch(path, {"op": "remove", "path": f"{ENTERPRISE}:costCenter"})
    assert removed.status_code == 204
    assert scim.http.get(path).json()[ENTERPRISE] == {"division": "North"}


def test_patch_with_attributes_returns_the_resource(scim: ScimClient) -> None:
    user = scim.create_user("ret@example.com")
    response = scim.http.patch(
        f"/Users/{user['id']}",
        params={"attributes": "title"},
        content='{"schemas": ["'
        + PATCH_OP
        + '"], "Operations": [{"op": "add", "path": "title", "value": "CTO"}]}',
    )
    assert response.status_code == 200
    assert response.json() == {"schemas": [CORE_USER], "id": user["id"], "title": "CTO"}


# -- ETags -------------------------------------------------------------------------------


def test_etags_guard_against_lost_updates(scim: ScimClient) -> None:
    user = scim.create_user("etag@example.com")
    path = f"/Users/{user['id']}"
    etag = scim.http.get(path).headers["ETag"]
    assert scim.http.get(path, headers={"If-None-Match": etag}).status_code == 304
    first = scim.http.patch(
        path,
        headers={"If-Match": etag},
        content='{"Operations": [{"op": "add", "path": "title", "value": "A"}]}',
    )
    assert first.status_code == 204
    assert first.headers["ETag"] != etag
    stale = scim.http.patch(
        path,
        headers={"If-Match": etag},
        content='{"Operations": [{"op": "add", "path": "title", "value": "B"}]}',
    )
    assert stale.status_code == 412
    error_of(stale)
    assert scim.http.get(path).json()["title"] == "A"
    assert scim.http.delete(path, headers={"If-Match": etag}).status_code == 412


# -- listing -----------------------------------------------------------------------------


def test_sorting_projection_and_search(scim: ScimClient) -> None:
    for name, title in (("carol", "C"), ("alice", "A"), ("bob", "B")):
        scim.create_user(f"{name}@example.com", title=title, displayName=name.title())
    listed = scim.http.get(
        "/Users", params={"sortBy": "userName", "sortOrder": "descending", "attributes": "userName"}
    ).json()
    assert [u["userName"] for u in listed["Resources"]] == [
        "carol@example.com",
        "bob@example.com",
        "alice@example.com",
    ]
    assert set(listed["Resources"][0]) == {"schemas", "id", "userName"}
    excluded = scim.http.get("/Users", params={"excludedAttributes": "title,meta"}).json()
    assert all("title" not in u and "meta" not in u for u in excluded["Resources"])

    searched = scim.request(
        "POST",
        "/Users/.search",
        {
            "schemas": [SEARCH],
            "filter": 'title eq "b" or title eq "c"',
            "sortBy": "title",
            "count": 1,
        },
    ).json()
    assert searched["totalResults"] == 2 and searched["itemsPerPage"] == 1
    assert searched["Resources"][0]["title"] == "B"

    scim.create_group("Readers")
    everything = scim.request(
        "POST", "/.search", {"schemas": [SEARCH], "startIndex": 3, "count": 2}
    ).json()
    assert everything["totalResults"] == 4
    assert [r["schemas"][0].rsplit(":", 1)[1] for r in everything["Resources"]] == ["User", "Group"]
    counted = scim.http.get("/Users", params={"count": 0}).json()
    assert counted["totalResults"] == 3 and counted["Resources"] == []


# -- bulk --------------------------------------------------------------------------------


def test_bulk_resolves_bulk_ids_and_stops_on_errors(scim: ScimClient) -> None:
    response = scim.request(
        "POST",
        "/Bulk",
        {
            "schemas": [BULK],
            "failOnErrors": 2,
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "u1",
                    "data": {"userName": "bulk1@example.com"},
                },
                {
                    "method": "POST",
                    "path": "/Groups",
                    "bulkId": "g1",
                    "data": {"displayName": "Bulk", "members": [{"value": "bulkId:u1"}]},
                },
                {
                    "method": "PATCH",
                    "path": "/Users/bulkId:u1",
                    "data": {"Operations": [{"op": "add", "path": "title", "value": "T"}]},
                },
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "dup",
                    "data": {"userName": "BULK1@example.com"},
                },
                {
                    "method": "POST",
                    "path": "/Groups",
                    "bulkId": "g2",
                    "data": {"displayName": "Bad", "members": [{"value": "bulkId:nope"}]},
                },
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "never",
                    "data": {"userName": "never@example.com"},
                },
            ],
        },
    )
    assert response.status_code == 200, response.text
    results = response.json()["Operations"]
    assert [r["status"] for r in results] == ["201", "201", "204", "409", "409"]
    assert results[3]["response"]["scimType"] == "uniqueness"
    group_id = results[1]["location"].rsplit("/", 1)[1]
    user_id = results[0]["location"].rsplit("/", 1)[1]
    assert scim.member_ids(group_id) == {user_id}
    assert scim.http.get(f"/Users/{user_id}").json()["title"] == "T"
    filtered = scim.http.get("/Users", params={"filter": 'userName eq "never@example.com"'})
    assert filtered.json()["totalResults"] == 0  # failOnErrors stopped the run before it


def test_leaving_out_active_never_reactivates(scim: ScimClient) -> None:
    user = scim.create_user("off@example.com", active=False)
    path = f"/Users/{user['id']}"
    put = scim.request(
        "PUT", path, {"schemas": [CORE_USER], "userName": "off@example.com", "title": "T"}
    )
    assert put.status_code == 200 and put.json()["active"] is False
    assert scim.patch(path, {"op": "remove", "path": "active"}).status_code == 204
    assert scim.http.get(path).json()["active"] is False


def test_root_search_with_a_filter_only_users_have(scim: ScimClient) -> None:
    scim.create_user("solo@example.com")
    scim.create_group("Team")
    found = scim.request("POST", "/.search", {"schemas": [SEARCH], "filter": 'userName sw "solo"'})
    assert found.status_code == 200, found.text
    assert found.json()["totalResults"] == 1
    neither = scim.request("POST", "/.search", {"schemas": [SEARCH], "filter": 'nosuch eq "x"'})
    assert neither.status_code == 400
    assert error_of(neither)["scimType"] == "invalidFilter"


# -- where requests run ------------------------------------------------------------------


def test_a_write_waiting_for_another_process_does_not_hold_up_reads(
    scim: ScimClient, scim_server: tuple[dict[str, str], str]
) -> None:
    """Short requests run on the event loop on the embedded store, but a write that finds
    the lock held by another process moves to a worker thread: reads go on meanwhile,
    and the write lands once the lock is free."""
    env, _ = scim_server
    user = scim.create_user("waits@example.com")
    database = Path(env["SIGHTGATE_DATA_DIR"]) / "sightgate.db"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction, held
    try:
        with ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            patched = pool.submit(
                scim.patch,
                f"/Users/{user['id']}",
                {"op": "replace", "path": "displayName", "value": "After the wait"},
            )
            time.sleep(0.3)
            for _ in range(5):  # answered while the PATCH is still waiting
                assert scim.http.get(f"/Users/{user['id']}").status_code == 200
            assert not patched.done()
            holder.execute("ROLLBACK")
            assert patched.result(timeout=30).status_code == 204
            assert time.monotonic() - started >= 0.3
    finally:
        holder.close()
    assert scim.http.get(f"/Users/{user['id']}").json()["displayName"] == "After the wait"
