"""The SCIM HTTP endpoints at ``/scim/{IdentityStoreId}/v2``: parsing, auth and rendering.

Everything here is transport: bearer-token authentication, reading JSON bodies (with a
size limit), query parameters, ETag headers, and rendering ``ScimResponse`` or a SCIM
Error. The operations themselves are in ``provider.py``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from sightgate.bootstrap import Services
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
PREFIX = "/scim/{store_id}/v2"

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

Handler = Callable[[ScimProvider, Any], ScimResponse]


class ScimPathMiddleware:
    """Canonicalises endpoint names and drops a trailing slash under ``/scim/.../v2``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/scim/"):
            parts = scope["path"].rstrip("/").split("/")
            # ["", "scim", store, "v2", endpoint, ...]
            if len(parts) > 4:
                parts[4] = CANONICAL_SEGMENTS.get(parts[4].lower(), parts[4])
            if len(parts) > 6 and parts[6].lower() == ".search":
                parts[6] = ".search"
            path = "/".join(parts)
            if path != scope["path"]:
                scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)


class ResourceEndpoints(NamedTuple):
    """The operations of one resource type, so routes need no Users/Groups branches."""

    list: Callable[[ListQuery], ScimResponse]
    create: Callable[[Any, Projection], ScimResponse]
    get: Callable[[str, Projection, str | None], ScimResponse]
    replace: Callable[[str, Any, str | None, Projection], ScimResponse]
    patch: Callable[[str, Any, str | None, Projection], ScimResponse]
    delete: Callable[[str, str | None], ScimResponse]


def endpoints(provider: ScimProvider, kind: str) -> ResourceEndpoints:
    """The operations behind ``/Users`` or ``/Groups``; any other name is not an endpoint."""
    p = provider
    if kind == "Users":
        return ResourceEndpoints(
            p.list_users, p.create_user, p.get_user, p.replace_user, p.patch_user, p.delete_user
        )
    if kind == "Groups":
        return ResourceEndpoints(
            p.list_groups,
            p.create_group,
            p.get_group,
            p.replace_group,
            p.patch_group,
            p.delete_group,
        )
    raise not_routed(kind)


def not_routed(endpoint: str) -> ScimError:
    """The answer for a request no route takes: /Me 501 (RFC 7644 §3.11), a known endpoint
    with the wrong method 405, anything else 404."""
    if endpoint == "Me":
        return ScimError(501, "/Me is not supported: sightgate has no SCIM sign-in")
    if endpoint in (*DISCOVERY, "Users", "Groups", "Bulk", ".search"):
        return ScimError(405, f"this method is not allowed on /{endpoint}")
    return ScimError(404, f"/{endpoint} is not a SCIM endpoint")


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


