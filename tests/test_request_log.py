"""The request log: one line per request with its status, and a client that went away
before the answer logged as 499, not as a server failure."""

from __future__ import annotations

import asyncio
import logging

import pytest
from starlette.types import Message, Receive, Scope, Send

from sightgate.logs import CLIENT_CLOSED_REQUEST, RequestLog


async def answering(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def reading_until_gone(scope: Scope, receive: Receive, send: Send) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def logged_status(app: object, messages: list[Message], caplog: pytest.LogCaptureFixture) -> object:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0)

    async def send(message: Message) -> None:
        return None

    scope = {"type": "http", "method": "POST", "path": "/scim/x", "headers": []}
    with caplog.at_level(logging.INFO, logger="sightgate.http"):
        asyncio.run(RequestLog(app)(scope, receive, send))  # type: ignore[arg-type]
    (record,) = [r for r in caplog.records if r.name == "sightgate.http"]
    return record.__dict__["status"]


def test_an_answered_request_logs_its_status(caplog: pytest.LogCaptureFixture) -> None:
    assert logged_status(answering, [], caplog) == 204


def test_a_client_gone_before_the_answer_is_499(caplog: pytest.LogCaptureFixture) -> None:
    messages: list[Message] = [
        {"type": "http.request", "body": b"{", "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert logged_status(reading_until_gone, messages, caplog) == CLIENT_CLOSED_REQUEST == 499
