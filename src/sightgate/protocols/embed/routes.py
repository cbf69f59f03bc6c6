"""The embed surface at ``/embed/<session>/...``: the pages the embedding SDK frames, and
the data API and revocation stream those pages call.

- ``GET embedControl``: the SDK's hidden control frame (it relays commands).
- ``GET dashboards/<id>[/sheets/<s>/visuals/<v>]?code=...``: the experience frame.
  The one-time code is redeemed here, once, for the session secret the page keeps in
  memory; a page whose embedding origin (the SDK's ``punyCodeEmbedOrigin``) is not one
  of the session's allowed domains gets no secret, and the session is revoked at once.
- ``/api/...``: JSON for the page, the secret in ``Authorization: Bearer`` (never a
  cookie). Every request authenticates the session and asks the embedding service who
  its viewer is now and whether they may open the dashboard now.
- ``GET api/events``: server-sent events; ``revoked`` is pushed once the session's
  still-allowed check (``SessionWatch``, cheap and epoch-based) says no.

Errors say ``Forbidden`` (a link: spent, expired, forged; a dashboard the session may
not open) or ``Unauthorized`` (the session: expired, revoked, its user no longer let
in), as the SDK's ``ERROR_OCCURRED`` does.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from sightgate.analytics.assets.dashboards import DashboardService
from sightgate.analytics.assets.themes import ThemeService
from sightgate.analytics.assets.visuals.render import DashboardRenderer
from sightgate.analytics.embedding.errors import CodeRejectedError, SessionRejectedError
from sightgate.analytics.embedding.service import EmbeddingService
from sightgate.analytics.embedding.sessions import EmbedSession
from sightgate.platform import jsontext
from sightgate.platform.errors import SightgateError
from sightgate.platform.execution import Cost, Execution

from . import pages
from .access import EmbedAccess
from .errors import FORBIDDEN, UNAUTHORIZED, ApiError, api_error
from .stream import RevocationStream

log = logging.getLogger(__name__)
PATH_PREFIX = "/embed/"
MAX_BODY_BYTES = 64 * 1024
T = TypeVar("T")

_EXPERIENCE = re.compile(
    r"^/embed/(?P<session>[^/]+)/dashboards/(?P<dashboard>[\w-]+)"
    r"(?:/sheets/(?P<sheet>[\w-]+)/visuals/(?P<visual>[\w-]+))?/?$"
)
_CONTROL = re.compile(r"^/embed/(?P<session>[^/]+)/embedControl/?$")
_API = re.compile(r"^/embed/(?P<session>[^/]+)/api/(?P<rest>.*)$")
_API_DASHBOARD = re.compile(r"^dashboards/(?P<dashboard>[\w-]+)$")
_API_SHEET = re.compile(r"^dashboards/(?P<dashboard>[\w-]+)/sheets/(?P<sheet>[\w-]+)$")


@dataclass(frozen=True)
class Ports:
    """What the embed surface uses: the embedding service (sessions), the dashboards
    (their published definitions), the themes, and the renderer (visual data)."""

    embedding: EmbeddingService
    dashboards: DashboardService
    themes: ThemeService
    renderer: DashboardRenderer
    execution: Execution


class EmbedApp:
    """The ASGI app for every path under ``/embed/`` (module docstring)."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self.access = EmbedAccess(ports.embedding, ports.dashboards, ports.themes, ports.renderer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self._respond(request)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> ASGIApp:
        path = request.url.path
        method = request.method
        if (found := _CONTROL.match(path)) and method in ("GET", "HEAD"):
            return self._control(found["session"])
        if (found := _EXPERIENCE.match(path)) and method in ("GET", "HEAD"):
            return await self._experience(request, found.groupdict())
        if found := _API.match(path):
            try:
                return await self._api(request, found["session"], found["rest"], method)
            except ApiError as error:
                return _json_error(error)
            except SightgateError as error:
                return _json_error(api_error(error))
        return HTMLResponse(
            pages.not_found_page(), 404, headers=pages.security_headers(pages.NO_ANCESTOR)
        )

    async def _run(self, call: Callable[[], T], cost: Cost = Cost.BOUNDED) -> T:
        return await self.ports.execution.run(call, cost)

    # -- pages ---------------------------------------------------------------------------

    def _control(self, session_id: str) -> Response:
        """The control frame holds no data, and commands reach an experience frame only
        through it: it may be framed by any page (the experience frames are not)."""
        return HTMLResponse(
            pages.control_page(), headers=pages.security_headers(pages.ANY_ANCESTOR)
        )

    async def _experience(self, request: Request, found: Mapping[str, str | None]) -> Response:
        session_id = str(found["session"])
        dashboard_id = str(found["dashboard"])
        boot: dict[str, Any] = {
            "sessionId": session_id,
            "dashboardId": dashboard_id,
            "sheetId": found["sheet"] or request.query_params.get("sheetId"),
            "visualId": found["visual"],
            "sheetTabsDisabled": request.query_params.get("sheetTabsDisabled") == "true",
        }
        code = request.query_params.get("code", "")
        origin = _embedding_origin(request.query_params.get("punyCodeEmbedOrigin"))
        try:
            opened = await self._run(lambda: self.access.open(session_id, code, origin))
        except CodeRejectedError as rejected:
            log.info("embed code refused", extra={"session": session_id, "reason": rejected.reason})
            return _failed_page(boot, FORBIDDEN, 403)
        session, secret = opened
        try:
            layout = await self._run(lambda: self.access.layout(session, dashboard_id), Cost.SCAN)
        except SessionRejectedError as rejected:
            log.info(
                "embed session refused", extra={"session": session_id, "reason": rejected.reason}
            )
            await self._run(lambda: self.access.abandon(session_id))
            return _failed_page(boot, UNAUTHORIZED, 401)
        except SightgateError:
            await self._run(lambda: self.access.abandon(session_id))
            return _failed_page(boot, FORBIDDEN, 403)
        boot.update(secret=secret, dashboard=layout)
        headers = pages.security_headers(session.frame_ancestors)
        sheet_id = _first_sheet(layout, boot["sheetId"])
        if request.method == "HEAD" or sheet_id is None:
            return HTMLResponse(pages.experience_page(str(layout["name"]), boot), headers=headers)
        head = pages.experience_head(str(layout["name"]), boot)

        async def page() -> AsyncIterator[str]:
            yield head
            yield pages.experience_tail(await self._first_data(session, dashboard_id, sheet_id))

        return StreamingResponse(page(), media_type="text/html", headers=headers)

    async def _first_data(
        self, session: EmbedSession, dashboard_id: str, sheet_id: str
    ) -> dict[str, Any] | None:
        """The first sheet's data with no parameters or selections, exactly as the data
        API answers it (the same call, so the same authorization and RLS), computed while
        the browser fetches the page's modules; None when it cannot be (the page then
        asks the data API, whose answer says why)."""
        try:
            data = await self._run(
                lambda: self.access.sheet(session, dashboard_id, sheet_id, {}, {}), Cost.ANALYTICAL
            )
        except SightgateError as error:
            log.info("embed first sheet not inlined", extra={"reason": type(error).__name__})
            return None
        except Exception:  # the page is half sent: it must still end, and fetch instead
            log.exception("embed first sheet failed", extra={"session": session.session_id})
            return None
        return {"sheetId": sheet_id, "data": data}

    # -- the data API --------------------------------------------------------------------

    async def _api(self, request: Request, session_id: str, rest: str, method: str) -> ASGIApp:
        secret = _bearer(request)
        session = await self._run(lambda: self.access.session(session_id, secret))
        if rest == "events" and method == "GET":
            return self._events(session, request.query_params.get("dashboardId"))
        if (found := _API_DASHBOARD.match(rest)) and method == "GET":
            dashboard_id = found["dashboard"]
            return _json(
                await self._run(lambda: self.access.layout(session, dashboard_id), Cost.SCAN)
            )
        if (found := _API_SHEET.match(rest)) and method == "POST":
            body = await _body(request)
            dashboard_id, sheet_id = found["dashboard"], found["sheet"]
            drawn = await self._run(
                lambda: self.access.sheet(
                    session,
                    dashboard_id,
                    sheet_id,
                    _object(body.get("parameters"), "parameters"),
                    _object(body.get("selections"), "selections"),
                ),
                Cost.ANALYTICAL,
            )
            return _json(drawn)
        if rest == "theme" and method == "POST":
            body = await _body(request)
            theme_arn = body.get("ThemeArn")
            return _json(
                {"configuration": await self._run(lambda: self.access.theme(session, theme_arn))}
            )
        raise ApiError(404, "NotFound", f"no embed API {method} /{unquote(rest)[:100]}")

    def _events(self, session: EmbedSession, dashboard_id: str | None) -> ASGIApp:
        watch = self.ports.embedding.watch(session, dashboard_id)

        def revoked() -> None:
            log.info(
                "embed session revoked on an open page",
                extra={"session": session.session_id, "reason": watch.reason},
            )

        headers = {**pages.security_headers(pages.NO_ANCESTOR), "X-Accel-Buffering": "no"}
        return RevocationStream(
            lambda: self._run(watch.still_allowed), {"errorCode": UNAUTHORIZED}, headers, revoked
        )


