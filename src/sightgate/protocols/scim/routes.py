"""The SCIM HTTP endpoints at ``/scim/{IdentityStoreId}/v2``: routing, auth and rendering.

Everything here is transport: bearer-token authentication, reading JSON bodies (with a
size limit), query parameters, ETag headers, and rendering ``ScimResponse`` or a SCIM
Error. The operations themselves are in ``provider.py``.

SCIM is a small, fixed set of endpoints, so they are routed here by hand, as a plain
ASGI app, instead of through FastAPI's router: per request, FastAPI's route matching and
parameter resolution cost more than the user lookup itself (measured; see
docs/benchmarks.md). Each route declares its action, which the authorizer is asked about
as the token's ``ScimClient``, and its cost, which says where it runs
(``platform.execution``). The token check, the decision and the operation run back to
back, in place or on a worker thread.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from sightgate.analytics.access.authorizer import IdentityStoreResource
from sightgate.analytics.principals.model import ScimClient
from sightgate.bootstrap import Services
from sightgate.identity.filtering import is_key_lookup
from sightgate.identity.repository import GROUP, USER
from sightgate.identity.scim_tokens import ScimToken
from sightgate.platform import jsontext
from sightgate.platform.errors import SightgateError
from sightgate.platform.execution import Cost, Execution
from sightgate.protocols.scim import discovery
from sightgate.protocols.scim.actions import action, resource_action
from sightgate.protocols.scim.bulk import run_bulk
from sightgate.protocols.scim.errors import ScimError, from_domain, invalid_syntax
from sightgate.protocols.scim.projection import Projection
from sightgate.protocols.scim.provider import (
    ListQuery,
    ScimProvider,
    ScimResponse,
    projection_from,
    search_query,
)

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/scim+json"
PATH_PREFIX = "/scim/"

# Endpoint names in any letter case (Entra's tests send /users); /serviceConfiguration is
# an alias some Microsoft tools use for /ServiceProviderConfig.
CANONICAL_SEGMENTS = {
    "users": "Users",
    "groups": "Groups",
    "schemas": "Schemas",
    "resourcetypes": "ResourceTypes",
    "serviceproviderconfig": "ServiceProviderConfig",
    "serviceconfiguration": "ServiceProviderConfig",
    "bulk": "Bulk",
    "me": "Me",
    ".search": ".search",
}


class Target(NamedTuple):
    """A SCIM request path, split: ``/scim/{store_id}/v2/{endpoint}/{rest...}``."""

    store_id: str
    endpoint: str
    rest: tuple[str, ...]

    @property
    def template(self) -> str | None:
        """The route path this names (``/Users``, ``/Users/.search``, ``/Users/{id}``), or
        None for a path deeper than any route's."""
        if not self.rest:
            return f"/{self.endpoint}"
        if len(self.rest) == 1:
            return f"/{self.endpoint}/{'.search' if self.rest[0] == '.search' else '{id}'}"
        return None


def parse_path(path: str) -> Target:
    """The parts of a path under ``/scim/``; a path without ``/v2/{endpoint}`` is a 404.

    Endpoint names are matched in any letter case, and a trailing slash is ignored.
    """
    parts = path[len(PATH_PREFIX) :].rstrip("/").split("/")
    # [store, "v2", endpoint, ...]
    if len(parts) < 3 or parts[1] != "v2" or not parts[0]:
        raise ScimError(404, "SCIM endpoints are at /scim/{IdentityStoreId}/v2/")
    rest = tuple(".search" if p.lower() == ".search" else p for p in parts[3:])
    return Target(parts[0], CANONICAL_SEGMENTS.get(parts[2].lower(), parts[2]), rest)


class Call(NamedTuple):
    """What an operation gets: the provider of the store, the request, its path and
    parsed body, and the access check for further actions (``/Bulk``'s operations)."""

    provider: ScimProvider
    request: Request
    target: Target
    body: Any
    require: Callable[[str], object]

    @property
    def resource_id(self) -> str:
        """The ``{id}`` of ``/Users/{id}`` or ``/Groups/{id}``."""
        return self.target.rest[0]

    @property
    def resources(self) -> ResourceEndpoints:
        """The operations of the path's resource type."""
        return endpoints(self.provider, self.target.endpoint)


