"""The SCIM route table: every route's access rule and cost, and what no route takes;
where a list runs: only an index lookup may run on the event loop."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from sightgate.platform.execution import Cost
from sightgate.protocols.scim.provider import ScimResponse
from sightgate.protocols.scim.routes import ROUTES, Call, Route, RouteTable, is_lookup, parse_path


@pytest.mark.parametrize(
    ("kind", "params", "expected"),
    [
        ("Users", {"filter": 'userName eq "a"'}, True),
        ("Users", {"Filter": 'userName eq "a"', "count": "1000"}, True),
        ("Groups", {"filter": 'displayName eq "g"'}, True),
        ("Users", {}, False),  # a page of the whole store, and its total
        ("Users", {"startIndex": "50000"}, False),
        ("Users", {"filter": 'userName co "a"'}, False),
        ("Users", {"filter": "userName pr"}, False),
        ("Groups", {"filter": 'members eq "u"'}, False),
        # The filter ListQuery reads is the last spelling: it decides, not the first one.
        ("Users", {"filter": 'userName eq "a"', "FILTER": 'title co "x"'}, False),
    ],
)
def test_only_an_index_lookup_runs_in_place(
    kind: str, params: dict[str, str], expected: bool
) -> None:
    assert is_lookup(kind, params) is expected


# -- the route table: every route has an access rule -------------------------------------

EVERY_ROUTE = {
    ("GET", "/Users"): "scim:ListUsers",
    ("POST", "/Users"): "scim:CreateUser",
    ("POST", "/Users/.search"): "scim:SearchUsers",
    ("GET", "/Users/{id}"): "scim:GetUser",
    ("PUT", "/Users/{id}"): "scim:ReplaceUser",
    ("PATCH", "/Users/{id}"): "scim:PatchUser",
    ("DELETE", "/Users/{id}"): "scim:DeleteUser",
    ("GET", "/Groups"): "scim:ListGroups",
    ("POST", "/Groups"): "scim:CreateGroup",
    ("POST", "/Groups/.search"): "scim:SearchGroups",
    ("GET", "/Groups/{id}"): "scim:GetGroup",
    ("PUT", "/Groups/{id}"): "scim:ReplaceGroup",
    ("PATCH", "/Groups/{id}"): "scim:PatchGroup",
    ("DELETE", "/Groups/{id}"): "scim:DeleteGroup",
    ("GET", "/ServiceProviderConfig"): "scim:GetServiceProviderConfig",
    ("GET", "/ResourceTypes"): "scim:ListResourceTypes",
    ("GET", "/ResourceTypes/{id}"): "scim:GetResourceType",
    ("GET", "/Schemas"): "scim:ListSchemas",
    ("GET", "/Schemas/{id}"): "scim:GetSchema",
    ("POST", "/.search"): "scim:Search",
    ("POST", "/Bulk"): "scim:Bulk",
}


def test_every_route_has_its_access_rule() -> None:
    """Each route names the action the authorizer is asked about; a new route must be
    listed here with its rule."""
    assert {(r.method, r.path): r.action for r in ROUTES} == EVERY_ROUTE


def nothing(_: Call) -> ScimResponse:
    return ScimResponse(204)


@pytest.mark.parametrize("action", ["", "GetUser", "scim:", "scim:get user"])
def test_a_route_without_an_access_rule_cannot_be_registered(action: str) -> None:
    with pytest.raises(ValueError, match="has no access rule"):
        RouteTable([Route("GET", "/Users", action, nothing)])


def test_a_route_cannot_be_registered_twice() -> None:
    twice = [Route("GET", "/Users", "scim:ListUsers", nothing)] * 2
    with pytest.raises(ValueError, match="registered twice"):
        RouteTable(twice)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("DELETE", "/Users", 405),
        ("GET", "/Users/.search", 405),
        ("POST", "/Schemas/x", 405),
        ("GET", "/Users/a/b", 404),
        ("GET", "/Nothing", 404),
        ("POST", "/Bulk/x", 404),
        ("GET", "/ServiceProviderConfig/x", 404),
        ("GET", "/Me", 501),
    ],
)
def test_what_no_route_takes_is_refused_as_the_rfc_says(
    method: str, path: str, status: int
) -> None:
    target = parse_path(f"/scim/d-1/v2{path}")
    assert ROUTES.match(method, target) is None
    assert ROUTES.refusal(target).status == status


@pytest.mark.parametrize(
    ("method", "path", "query", "cost"),
    [
        ("GET", "/Users/u-1", "", Cost.BOUNDED),
        ("PATCH", "/Groups/g-1", "", Cost.BOUNDED),
        ("GET", "/Users", "filter=userName%20eq%20%22a%22", Cost.BOUNDED),
        ("GET", "/Users", "filter=userName%20co%20%22a%22", Cost.SCAN),
        ("GET", "/Groups", "", Cost.SCAN),
        ("POST", "/Users/.search", "", Cost.SCAN),
        ("POST", "/.search", "", Cost.SCAN),
        ("POST", "/Bulk", "", Cost.SCAN),
    ],
)
def test_each_route_declares_its_cost(method: str, path: str, query: str, cost: Cost) -> None:
    target = parse_path(f"/scim/d-1/v2{path}")
    request = Request({"type": "http", "method": method, "query_string": query.encode()})
    found = ROUTES.match(method, target)
    assert found is not None and found.cost_of(request, target) is cost
