"""Structured logging: one JSON object per line (or plain text for humans).

Request logs carry method, path, status and duration, never headers or bodies, so no
credential can reach a log file.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_log = logging.getLogger("sightgate.http")


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Route every logger (ours and uvicorn's) to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware logs each request with its duration; uvicorn's access log would repeat it.
    logging.getLogger("uvicorn.access").disabled = True


CLIENT_CLOSED_REQUEST = 499
"""Logged for a request whose client went away before it was answered (nginx's code): no
answer was sent, and it was not the server's fault."""


class RequestLog:
    """ASGI middleware: an ``x-request-id`` header on every answer and one log line per
    request (method, path, status, duration), never headers or bodies.

    A plain ASGI wrapper rather than Starlette's ``BaseHTTPMiddleware``, which runs each
    request through extra tasks and memory streams.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before it answers
        answered = False

        async def receive_noting_disconnect() -> Message:
            nonlocal status
            message = await receive()
            if message["type"] == "http.disconnect" and not answered:
                status = CLIENT_CLOSED_REQUEST
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                answered = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append("x-request-id", request_id)
            await send(message)

        try:
            await self.app(scope, receive_noting_disconnect, send_with_id)
        finally:
            if request_log.isEnabledFor(logging.INFO):
                request_log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
