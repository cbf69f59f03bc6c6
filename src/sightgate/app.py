"""Builds the ASGI application from the adapters and the services."""

from __future__ import annotations

import hashlib
import logging

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from sightgate import __version__
from sightgate.analytics.access_keys import AccessKeyService
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.logs import RequestLog
from sightgate.protocols.aws import Credential, build_aws_app
from sightgate.protocols.aws.handlers import build_handlers
from sightgate.protocols.scim import routes as scim_routes
from sightgate.store.migrate import is_current

log = logging.getLogger(__name__)


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


class PathPrefixRouter:
    """Sends requests under ``/scim/`` to the SCIM app and everything else to ``rest``.

    SCIM routes itself (see ``protocols/scim/routes.py``), so its requests skip the main
    app's router and middleware entirely.
    """

    def __init__(self, scim: ASGIApp, rest: ASGIApp) -> None:
        self.scim = scim
        self.rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(scim_routes.PATH_PREFIX):
            await self.scim(scope, receive, send)
        else:
            await self.rest(scope, receive, send)


def create_app(services: Services, settings: Settings) -> ASGIApp:
    """The sightgate HTTP application over ``services``.

    Links in responses use ``settings.public_url`` (behind a proxy) or else the request's
    own Host. ``/scim/`` is the SCIM service provider; the main app serves the health
    checks and mounts the AWS-compatible API last, at ``/``: it answers every path no
    other route took, in the AWS error format.
    """
    app = FastAPI(title="sightgate", version=__version__, docs_url=None, redoc_url=None)
    if settings.dev_mode:
        log.warning(
            "LOCAL-TEST MODE: any well-formed AWS credentials are accepted for any account. "
            "Never use --dev with real data."
        )

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
    scim = scim_routes.ScimApp(services, settings.public_url)
    return RequestLog(PathPrefixRouter(scim, app))
