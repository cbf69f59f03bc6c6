"""The SCIM HTTP endpoints at ``/scim/{IdentityStoreId}/v2``: routing, auth and rendering.

Everything here is transport: bearer-token authentication, reading JSON bodies (with a
size limit), query parameters, ETag headers, and rendering ``ScimResponse`` or a SCIM
Error. The operations themselves are in ``provider.py``.

SCIM is a small, fixed set of endpoints, so they are routed here by hand, as a plain
ASGI app, instead of through FastAPI's router: per request, FastAPI's route matching and
parameter resolution cost more than the user lookup itself (measured; see
docs/benchmarks.md). The token check and the operation run back to back, on a worker
thread, or on the embedded store in place (see ``ScimApp.respond``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import nullcontext, suppress
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from sightgate.bootstrap import Services
from sightgate.identity.filtering import is_key_lookup
from sightgate.identity.repository import GROUP, USER
from sightgate.identity.scim_tokens import ScimToken
from sightgate.platform import jsontext
from sightgate.platform.db import WriteWouldWaitError
from sightgate.platform.errors import SightgateError
from sightgate.protocols.scim import discovery
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
DISCOVERY = ("ServiceProviderConfig", "ResourceTypes", "Schemas")
RESOURCE_KINDS = ("Users", "Groups")

Operation = Callable[[ScimProvider, Any], ScimResponse]
T = TypeVar("T")


IN_PLACE_BODY_LIMIT = 16 * 1024
"""Bodies up to this size make short operations (one user, a few members); larger ones
run on a worker thread even on the embedded store."""


class Route(NamedTuple):
    """What a request asks for: the operation, whether it reads a JSON body, whether it
    only reads, and whether its cost is bounded by one resource or one index lookup
    (short; ``/Bulk``, searches and lists that may scan the store are not)."""

    operation: Operation
    with_body: bool = False
    reads_only: bool = False
    short: bool = True


class Target(NamedTuple):
    """A SCIM request path, split: ``/scim/{store_id}/v2/{endpoint}/{rest...}``."""

    store_id: str
    endpoint: str
    rest: tuple[str, ...]


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


def not_routed(endpoint: str, rest: tuple[str, ...] = ()) -> ScimError:
    """The answer for a request no route takes: /Me 501 (RFC 7644 §3.11), an endpoint
    path with the wrong method 405, anything else 404."""
    path = "/".join((endpoint, *rest))
    if endpoint == "Me":
        return ScimError(501, "/Me is not supported: sightgate has no SCIM sign-in")
    if _is_endpoint_path(endpoint, rest):
        return ScimError(405, f"this method is not allowed on /{path}")
    return ScimError(404, f"/{path} is not a SCIM endpoint")


def _is_endpoint_path(endpoint: str, rest: tuple[str, ...]) -> bool:
    if endpoint in RESOURCE_KINDS:
        return len(rest) <= 1
    if endpoint in ("ServiceProviderConfig", "Bulk", ".search"):
        return not rest
    return endpoint in DISCOVERY and len(rest) <= 1


def route(request: Request, target: Target) -> Route:
    """The route for ``request``; one that raises ``not_routed`` when nothing matches.

    The refusal is an operation rather than an immediate error so that an unauthenticated
    client learns nothing but 401, whatever path it tries.
    """
    method, endpoint, rest = request.method, target.endpoint, target.rest
    found: Route | None = None
    if endpoint in RESOURCE_KINDS:
        found = _resource_route(request, method, endpoint, rest)
    elif endpoint in DISCOVERY and method == "GET" and len(rest) <= 1:
        found = _discovery_route(endpoint, rest[0] if rest else None)
    elif endpoint == ".search" and method == "POST" and not rest:
        found = Route(
            lambda p, body: p.search_all(body), with_body=True, reads_only=True, short=False
        )
    elif endpoint == "Bulk" and method == "POST" and not rest:
        found = Route(run_bulk, with_body=True, short=False)
    if found is not None:
        return found
    refusal = not_routed(endpoint, rest)

    def refuse(_: ScimProvider, __: Any) -> ScimResponse:
        raise refusal

    return Route(refuse)


def _resource_route(
    request: Request, method: str, kind: str, rest: tuple[str, ...]
) -> Route | None:
    """The route under ``/Users`` or ``/Groups``, if the method and path name one.

    Query parameters are parsed inside the operation, after authentication.
    """
    if not rest:
        if method == "GET":
            params = dict(request.query_params)
            return Route(
                lambda p, _: endpoints(p, kind).list(ListQuery.from_params(params)),
                reads_only=True,
                short=is_lookup(kind, params),
            )
        if method == "POST":
            return Route(
                lambda p, body: endpoints(p, kind).create(body, projection(request)),
                with_body=True,
            )
        return None
    if rest == (".search",):
        if method != "POST":
            return None
        return Route(
            lambda p, body: endpoints(p, kind).list(search_query(body)),
            with_body=True,
            reads_only=True,
            short=False,
        )
    if len(rest) != 1:
        return None
    resource_id, headers = rest[0], request.headers
    if method == "GET":
        return Route(
            lambda p, _: endpoints(p, kind).get(
                resource_id, projection(request), headers.get("if-none-match")
            ),
            reads_only=True,
        )
    if method == "PUT":
        return Route(
            lambda p, body: endpoints(p, kind).replace(
                resource_id, body, headers.get("if-match"), projection(request)
            ),
            with_body=True,
        )
    if method == "PATCH":
        return Route(
            lambda p, body: endpoints(p, kind).patch(
                resource_id, body, headers.get("if-match"), projection(request)
            ),
            with_body=True,
        )
    if method == "DELETE":
        return Route(lambda p, _: endpoints(p, kind).delete(resource_id, headers.get("if-match")))
    return None


def is_lookup(kind: str, params: dict[str, str]) -> bool:
    """Whether a list request is an index lookup (``userName eq "x"``), which may run in
    place; any other list may scan the store (``co``, ``pr``, a bare page with its
    total) and so runs on a worker thread, where it cannot hold up the event loop."""
    text = {k.lower(): v for k, v in params.items()}.get("filter")  # as ListQuery reads it
    return text is not None and is_key_lookup(text, USER if kind == "Users" else GROUP)


def _discovery_route(endpoint: str, name: str | None) -> Route | None:
    """``/ServiceProviderConfig``, ``/ResourceTypes[/name]`` or ``/Schemas[/id]``."""
    document: Callable[[str], dict[str, Any]]
    if endpoint == "ServiceProviderConfig":
        if name is not None:
            return None
        document = discovery.service_provider_config
    elif name is None:
        document = discovery.resource_types if endpoint == "ResourceTypes" else discovery.schemas
    elif endpoint == "ResourceTypes":
        document = partial(discovery.resource_type, name=name)
    else:
        document = partial(discovery.schema, schema_id=name)
    return Route(lambda p, _: ScimResponse(200, document(p.base_url)), reads_only=True)


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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.respond(request)
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        """Route, read the body, authenticate and run the operation, render.

        The store calls block. On the embedded store a short operation runs in place, on
        the event loop, as long as it need not wait for the write lock (the hand-off to a
        worker thread costs more than the operation, and with the GIL, requests on
        threads fall behind those in place); anything else, and anything that would
        wait, runs on a worker thread.
        """
        try:
            target = parse_path(request.scope["path"])
            found = route(request, target)
            raw = await read_body(request) if found.with_body else None
            in_place = found.short and (raw is None or len(raw) <= IN_PLACE_BODY_LIMIT)
            result, token = await self.call_store(
                partial(self.run, request, target.store_id, found, raw), in_place=in_place
            )
            if token.use_unrecorded_at(datetime.now(UTC)):
                await self.record_use(token)
            return render(result)
        except ScimError as error:
            return error_response(error)
        except SightgateError as error:
            return error_response(from_domain(error))
        except Exception:  # a bug; the client still gets a SCIM error, the log the trace
            log.exception("SCIM request failed", extra={"path": request.scope["path"]})
            return error_response(ScimError(500, "internal error; see the server log"))

    async def call_store(self, call: Callable[[], T], *, in_place: bool) -> T:
        """``call()`` in place when allowed and it need not wait, else on a worker thread."""
        db = self.services.db
        if in_place and db.embedded:
            try:
                with db.without_waiting():
                    return call()
            except WriteWouldWaitError:
                pass  # nothing was written: run it again where waiting is fine
        return await run_in_threadpool(call)

    async def record_use(self, token: ScimToken) -> None:
        """Move the token's ``last_used_at`` (a minute's resolution) without holding up the
        answer: on the embedded store it is skipped while another writer holds the lock,
        and the token's next request tries again."""
        db = self.services.db
        if not db.embedded:
            await run_in_threadpool(self.services.scim_tokens.record_use, token)
            return
        with suppress(WriteWouldWaitError), db.without_waiting():
            self.services.scim_tokens.record_use(token)

    def run(
        self, request: Request, store_id: str, found: Route, raw: bytes | None
    ) -> tuple[ScimResponse, ScimToken]:
        """Authenticate, then parse the body and run the operation; a request that only
        reads does both in one read transaction."""
        db = self.services.db
        with db.snapshot() if found.reads_only else nullcontext():
            token = self.authenticate(request, store_id)
            root = self.public_url or str(request.base_url).rstrip("/")
            provider = ScimProvider(
                self.services.identity, store_id, f"{root}/scim/{store_id}/v2", token.actor
            )
            return found.operation(provider, None if raw is None else parse_json(raw)), token

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
