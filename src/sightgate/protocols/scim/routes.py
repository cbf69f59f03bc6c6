"""The SCIM HTTP endpoints at ``/scim/{IdentityStoreId}/v2``: parsing, auth and rendering.

Everything here is transport: bearer-token authentication, reading JSON bodies (with a
size limit), query parameters, ETag headers, and rendering ``ScimResponse`` or a SCIM
Error. The operations themselves are in ``provider.py``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

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
        request: Request, store_id: str, handler: Handler, *, with_body: bool = False
    ) -> Response:
        """Authenticate, read the body, run the operation off the event loop, render."""
        try:
            provider = await run_in_threadpool(authenticate, request, store_id)
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

    # -- resources -----------------------------------------------------------------------

    for kind in ("Users", "Groups"):
        users = kind == "Users"

        async def list_resources(request: Request, store_id: str, _users: bool = users) -> Response:
            def run(p: ScimProvider, _: Any) -> ScimResponse:
                query = ListQuery.from_params(dict(request.query_params))
                return p.list_users(query) if _users else p.list_groups(query)

            return await handle(request, store_id, run)

        async def create(request: Request, store_id: str, _users: bool = users) -> Response:
            def run(p: ScimProvider, body: Any) -> ScimResponse:
                return (p.create_user if _users else p.create_group)(body, projection(request))

            return await handle(request, store_id, run, with_body=True)

        async def search(request: Request, store_id: str, _users: bool = users) -> Response:
            def run(p: ScimProvider, body: Any) -> ScimResponse:
                query = search_query(body)
                return p.list_users(query) if _users else p.list_groups(query)

            return await handle(request, store_id, run, with_body=True)

        async def get_one(
            request: Request, store_id: str, resource_id: str, _users: bool = users
        ) -> Response:
            def run(p: ScimProvider, _: Any) -> ScimResponse:
                getter = p.get_user if _users else p.get_group
                return getter(
                    resource_id, projection(request), request.headers.get("if-none-match")
                )

            return await handle(request, store_id, run)

        async def replace(
            request: Request, store_id: str, resource_id: str, _users: bool = users
        ) -> Response:
            def run(p: ScimProvider, body: Any) -> ScimResponse:
                replacer = p.replace_user if _users else p.replace_group
                return replacer(
                    resource_id, body, request.headers.get("if-match"), projection(request)
                )

            return await handle(request, store_id, run, with_body=True)

        async def patch(
            request: Request, store_id: str, resource_id: str, _users: bool = users
        ) -> Response:
            def run(p: ScimProvider, body: Any) -> ScimResponse:
                patcher = p.patch_user if _users else p.patch_group
                return patcher(
                    resource_id, body, request.headers.get("if-match"), projection(request)
                )

            return await handle(request, store_id, run, with_body=True)

        async def delete(
            request: Request, store_id: str, resource_id: str, _users: bool = users
        ) -> Response:
            def run(p: ScimProvider, _: Any) -> ScimResponse:
                deleter = p.delete_user if _users else p.delete_group
                return deleter(resource_id, request.headers.get("if-match"))

            return await handle(request, store_id, run)

        router.add_api_route(f"/{kind}", list_resources, methods=["GET"])
        router.add_api_route(f"/{kind}", create, methods=["POST"])
        router.add_api_route(f"/{kind}/.search", search, methods=["POST"])
        router.add_api_route(f"/{kind}/{{resource_id}}", get_one, methods=["GET"])
        router.add_api_route(f"/{kind}/{{resource_id}}", replace, methods=["PUT"])
        router.add_api_route(f"/{kind}/{{resource_id}}", patch, methods=["PATCH"])
        router.add_api_route(f"/{kind}/{{resource_id}}", delete, methods=["DELETE"])

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

    # -- everything else -----------------------------------------------------------------

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def fallback(request: Request, store_id: str, rest: str) -> Response:
        """/Me is not supported (501, RFC 7644 §3.11); wrong methods 405; the rest 404."""
        endpoint = rest.split("/")[0]

        def run(_: ScimProvider, __: Any) -> ScimResponse:
            if endpoint == "Me":
                raise ScimError(501, "/Me is not supported: sightgate has no SCIM sign-in")
            if endpoint in (*DISCOVERY, "Users", "Groups", "Bulk", ".search"):
                raise ScimError(405, f"{request.method} is not allowed on /{rest}")
            raise ScimError(404, f"/{rest} is not a SCIM endpoint")

        return await handle(request, store_id, run)

    return router
