"""The browser side of sightgate: static files served at ``/static/``.

``static/embed/`` is the embedded viewer (plain ES modules, no build step) and
``static/vendor/echarts/`` is Apache ECharts' ESM bundle, copied from the npm package
``package-lock.json`` pins (``tests/web/test_static.py`` checks the copy against it), so
a server installed from PyPI, without Node, draws charts from its own origin.

Every file is also served below ``/static/v/<VERSION>/``, where ``VERSION`` is a digest
of the whole tree: the embed pages link there, and those answers may be cached for a
year (``immutable``), since another tree is another address. The modules import each
other by relative paths, so a page's modules all come from the version it linked. The
plain paths stay, revalidated by ETag (``no-cache``), for anything that links them.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"
PATH_PREFIX = "/static/"
VERSIONED = "v/"
SCRIPTS = (".js", ".mjs")
COMPRESSED = (*SCRIPTS, ".css", ".json", ".svg")
MIN_COMPRESSED_BYTES = 1024
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}
REVALIDATE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """One static file as it is sent: its bytes, gzipped copy (for text worth it), type
    and ETag."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _media_type(path: Path) -> str:
    if path.suffix in SCRIPTS:
        return "text/javascript; charset=utf-8"
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


@functools.cache
def assets() -> dict[str, Asset]:
    """Every file of ``STATIC_DIR`` by its path below it, read and compressed once: the
    tree is part of the installed package and small (ECharts is ~1.1 MB, ~370 KB
    gzipped), and only names found here are served, so no path can leave it."""
    found: dict[str, Asset] = {}
    for path in sorted(STATIC_DIR.rglob("*")):
        if not path.is_file():
            continue
        body = path.read_bytes()
        gzipped = None
        if path.suffix in COMPRESSED and len(body) >= MIN_COMPRESSED_BYTES:
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        found[path.relative_to(STATIC_DIR).as_posix()] = Asset(
            body, gzipped, _media_type(path), etag
        )
    return found


@functools.cache
def version() -> str:
    """A digest of the whole static tree (names and contents): the ``v/`` segment."""
    digest = hashlib.sha256()
    for name, asset in assets().items():
        digest.update(f"{name}\0{asset.etag}\0".encode())
    return digest.hexdigest()[:16]


def url(name: str) -> str:
    """The long-cacheable address of static file ``name`` (``embed/viewer.js``)."""
    return f"{PATH_PREFIX}{VERSIONED}{version()}/{name}"


class StaticApp:
    """``/static/<path>`` and ``/static/v/<version>/<path>`` from ``STATIC_DIR``
    (module docstring): JavaScript modules as ``text/javascript`` (``.mjs`` included,
    which a browser needs to run a module), gzipped for a client that accepts it, never
    sniffed, and readable by our own pages only. A path that names no file (``..``
    included) is a plain 404. A version other than the current one (a page of a server
    since upgraded) gets today's file, revalidated rather than cached for good."""

    def __init__(self) -> None:
        version()  # read and compress the tree at start-up, not in a first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self._respond(scope)
        await response(scope, receive, send)

    def _respond(self, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        name = scope["path"].removeprefix(PATH_PREFIX)
        caching = REVALIDATE
        if name.startswith(VERSIONED):
            given, _, name = name.removeprefix(VERSIONED).partition("/")
            caching = IMMUTABLE if given == version() else REVALIDATE
        asset = assets().get(name)
        if asset is None:
            return PlainTextResponse("Not Found", 404)
        request = Headers(scope=scope)
        headers = {
            **SECURITY_HEADERS,
            "Cache-Control": caching,
            "ETag": asset.etag,
            "Content-Type": asset.media_type,
        }
        if asset.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        if asset.etag in request.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.get("accept-encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, headers=headers)


_IMPORT = re.compile(r'^(?:import|export)\b[^;"\']*?\bfrom\s*["\']([^"\']+)["\']', re.M)


@functools.cache
def module_graph(entry: str) -> tuple[str, ...]:
    """Module ``entry`` (``embed/viewer.js``) and every module it imports, directly or
    not, by their names below ``STATIC_DIR``, in the order first met: what a page
    preloads (``<link rel="modulepreload">``) so they arrive in one round trip rather
    than one per level of imports. Only relative imports name files of ours."""
    files = assets()
    found: list[str] = []
    pending = [entry]
    while pending:
        name = pending.pop(0)
        if name in found or name not in files:
            continue
        found.append(name)
        text = files[name].body.decode("utf-8", "replace")
        base = PurePosixPath(name).parent
        for target in _IMPORT.findall(text):
            if target.startswith(("./", "../")):
                pending.append(posixpath.normpath((base / target).as_posix()))
    return tuple(found)
