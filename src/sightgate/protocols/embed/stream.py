"""The revocation stream of an open embed page: server-sent events, as a plain ASGI
response.

The session's still-allowed check (``SessionWatch``: one statement of epochs while
nothing changed) runs every ``WATCH_INTERVAL_S``; once it says no, ``revoked`` is sent
and the stream ends. The stream also ends when the page goes away (noticed at once, from
the ``http.disconnect`` the server delivers, not at the next write), and after
``MAX_STREAM_S``, when the page opens a new one: a server shutting down then waits for no
stream longer than that, and a reconnecting page is checked again before anything else.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from typing import Any

import anyio
from starlette.types import Receive, Scope, Send

WATCH_INTERVAL_S = 0.25
HEARTBEAT_S = 15.0
MAX_STREAM_S = 30.0


def event(name: str, data: Mapping[str, Any]) -> bytes:
    """One server-sent event."""
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class RevocationStream:
    """``text/event-stream`` of one page: comments while ``still_allowed()`` says yes,
    then ``revoked`` with ``revoked_event``."""

    def __init__(
        self,
        still_allowed: Callable[[], Awaitable[bool]],
        revoked_event: Mapping[str, Any],
        headers: Mapping[str, str],
        on_revoked: Callable[[], None],
    ) -> None:
        self.still_allowed = still_allowed
        self.revoked_event = revoked_event
        self.headers = headers
        self.on_revoked = on_revoked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]
        headers.append((b"content-type", b"text/event-stream; charset=utf-8"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        async with anyio.create_task_group() as group:

            async def until_disconnected() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(until_disconnected)
            with suppress(OSError):  # the page went away while we wrote
                await self._watch(send)
            group.cancel_scope.cancel()

    async def _watch(self, send: Send) -> None:
        async def write(chunk: bytes) -> None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

        await write(b": sightgate embed session events\n\n")
        waited = quiet = 0.0
        while waited < MAX_STREAM_S:
            if not await self.still_allowed():
                self.on_revoked()
                await write(event("revoked", self.revoked_event))
                break
            await anyio.sleep(WATCH_INTERVAL_S)
            waited += WATCH_INTERVAL_S
            quiet += WATCH_INTERVAL_S
            if quiet >= HEARTBEAT_S:
                quiet = 0.0
                await write(b": ping\n\n")
        await send({"type": "http.response.body", "body": b"", "more_body": False})
