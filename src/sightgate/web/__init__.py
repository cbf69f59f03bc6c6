"""The browser side of sightgate: static files served at ``/static/``.

``static/embed/`` is the embedded viewer (plain ES modules, no build step) and
``static/vendor/echarts/`` is Apache ECharts' ESM bundle, copied from the npm package
``package-lock.json`` pins (``tests/web/test_static.py`` checks the copy against it), so
a server installed from PyPI, without Node, draws charts from its own origin.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"
PATH_PREFIX = "/static/"
SCRIPTS = (".js", ".mjs")
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-cache"),
)


class StaticApp:
    """``/static/<path>`` from ``STATIC_DIR``: JavaScript modules as ``text/javascript``
    (``.mjs`` included, which a browser needs to run a module), revalidated by ETag, never
    sniffed, and readable by our own pages only. A path that names no file (``..``
    included) is a plain 404."""

    def __init__(self) -> None:
        self.files = StaticFiles(directory=STATIC_DIR)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"].removeprefix(PATH_PREFIX.rstrip("/"))
        script = path.endswith(SCRIPTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                replaced = {b"cache-control", b"content-type"} if script else {b"cache-control"}
                headers = [h for h in message.get("headers", []) if h[0].lower() not in replaced]
                if script:
                    headers.append((b"content-type", b"text/javascript; charset=utf-8"))
                message = {**message, "headers": [*headers, *HEADERS]}
            await send(message)

        try:
            await self.files({**scope, "path": path, "root_path": ""}, receive, send_with_headers)
        except HTTPException as error:
            response = PlainTextResponse(error.detail, error.status_code, headers=error.headers)
            await response(scope, receive, send)