Operation = Callable[[Call], ScimResponse]
CostRule = Cost | Callable[[Request, Target], Cost]
"""A route's cost, fixed or decided by the request (a list's filter)."""
_ACTION = re.compile(r"scim:[A-Z][A-Za-z]+")


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path template, the action the authorizer is asked about
    (``scim:<Operation>``, required), the operation, its cost (``platform.execution``),
    whether it reads a JSON body and whether it only reads."""

    method: str
    path: str
    action: str
    operation: Operation
    cost: CostRule = Cost.BOUNDED
    with_body: bool = False
    reads_only: bool = False

    def cost_of(self, request: Request, target: Target) -> Cost:
        """What this request of the route costs."""
        return self.cost if isinstance(self.cost, Cost) else self.cost(request, target)


class RouteTable:
    """The SCIM routes, checked when built: every route names its action, and no method
    and path is registered twice."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._routes: dict[tuple[str, str], Route] = {}
        for found in routes:
            if not isinstance(found.action, str) or not _ACTION.fullmatch(found.action):
                raise ValueError(
                    f"{found.method} {found.path} has no access rule (scim:<Operation>)"
                )
            key = (found.method, found.path)
            if key in self._routes:
                raise ValueError(f"{found.method} {found.path} is registered twice")
            self._routes[key] = found
        self._paths = {path for _, path in self._routes}

    def match(self, method: str, target: Target) -> Route | None:
        """The route of a request, or None."""
        template = target.template
        return None if template is None else self._routes.get((method, template))

    def refusal(self, target: Target) -> ScimError:
        """The answer for a request no route takes: /Me 501 (RFC 7644 §3.11), a route's
        path with another method 405, anything else 404."""
        path = "/".join((target.endpoint, *target.rest))
        if target.endpoint == "Me":
            return ScimError(501, "/Me is not supported: sightgate has no SCIM sign-in")
        if target.template in self._paths:
            return ScimError(405, f"this method is not allowed on /{path}")
        return ScimError(404, f"/{path} is not a SCIM endpoint")

    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes.values())


class ResourceEndpoints(NamedTuple):
    """The operations of one resource type, so routes need no Users/Groups branches."""

    list: Callable[[ListQuery], ScimResponse]
    create: Callable[[Any, Projection], ScimResponse]
    get: Callable[[str, Projection, str | None], ScimResponse]
    replace: Callable[[str, Any, str | None, Projection], ScimResponse]
    patch: Callable[[str, Any, str | None, Projection], ScimResponse]
    delete: Callable[[str, str | None], ScimResponse]


def endpoints(provider: ScimProvider, kind: str) -> ResourceEndpoints:
    """The operations behind ``/Users`` or else ``/Groups``."""
    p = provider
    if kind == "Users":
        return ResourceEndpoints(
            p.list_users, p.create_user, p.get_user, p.replace_user, p.patch_user, p.delete_user
        )
    return ResourceEndpoints(
        p.list_groups, p.create_group, p.get_group, p.replace_group, p.patch_group, p.delete_group
    )


# -- operations: query parameters and headers are read here, after authentication ------


def _list(call: Call) -> ScimResponse:
    return call.resources.list(ListQuery.from_params(dict(call.request.query_params)))


def _create(call: Call) -> ScimResponse:
    return call.resources.create(call.body, projection(call.request))


def _search(call: Call) -> ScimResponse:
    return call.resources.list(search_query(call.body))


def _get(call: Call) -> ScimResponse:
    if_none_match = call.request.headers.get("if-none-match")
    return call.resources.get(call.resource_id, projection(call.request), if_none_match)


