"""The ISV app's HTTP side (Starlette): the page, the embed-URL endpoint its script
calls, and the SDK file exactly as npm ships it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from sightgate.demo.isv_app.backend import Backend, Dashboard
from sightgate.demo.isv_app.page import render

SDK_FILE = "quicksight-embedding-js-sdk.min.js"


def _problem(error: Exception) -> str:
    """What the page shows when sightgate refused or could not be reached."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"sightgate answered {details.get('Code')}: {details.get('Message')}"
    return f"sightgate could not be reached ({error}); is `sightgate serve` running?"


def create_app(
    backend: Backend,
    users: list[tuple[str, str]],
    sdk_dir: Path,
    on_stop: Callable[[], None] = lambda: None,
) -> Starlette:
    """The app for ``users`` (name, display name): only they may "sign in". ``on_stop``
    runs when the server stops."""
    known = {name for name, _ in users}
    sdk = sdk_dir / SDK_FILE

    async def index(request: Request) -> Response:
        user = request.query_params.get("user")
        if user is not None and user not in known:
            page = render(users, None, [], sdk=sdk.exists(), error="no such user")
            return HTMLResponse(page, 404)
        dashboards: list[Dashboard] = []
        error = None
        if user:
            try:
                dashboards = backend.dashboards(user)
            except (ClientError, BotoCoreError) as failure:
                error = _problem(failure)
        return HTMLResponse(render(users, user, dashboards, sdk=sdk.exists(), error=error))

    async def embed_url(request: Request) -> Response:
        user = request.query_params.get("user", "")
        dashboard_id = request.query_params.get("dashboard", "")
        if user not in known or not dashboard_id:
            return JSONResponse({"error": "user and dashboard are required"}, 400)
        try:
            url = backend.embed_url(user, dashboard_id)
        except (ClientError, BotoCoreError) as failure:
            return JSONResponse({"error": _problem(failure)}, 502)
        return JSONResponse({"EmbedUrl": url}, headers={"Cache-Control": "no-store"})

    async def sdk_file(request: Request) -> Response:
        if not sdk.exists():
            return Response("npm install amazon-quicksight-embedding-sdk first\n", 404)
        return FileResponse(sdk, media_type="text/javascript")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            on_stop()

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route("/", index),
            Route("/embed-url", embed_url),
            Route(f"/sdk/{SDK_FILE}", sdk_file),
        ],
    )
