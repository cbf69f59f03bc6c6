"""Builds the ASGI application from the adapters and the services."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sightgate import __version__
from sightgate.bootstrap import Services
from sightgate.protocols.scim import routes as scim_routes
from sightgate.store.migrate import is_current

log = logging.getLogger("sightgate.http")


def create_app(services: Services, public_url: str | None = None) -> FastAPI:
    """The sightgate HTTP application over ``services``.

    ``public_url`` is the root URL clients use (behind a proxy); by default each
    response's links are built from the request's own Host.
    """
    app = FastAPI(title="sightgate", version=__version__, docs_url=None, redoc_url=None)
    app.state.services = services
    app.include_router(scim_routes.build_router(services, public_url))
    app.add_middleware(scim_routes.ScimPathMiddleware)

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

    return app