def _embedding_origin(value: str | None) -> str | None:
    """The SDK's ``punyCodeEmbedOrigin``: punycode of ``<origin>/``, which for an origin
    (always ASCII) is ``<origin>/-``."""
    if value and value.endswith("/-"):
        return value[:-2]
    return None


def _first_sheet(layout: Mapping[str, Any], wanted: str | None) -> str | None:
    """The sheet the page shows first, as ``viewer.js`` picks it: the one asked for if
    the dashboard has it, else its first."""
    sheets = [str(sheet["sheetId"]) for sheet in layout["sheets"]]
    if wanted in sheets:
        return wanted
    return sheets[0] if sheets else None


def _failed_page(boot: dict[str, Any], code: str, status: int) -> Response:
    """The experience page with no session: it shows why and posts ``ERROR_OCCURRED``."""
    return HTMLResponse(
        pages.experience_page("Dashboard unavailable", {**boot, "error": code}),
        status,
        headers=pages.security_headers(pages.ANY_ANCESTOR),
    )


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, UNAUTHORIZED, "the session secret is missing")
    return secret.strip()


async def _body(request: Request) -> dict[str, Any]:
    try:
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise ApiError(413, "PayloadTooLarge", f"bodies are at most {MAX_BODY_BYTES} bytes")
    except ClientDisconnect:
        raise ApiError(400, "BadRequest", "the request ended early") from None
    if not raw:
        return {}
    try:
        document = jsontext.loads(raw)
    except ValueError as error:
        raise ApiError(400, "BadRequest", f"the body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise ApiError(400, "BadRequest", "the body must be a JSON object")
    return document


def _object(value: object, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, "InvalidParameterValue", f"{field} must be an object")
    return value


def _json(document: Mapping[str, Any]) -> Response:
    return JSONResponse(document, headers=pages.security_headers(pages.NO_ANCESTOR))


def _json_error(error: ApiError) -> Response:
    return JSONResponse(
        {"errorCode": error.code, "message": error.message},
        error.status,
        headers=pages.security_headers(pages.NO_ANCESTOR),
    )