def _replace(call: Call) -> ScimResponse:
    if_match = call.request.headers.get("if-match")
    return call.resources.replace(call.resource_id, call.body, if_match, projection(call.request))


def _patch(call: Call) -> ScimResponse:
    if_match = call.request.headers.get("if-match")
    return call.resources.patch(call.resource_id, call.body, if_match, projection(call.request))


def _delete(call: Call) -> ScimResponse:
    return call.resources.delete(call.resource_id, call.request.headers.get("if-match"))


def _list_cost(request: Request, target: Target) -> Cost:
    return Cost.BOUNDED if is_lookup(target.endpoint, dict(request.query_params)) else Cost.SCAN


def _resource_routes(kind: str) -> list[Route]:
    one, each = f"/{kind}", f"/{kind}/{{id}}"
    act = partial(resource_action, kind=kind)
    return [
        Route("GET", one, act("List"), _list, _list_cost, reads_only=True),
        Route("POST", one, act("Create"), _create, with_body=True),
        Route(
            "POST",
            f"{one}/.search",
            act("Search"),
            _search,
            Cost.SCAN,
            with_body=True,
            reads_only=True,
        ),
        Route("GET", each, act("Get"), _get, reads_only=True),
        Route("PUT", each, act("Replace"), _replace, with_body=True),
        Route("PATCH", each, act("Patch"), _patch, with_body=True),
        Route("DELETE", each, act("Delete"), _delete),
    ]


def _document(render_document: Callable[..., dict[str, Any]], *, named: str = "") -> Operation:
    """A discovery operation: ``render_document(base_url)``, with the path's ``{id}`` as
    the keyword ``named`` when given."""

    def operation(call: Call) -> ScimResponse:
        extra = {named: call.resource_id} if named else {}
        return ScimResponse(200, render_document(call.provider.base_url, **extra))

    return operation


def _discovery_routes() -> list[Route]:
    documents = [
        (
            "/ServiceProviderConfig",
            "GetServiceProviderConfig",
            _document(discovery.service_provider_config),
        ),
        ("/ResourceTypes", "ListResourceTypes", _document(discovery.resource_types)),
        (
            "/ResourceTypes/{id}",
            "GetResourceType",
            _document(discovery.resource_type, named="name"),
        ),
        ("/Schemas", "ListSchemas", _document(discovery.schemas)),
        ("/Schemas/{id}", "GetSchema", _document(discovery.schema, named="schema_id")),
    ]
    return [Route("GET", path, action(name), op, reads_only=True) for path, name, op in documents]


ROUTES = RouteTable(
    [
        *_resource_routes("Users"),
        *_resource_routes("Groups"),
        *_discovery_routes(),
        Route(
            "POST",
            "/.search",
            action("Search"),
            lambda call: call.provider.search_all(call.body),
            Cost.SCAN,
            with_body=True,
            reads_only=True,
        ),
        Route(
            "POST",
            "/Bulk",
            action("Bulk"),
            lambda call: run_bulk(call.provider, call.body, call.require),
            Cost.SCAN,
            with_body=True,
        ),
    ]
)


def is_lookup(kind: str, params: dict[str, str]) -> bool:
    """Whether a list request is an index lookup (``userName eq "x"``), which may run in
    place; any other list may scan the store (``co``, ``pr``, a bare page with its
    total) and so runs on a worker thread, where it cannot hold up the event loop."""
    text = {k.lower(): v for k, v in params.items()}.get("filter")  # as ListQuery reads it
    return text is not None and is_key_lookup(text, USER if kind == "Users" else GROUP)


def projection(request: Request) -> Projection:
    """``attributes``/``excludedAttributes`` from the query string."""
    return projection_from({k.lower(): v for k, v in request.query_params.items()})


def render(response: ScimResponse) -> Response:
    """A Starlette response for a SCIM result."""
    if response.body is None:
        return Response(status_code=response.status, headers=response.headers)
    return Response(
        json.dumps(response.body),
        status_code=response.status,
        headers=response.headers,
        media_type=MEDIA_TYPE,
    )