def build_router(services: Services, public_url: str | None) -> APIRouter:
    """The SCIM router over ``services``."""
    router = APIRouter(prefix=PREFIX)

    def base_url(request: Request, store_id: str) -> str:
        root = public_url or str(request.base_url).rstrip("/")
        return f"{root}/scim/{store_id}/v2"

    def authenticate(request: Request, store_id: str) -> ScimProvider:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        token = (
            services.scim_tokens.authenticate(store_id, presented.strip())
            if scheme.lower() == "bearer" and presented.strip()
            else None
        )
        if token is None:
            raise ScimError(401, "a valid bearer token for this identity store is required")
        return ScimProvider(services.identity, store_id, base_url(request, store_id), token.actor)

    async def handle(
        request: Request,
        store_id: str,
        handler: Handler,
        *,
        with_body: bool = False,
        kind: str | None = None,
    ) -> Response:
        """Authenticate, check the endpoint, read the body, run the operation off the event
        loop, render."""
        try:
            provider = await run_in_threadpool(authenticate, request, store_id)
            if kind is not None and kind not in RESOURCE_KINDS:
                raise not_routed(kind)
            body = await body_of(request) if with_body else None
            return render(await run_in_threadpool(handler, provider, body))
        except ScimError as error:
            return error_response(error)
        except SightgateError as error:
            return error_response(from_domain(error))
        except Exception:  # a bug; the client still gets a SCIM error, the log the trace
            log.exception("SCIM request failed", extra={"path": request.url.path})
            return error_response(ScimError(500, "internal error; see the server log"))

    async def body_of(request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > discovery.MAX_PAYLOAD_BYTES:
            raise ScimError(413, f"the body is larger than {discovery.MAX_PAYLOAD_BYTES} bytes")
        raw = bytearray()
        async for chunk in request.stream():
            raw.extend(chunk)
            if len(raw) > discovery.MAX_PAYLOAD_BYTES:
                raise ScimError(413, f"the body is larger than {discovery.MAX_PAYLOAD_BYTES} bytes")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise invalid_syntax(f"the body is not valid JSON: {error}") from error

    def projection(request: Request) -> Projection:
        return projection_from({k.lower(): v for k, v in request.query_params.items()})

    # -- across resource types -----------------------------------------------------------

    @router.post("/.search")
    async def search_all(request: Request, store_id: str) -> Response:
        return await handle(request, store_id, lambda p, body: p.search_all(body), with_body=True)

    @router.post("/Bulk")
    async def bulk(request: Request, store_id: str) -> Response:
        return await handle(request, store_id, run_bulk, with_body=True)

    # -- discovery -----------------------------------------------------------------------

    @router.get("/ServiceProviderConfig")
    async def service_provider_config(request: Request, store_id: str) -> Response:
        return await handle(
            request,
            store_id,
            lambda p, _: ScimResponse(200, discovery.service_provider_config(p.base_url)),
        )

    @router.get("/ResourceTypes")
    async def resource_types(request: Request, store_id: str) -> Response:
        return await handle(
            request, store_id, lambda p, _: ScimResponse(200, discovery.resource_types(p.base_url))
        )

    @router.get("/ResourceTypes/{name}")
    async def resource_type(request: Request, store_id: str, name: str) -> Response:
        return await handle(
            request,
            store_id,
            lambda p, _: ScimResponse(200, discovery.resource_type(p.base_url, name)),
        )

    @router.get("/Schemas")
    async def schemas(request: Request, store_id: str) -> Response:
        return await handle(
            request, store_id, lambda p, _: ScimResponse(200, discovery.schemas(p.base_url))
        )

    @router.get("/Schemas/{schema_id}")
    async def schema(request: Request, store_id: str, schema_id: str) -> Response:
        return await handle(
            request,
            store_id,
            lambda p, _: ScimResponse(200, discovery.schema(p.base_url, schema_id)),
        )

    # -- resources -----------------------------------------------------------------------

    @router.get("/{kind}")
    async def list_resources(request: Request, store_id: str, kind: str) -> Response:
        query = dict(request.query_params)
        return await handle(
            request,
            store_id,
            lambda p, _: endpoints(p, kind).list(ListQuery.from_params(query)),
            kind=kind,
        )

    @router.post("/{kind}")
    async def create(request: Request, store_id: str, kind: str) -> Response:
        shown = projection(request)
        return await handle(
            request,
            store_id,
            lambda p, body: endpoints(p, kind).create(body, shown),
            with_body=True,
            kind=kind,
        )

    @router.post("/{kind}/.search")
    async def search(request: Request, store_id: str, kind: str) -> Response:
        return await handle(
            request,
            store_id,
            lambda p, body: endpoints(p, kind).list(search_query(body)),
            with_body=True,
            kind=kind,
        )

    @router.get("/{kind}/{resource_id}")
    async def get_one(request: Request, store_id: str, kind: str, resource_id: str) -> Response:
        shown, etag = projection(request), request.headers.get("if-none-match")
        return await handle(
            request,
            store_id,
            lambda p, _: endpoints(p, kind).get(resource_id, shown, etag),
            kind=kind,
        )

    @router.put("/{kind}/{resource_id}")
    async def replace(request: Request, store_id: str, kind: str, resource_id: str) -> Response:
        shown, etag = projection(request), request.headers.get("if-match")
        return await handle(
            request,
            store_id,
            lambda p, body: endpoints(p, kind).replace(resource_id, body, etag, shown),
            with_body=True,
            kind=kind,
        )

    @router.patch("/{kind}/{resource_id}")
    async def patch(request: Request, store_id: str, kind: str, resource_id: str) -> Response:
        shown, etag = projection(request), request.headers.get("if-match")
        return await handle(
            request,
            store_id,
            lambda p, body: endpoints(p, kind).patch(resource_id, body, etag, shown),
            with_body=True,
            kind=kind,
        )

    @router.delete("/{kind}/{resource_id}")
    async def delete(request: Request, store_id: str, kind: str, resource_id: str) -> Response:
        etag = request.headers.get("if-match")
        return await handle(
            request,
            store_id,
            lambda p, _: endpoints(p, kind).delete(resource_id, etag),
            kind=kind,
        )

    # -- everything else -----------------------------------------------------------------

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def fallback(request: Request, store_id: str, rest: str) -> Response:
        """Whatever no other route takes (see ``not_routed``)."""

        def run(_: ScimProvider, __: Any) -> ScimResponse:
            raise not_routed(rest.split("/")[0])

        return await handle(request, store_id, run)

    return router
