"""Hostile and malformed SCIM requests on the real server (security review, issue 9):
every one is a SCIM 400 (or the RFC's own answer), never a 500, and no search holds up
the event loop."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.scim_client import CORE_GROUP, CORE_USER, PATCH_OP, ScimClient
from tests.e2e.test_scim_protocol import error_of

pytestmark = pytest.mark.e2e
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def assert_scim_400(response: httpx.Response, *scim_types: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = error_of(response)
    assert body["scimType"] in scim_types, body
    return body


# -- bodies the JSON reader refuses ------------------------------------------------------

DEEP = "[" * 50_000 + "]" * 50_000


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/Users", '{"userName": "x", "title": ' + DEEP + "}"),
        ("POST", "/Users/.search", '{"filter": ' + DEEP + "}"),
        ("POST", "/.search", DEEP),
        ("POST", "/Bulk", '{"Operations": ' + DEEP + "}"),
        ("POST", "/Users", '{"userName": "\\ud800"}'),
        ("POST", "/Users", '{"userName": "x", "title": "a\\udc00b"}'),
        ("POST", "/Users", '{"userName": "x", "externalId": "\\ud800"}'),
        ("POST", "/Users", '{"userName": "x", "displayName": "\\udfff"}'),
        ("POST", "/Groups", '{"displayName": "\\ud800"}'),
        ("POST", "/Users/.search", '{"schemas": ["' + SEARCH + '"], "count": Infinity}'),
        ("POST", "/Users/.search", '{"schemas": ["' + SEARCH + '"], "startIndex": 1e400}'),
        ("POST", "/.search", '{"schemas": ["' + SEARCH + '"], "count": NaN}'),
        ("POST", "/Users/.search", '{"count": ' + "9" * 5_000 + "}"),
    ],
)
def test_bodies_the_json_reader_refuses_are_400_invalid_syntax(
    scim: ScimClient, method: str, path: str, body: str
) -> None:
    assert_scim_400(scim.http.request(method, path, content=body), "invalidSyntax")
    assert scim.http.get("/Users").json()["totalResults"] == 0


def test_deep_json_in_patch_and_put_is_400(scim: ScimClient) -> None:
    user = scim.create_user("deep@example.com")
    for method in ("PUT", "PATCH"):
        response = scim.http.request(method, f"/Users/{user['id']}", content=DEEP)
        assert_scim_400(response, "invalidSyntax")


# -- query parameters ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/Users", "/Groups"])
def test_a_huge_start_index_is_an_empty_page_with_the_true_total(
    scim: ScimClient, path: str
) -> None:
    scim.create_user("one@example.com")
    scim.create_group("one")
    for start in (10**20, 2**63, 2**31 + 1):
        response = scim.http.get(path, params={"startIndex": str(start)})
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["totalResults"], page["Resources"], page["startIndex"]) == (1, [], start)
    searched = scim.request("POST", "/.search", {"schemas": [SEARCH], "startIndex": 10**20})
    assert searched.status_code == 200, searched.text
    assert (searched.json()["totalResults"], searched.json()["Resources"]) == (2, [])


def test_start_index_below_one_is_one(scim: ScimClient) -> None:
    scim.create_user("one@example.com")
    page = scim.http.get("/Users", params={"startIndex": "-5"}).json()
    assert (page["startIndex"], len(page["Resources"])) == (1, 1)


def test_a_start_index_beyond_the_int_digit_limit_is_400(scim: ScimClient) -> None:
    response = scim.http.get("/Users", params={"startIndex": "9" * 5_000})
    assert_scim_400(response, "invalidValue")


# -- filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (" or ".join(['emails[value co "x"] or title co "y"'] * 208), "characters long"),
        (" or ".join(['title co "y"'] * 51), "the filter has 51 comparisons; the limit is 50"),
        (
            " or ".join(['emails[value co "x"]'] * 11),
            "the filter has 11 value paths; the limit is 10",
        ),
        ("userName gt 5", "'userName' expects a string, got 5"),
        ("title eq true", "'title' expects a string, got true"),
        ('active eq "yes"', "'active' expects true or false"),
        ("meta.created gt 5", "'meta.created' expects a dateTime"),
    ],
)
def test_filters_over_budget_or_of_the_wrong_type_are_400_invalid_filter(
    scim: ScimClient, expression: str, message: str
) -> None:
    for response in (
        scim.http.get("/Users", params={"filter": expression}),
        scim.request("POST", "/Users/.search", {"schemas": [SEARCH], "filter": expression}),
    ):
        assert message in str(assert_scim_400(response, "invalidFilter")["detail"])


def test_a_filter_at_the_limits_is_answered(scim: ScimClient) -> None:
    scim.create_user("x@example.com", title="y")
    expression = " or ".join(['emails[value co "x"] or title co "y"'] * 10) + (
        " or " + " or ".join(['title co "y"'] * 30)
    )
    response = scim.http.get("/Users", params={"filter": expression})
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 1


# -- names and e-mails -------------------------------------------------------------------


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\ufeff", "\u2028"])
def test_user_and_group_names_with_invisible_characters_are_400(
    scim: ScimClient, hidden: str
) -> None:
    scim.create_user("alice")
    code_point = f"U+{ord(hidden):04X}"
    user = scim.request("POST", "/Users", {"schemas": [CORE_USER], "userName": f"al{hidden}ice"})
    assert code_point in str(assert_scim_400(user, "invalidValue")["detail"])
    assert "user_name" in str(error_of(user)["detail"])
    group = scim.request("POST", "/Groups", {"schemas": [CORE_GROUP], "displayName": f"a{hidden}b"})
    assert code_point in str(assert_scim_400(group, "invalidValue")["detail"])
    assert scim.http.get("/Users").json()["totalResults"] == 1


def test_an_email_value_that_is_not_an_address_is_stored(scim: ScimClient) -> None:
    """RFC 7643 §4.1.2 says the value SHOULD be an address; conformance suites send others."""
    user = scim.create_user("mail", emails=[{"value": "emailName357", "type": "work"}])
    assert scim.http.get(f"/Users/{user['id']}").json()["emails"] == [
        {"value": "emailName357", "type": "work", "primary": False}
    ]
    bad = scim.request(
        "POST", "/Users", {"userName": "ctl", "emails": [{"value": "a\u0007b@example.com"}]}
    )
    assert_scim_400(bad, "invalidValue")


# -- PATCH of members --------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "add", "path": "members", "value": "abc"},
        {"op": "add", "path": "members", "value": {"display": "no value"}},
        {"op": "replace", "path": "members", "value": 7},
        {"op": "remove", "path": "members", "value": "abc"},
        {"op": "add", "value": {"members": "abc"}},
    ],
)
def test_a_members_patch_whose_value_is_not_a_list_is_400_invalid_value(
    scim: ScimClient, operation: dict[str, Any]
) -> None:
    group = scim.create_group("g")
    response = scim.patch(f"/Groups/{group['id']}", operation)
    assert_scim_400(response, "invalidValue")


# -- preconditions -----------------------------------------------------------------------


def test_if_none_match_star_or_a_list_holding_the_etag_is_304(scim: ScimClient) -> None:
    user = scim.create_user("cached")
    path = f"/Users/{user['id']}"
    etag = scim.http.get(path).headers["ETag"]
    for header in ("*", f'W/"999", {etag}', etag.removeprefix("W/")):
        response = scim.http.get(path, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.headers["ETag"] == etag
    assert scim.http.get(path, headers={"If-None-Match": 'W/"999"'}).status_code == 200
    group = scim.create_group("cached")
    assert scim.http.get(f"/Groups/{group['id']}", headers={"If-None-Match": "*"}).status_code == (
        304
    )


def test_if_match_star_or_a_list_holding_the_etag_matches(scim: ScimClient) -> None:
    user = scim.create_user("guarded")
    path = f"/Users/{user['id']}"
    etag = scim.http.get(path).headers["ETag"]

    def retitle(title: str, if_match: str) -> httpx.Response:
        operation = {"op": "replace", "path": "title", "value": title}
        body = {"schemas": [PATCH_OP], "Operations": [operation]}
        return scim.request("PATCH", path, body, headers={"If-Match": if_match})

    listed = retitle("A", f'W/"0", {etag}')
    assert listed.status_code == 204, listed.text
    star = retitle("B", "*")
    assert star.status_code == 204, star.text
    stale = retitle("C", f'W/"0", {listed.headers["ETag"]}')
    assert stale.status_code == 412
    error_of(stale)
    assert scim.http.get(path).json()["title"] == "B"
    put = scim.request(
        "PUT", path, {"userName": "guarded"}, headers={"If-Match": f'"1", {star.headers["ETag"]}'}
    )
    assert put.status_code == 200, put.text
    group = scim.create_group("guarded")
    assert scim.http.delete(f"/Groups/{group['id']}", headers={"If-Match": "*"}).status_code == 204


def test_if_match_with_thousands_of_digits_is_a_precondition_failure(scim: ScimClient) -> None:
    """A tag that names no version is 412 (RFC 7232 §3.1), however long its digits."""
    user = scim.create_user("digits")
    path = f"/Users/{user['id']}"
    header = {"If-Match": 'W/"' + "9" * 5_000 + '"'}
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "A"}]}
    assert scim.request("PATCH", path, body, headers=header).status_code == 412
    assert scim.request("PUT", path, {"userName": "digits"}, headers=header).status_code == 412
    assert scim.http.delete(path, headers=header).status_code == 412
    assert scim.http.get(path, headers={"If-None-Match": header["If-Match"]}).status_code == 200
    assert "title" not in scim.http.get(path).json()


def test_a_precondition_header_that_is_no_tag_list_is_400(scim: ScimClient) -> None:
    user = scim.create_user("syntax")
    response = scim.http.delete(f"/Users/{user['id']}", headers={"If-Match": 'W/"1" junk'})
    assert_scim_400(response, "invalidValue")


# -- where a search runs -----------------------------------------------------------------

USERS = 2_000
PADDING = "p" * 900
# LIKE '%ppp…pq%' against a long run of p costs the pattern's length at every position,
# so 20 such terms make a search of 2,000 users last seconds.
SLOW_FILTER = " or ".join(f'title co "{"p" * 40}q{i}"' for i in range(20))


def test_a_slow_search_does_not_hold_up_healthz(
    scim: ScimClient, scim_server: tuple[dict[str, str], str]
) -> None:
    """A scanning search runs on a worker thread: /healthz answers meanwhile."""
    _, base = scim_server
    for start in range(0, USERS, 1_000):
        bulk = {
            "schemas": [BULK],
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": str(i),
                    "data": {"userName": f"user{i}", "title": f"title {i} {PADDING}"},
                }
                for i in range(start, start + 1_000)
            ],
        }
        assert scim.request("POST", "/Bulk", bulk).status_code == 200

    def search() -> float:
        began = time.monotonic()
        response = scim.http.get("/Users", params={"filter": SLOW_FILTER, "count": "1000"})
        assert response.status_code == 200, response.text
        return time.monotonic() - began

    def healthz_latencies(until: float) -> list[float]:
        latencies = []
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.monotonic() < until:
                began = time.monotonic()
                assert client.get("/healthz").status_code == 200
                latencies.append(time.monotonic() - began)
                time.sleep(0.02)
        return latencies

    alone = search()
    with ThreadPoolExecutor(3) as pool:
        searches = [pool.submit(search) for _ in range(2)]
        time.sleep(0.05)
        latencies = pool.submit(healthz_latencies, time.monotonic() + alone).result()
        durations = [s.result() for s in searches]
    assert alone > 0.5, f"the search took {alone:.2f} s: too short to show anything"
    assert latencies and max(latencies) < min(0.25, min(durations) / 4), (
        f"healthz took up to {max(latencies):.3f} s while searches took {durations}"
    )