def error_response(error: ScimError) -> Response:
    """A SCIM Error response; 401s also say how to authenticate."""
    headers = {"WWW-Authenticate": 'Bearer realm="sightgate-scim"'} if error.status == 401 else {}
    return render(ScimResponse(error.status, error.to_json(), headers))


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 once it passes the advertised ``maxPayloadSize``."""
    limit = discovery.MAX_PAYLOAD_BYTES
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ScimError(413, f"the body is larger than {limit} bytes")
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > limit:
            raise ScimError(413, f"the body is larger than {limit} bytes")
    return bytes(raw)


def parse_json(raw: bytes) -> Any:
    """A request body as JSON we accept (bounded nesting, no lone surrogates, finite
    numbers), or 400 invalidSyntax."""
    try:
        return jsontext.loads(raw)
    except jsontext.JsonTextError as error:
        raise invalid_syntax(f"the request body is refused: {error}") from error


class ScimApp:
    """The ASGI app for every path under ``/scim/``."""

    def __init__(self, services: Services, public_url: str | None) -> None:
        self.services = services
        self.public_url = public_url
        self.execution = Execution(services.db)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.respond(request)
        except ClientDisconnect:
            # The client's doing, not a fault: nobody is left to answer.
            log.info("SCIM client disconnected mid-request", extra={"path": scope["path"]})
            return
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        """Route, read the body, then authenticate, authorize and run the operation where
        its cost says (``platform.execution``), and render it there too: turning a page of
        a thousand resources into JSON must not hold up the event loop."""
        try:
            target = parse_path(request.scope["path"])
            found = ROUTES.match(request.method, target)
            raw = await read_body(request) if found is not None and found.with_body else None
            cost = Cost.BOUNDED if found is None else found.cost_of(request, target)
            response, token = await self.execution.run(
                partial(self.run, request, target, found, raw), cost, len(raw or b"")
            )
            if token.use_unrecorded_at(datetime.now(UTC)):
                await self.execution.run_unless_busy(
                    partial(self.services.scim_tokens.record_use, token)
                )
            return response
        except ScimError as error:
            return error_response(error)
        except SightgateError as error:
            return error_response(from_domain(error))
        except ClientDisconnect:
            raise
        except Exception:  # a bug; the client still gets a SCIM error, the log the trace
            log.exception("SCIM request failed", extra={"path": request.scope["path"]})
            return error_response(ScimError(500, "internal error; see the server log"))

    def run(
        self, request: Request, target: Target, found: Route | None, raw: bytes | None
    ) -> tuple[Response, ScimToken]:
        """Authenticate, ask the authorizer about the route's action, then parse the body
        and run the operation; a request that only reads does it all in one read
        transaction. A request no route takes is refused only after authentication, so
        an unauthenticated client learns nothing but 401, whatever path it tries."""
        db = self.services.db
        with db.snapshot() if found is not None and found.reads_only else nullcontext():
            token = self.authenticate(request, target.store_id)
            if found is None:
                raise ROUTES.refusal(target)
            require = partial(
                self.services.access.authorizer.require,
                ScimClient(token.identity_store_id, token.token_id),
                target=IdentityStoreResource(target.store_id),
            )
            require(found.action)
            root = self.public_url or str(request.base_url).rstrip("/")
            provider = ScimProvider(
                self.services.identity,
                target.store_id,
                f"{root}/scim/{target.store_id}/v2",
                token.actor,
            )
            body = None if raw is None else parse_json(raw)
            result = found.operation(Call(provider, request, target, body, require))
            return render(result), token

    def authenticate(self, request: Request, store_id: str) -> ScimToken:
        """The request's bearer token, if valid for this store; else 401."""
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        presented = presented.strip()
        token = (
            self.services.scim_tokens.authenticate(store_id, presented)
            if scheme.lower() == "bearer" and presented
            else None
        )
        if token is None:
            raise ScimError(401, "a valid bearer token for this identity store is required")
        return token
