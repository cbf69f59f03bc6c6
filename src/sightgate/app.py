"""Builds the ASGI application from the adapters and the services."""

from __future__ import annotations

import gc
import html
import logging
import sys
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from sightgate import __version__
from sightgate.analytics.access_keys import AccessKeyService
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.logs import RequestLog
from sightgate.protocols.aws import Credential, build_aws_app
from sightgate.protocols.aws.handlers import account_gate, build_routes
from sightgate.protocols.embed import routes as embed_routes
from sightgate.protocols.scim import routes as scim_routes
from sightgate.store.migrate import is_current
from sightgate.web import PATH_PREFIX as STATIC_PREFIX
from sightgate.web import StaticApp

log = logging.getLogger(__name__)

GIL_SWITCH_INTERVAL_S = 0.0005


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


PAGES = frozenset({"/", "/healthz", "/readyz"})
"""Paths the main app serves to GET and HEAD (everything else of ``/`` is the AWS API's:
its json-1.1 services are ``POST /``)."""


class SurfaceRouter:
    """Sends each request to its surface: the first prefix of ``surfaces`` it starts with
    (``/scim/``, and later ``/embed/``, ``/sso/``, ``/static/``, the web app), else the
    main app's pages, else the AWS API, which answers every other path in the AWS error
    format. Each surface routes itself below its prefix, and a new surface is one entry
    here, never a path that falls through to the AWS API's catch-all.

    The AWS API is called directly rather than mounted: a mount matches the decoded path
    with a regular expression, which an encoded newline (``%0A``) escapes.
    """

    def __init__(
        self, surfaces: Sequence[tuple[str, ASGIApp]], pages: ASGIApp, aws: ASGIApp
    ) -> None:
        self.surfaces = tuple(surfaces)
        self.pages = pages
        self.aws = aws

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app_for(scope)(scope, receive, send)

    def _app_for(self, scope: Scope) -> ASGIApp:
        if scope["type"] != "http":
            return self.pages  # lifespan: the main app starts and stops the process's parts
        path: str = scope["path"]
        for prefix, app in self.surfaces:
            if path.startswith(prefix):
                return app
        if path in PAGES and scope["method"] in ("GET", "HEAD"):
            return self.pages
        return self.aws


def landing_page(base_url: str) -> str:
    """The HTML page at ``/``, for a person who opened the server in a browser."""
    base = html.escape(base_url, quote=True)
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sightgate {__version__}</title></head>
<body>
<h1>sightgate {__version__}</h1>
<p>A self-hostable equivalent of Amazon QuickSight embedded analytics with AWS IAM Identity
Center: an identity store that IdPs such as Okta and Entra ID fill by SCIM 2.0, and the
QuickSight, IdentityStore and SSO Admin APIs for the AWS SDKs and the aws cli.</p>
<h2>Health</h2>
<ul>
<li><a href="{base}/healthz">/healthz</a>: the process is up</li>
<li><a href="{base}/readyz">/readyz</a>: the store is reachable and its schema is current</li>
</ul>
<h2>SCIM 2.0</h2>
<p>Each identity store has its own base URL. <code>sightgate scim token create</code> prints
it with a bearer token for the IdP:</p>
<pre>{base}/scim/&lt;IdentityStoreId&gt;/v2</pre>
<h2>AWS APIs</h2>
<p>Requests are signed with SigV4, using an access key from
<code>sightgate keys create --account-id &lt;AccountId&gt;</code>:</p>
<pre>aws quicksight list-users --aws-account-id &lt;AccountId&gt; --namespace default \\
  --endpoint-url {base}</pre>
<h2>Documentation</h2>
<p><code>README.md</code> and <code>docs/</code> in the sightgate source tree:
<code>docs/scim.md</code> (connecting an IdP), <code>docs/aws-api.md</code> (boto3 and the
aws cli), <code>docs/provisioning.md</code>, <code>docs/api-coverage.md</code>.</p>
</body>
</html>
"""


def create_app(services: Services, settings: Settings) -> ASGIApp:
    """The sightgate HTTP application over ``services``.

    Links in responses use ``settings.public_url`` (behind a proxy) or else the request's
    own Host. ``/scim/`` is the SCIM service provider; the main app serves the landing
    page and the health checks; the AWS-compatible API answers every other path, in the
    AWS error format (see ``SurfaceRouter``).
    """
    # A thread that waits for the GIL makes the holder drop it after this long (Python's
    # default is 5 ms): a request on the event loop or a worker thread then waits
    # fractions of a millisecond, not 5 ms per hand-off, while a search on another
    # thread turns a thousand rows into documents.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    # No OpenAPI document or docs UI: the APIs are SCIM's and AWS's, described elsewhere.
    app = FastAPI(
        title="sightgate", version=__version__, openapi_url=None, docs_url=None, redoc_url=None
    )
    if settings.dev_mode:
        log.warning(
            "LOCAL-TEST MODE: any well-formed AWS credentials are accepted for any account. "
            "Never use --dev with real data."
        )

    @app.get("/", include_in_schema=False)
    def landing(request: Request) -> HTMLResponse:
        """What this server is and where to go; no AWS operation is a GET of ``/``."""
        base = settings.public_url or str(request.base_url)
        return HTMLResponse(landing_page(base.rstrip("/")))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
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

    aws = build_aws_app(
        build_routes(services),
        AccessKeyCredentials(services.access_keys),
        authorizer=services.access.authorizer,
        accounts=account_gate(services),
        dev_mode=settings.dev_mode,
        token_key=settings.server_secret(),
    )
    scim = scim_routes.ScimApp(services, settings.public_url)
    embed = embed_routes.EmbedApp(embed_ports(services, settings))
    # What start-up built (the service models, the routes) lives as long as the process:
    # out of the collector's sight, a full collection no longer walks it, which paused
    # every thread for tens of milliseconds during large searches.
    gc.freeze()
    surfaces: list[tuple[str, ASGIApp]] = [
        (scim_routes.PATH_PREFIX, scim),
        (embed_routes.PATH_PREFIX, embed),
        (STATIC_PREFIX, StaticApp()),
    ]
    return RequestLog(SurfaceRouter(surfaces, app, aws))


def embed_ports(services: Services, settings: Settings) -> embed_routes.Ports:
    """What the embed surface needs: sessions, dashboards, themes and visual data."""
    from sightgate.platform.execution import Execution

    return embed_routes.Ports(
        embedding=services.embedding,
        dashboards=services.dashboards,
        themes=services.themes,
        renderer=services.renderer,
        execution=Execution(services.db, analytical_workers=settings.query_workers),
    )
