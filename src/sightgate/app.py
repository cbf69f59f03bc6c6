"""Builds the ASGI application from the adapters and the services."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sightgate import __version__
from sightgate.analytics.access_keys import AccessKeyService
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.protocols.aws import Credential, build_aws_app
from sightgate.protocols.aws.handlers import build_handlers
from sightgate.protocols.scim import routes as scim_routes
from sightgate.store.migrate import is_current

log = logging.getLogger("sightgate.http")


class AccessKeyCredentials:
    """The SigV4 verifier's view of the access keys sightgate issued."""

    def __init__(self, access_keys: AccessKeyService) -> None:
        self.access_keys = access_keys

    def lookup(self, access_key_id: str) -> Credential | None:
        """The key's secret and account, if sightgate issued it."""
        found = self.access_keys.lookup(access_key_id)
        if found is None:
            return None
        return Credential(found.access_key_id, found.secret_access_key, found.account_id)


def create_app(services: Services, settings: Settings) -> FastAPI:
    """The sightgate HTTP application over ``services``.

    Links in responses use ``settings.public_url`` (behind a proxy) or else the request's
    own Host. The AWS-compatible API is mounted last, at ``/``: it answers every path no
    other route took, in the AWS error format.
    """
    app = FastAPI(title="sightgate", version=__version__, docs_url=None, redoc_url=None)
    app.state.services = services
    app.include_router(scim_routes.build_router(services, settings.public_url))
    app.add_middleware(scim_routes.ScimPathMiddleware)
    if settings.dev_mode:
        log.warning(
            "LOCAL-TEST MODE: any well-formed AWS credentials are accepted for any account. "
            "Never use --dev with real data."
        )

    @app.middleware("http")
    async def log_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["x-request-id"] = request_id
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """The process is up and serving."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """The store is reachable and its schema is current: ready for traffic."""
        try:
            with services.db.read() as conn:
                conn.execute(text("SELECT 1"))
            current = is_current(services.db)
        except Exception as error:  # any failure to reach the store means not ready
            log.warning("store not reachable", extra={"error": type(error).__name__})
            return JSONResponse({"status": "unavailable", "store": "unreachable"}, 503)
        if not current:
            return JSONResponse({"status": "unavailable", "store": "migrations pending"}, 503)
        return JSONResponse({"status": "ok", "store": services.db.dialect})

    token_key = hashlib.sha256(b"sightgate-aws-next-token\0" + settings.server_secret()).digest()
    app.mount(
        "/",
        build_aws_app(
            build_handlers(services),
            AccessKeyCredentials(services.access_keys),
            dev_mode=settings.dev_mode,
            token_key=token_key,
        ),
    )
    return app
