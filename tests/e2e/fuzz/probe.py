"""Sending one fuzzed request and checking what every answer must satisfy.

Per request: an answer within ``ANSWER_BOUND`` seconds, no 5xx, no error logged by the
server, an error body in the protocol's shape, and, when the answer is an error, a store
exactly as it was before the request (read from the SQLite file directly: the CLI would
cost a process start per request).
"""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from hypothesis import HealthCheck, Phase, settings

ANSWER_BOUND = 5.0
"""Seconds an answer may take; beyond that the server hangs as far as a client cares."""

UNWATCHED_TABLES = frozenset({"alembic_version", "identity_scim_tokens", "event_cursors"})
"""Tables a request may change even when it fails: a SCIM token's last use is recorded
by any authenticated request; cursors move only with the worker, which is off here."""

ErrorShape = Callable[[httpx.Response], str | None]
"""Why an error answer is not in the protocol's shape, or None when it is."""


def fuzz_settings(max_examples: int) -> settings:
    """Reproducible (derandomized, no example database) and bounded: no per-example
    deadline (the answer bound is ours), no shrinking (each example is one request, shown
    whole in the failure; shrinking would re-send requests for minutes)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=(
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ),
    )


@dataclass
class Budget:
    """A wall-clock budget for one test: once spent, further examples are drawn (so that
    generation stays deterministic) but not sent. After a failure the budget no longer
    applies, so Hypothesis can replay the failing example."""

    seconds: float
    started: float | None = None
    failed: bool = False

    def run(self, call: Callable[[], object]) -> None:
        """``call()``, unless the budget is spent."""
        now = time.monotonic()
        if self.started is None:
            self.started = now
        if now - self.started > self.seconds and not self.failed:
            return
        try:
            call()
        except BaseException:
            self.failed = True
            raise


class FuzzRequest:
    """One request exactly as sent: ``target`` is the already percent-encoded path and
    query, headers are latin-1 text. (Not a dataclass, so that a failing example shows
    this short repr rather than every byte.)"""

    __slots__ = ("body", "headers", "method", "target")

    def __init__(
        self,
        method: str,
        target: str,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
    ) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        headers = {k: _clip(v, 200) for k, v in self.headers}
        return (
            f"FuzzRequest({self.method} {_clip(self.target, 400)!r}, headers={headers}, "
            f"body({len(self.body)} bytes)={_clip(repr(self.body), 600)})"
        )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}...(+{len(text) - limit})"


def store_fingerprint(db_path: Path) -> str:
    """A digest of every row of every watched table (the fuzzed stores stay small)."""
    digest = hashlib.sha256()
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if name not in UNWATCHED_TABLES and not name.startswith("sqlite_")
        ]
        for table in tables:
            digest.update(table.encode())
            rows = db.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608 (names from the schema)
            for row in sorted(map(repr, rows)):
                digest.update(row.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass
class ServerLog:
    """The server's log file, read from where the last check stopped."""

    path: Path
    offset: int = 0

    def new_errors(self) -> list[str]:
        """Log records at ERROR or above (unhandled exceptions) since the last call, each
        as its message and the end of its traceback."""
        with self.path.open("rb") as log:
            log.seek(self.offset)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        lines = complete.decode(errors="replace").splitlines()
        return [error for error in map(_error_of, lines) if error is not None]


def _error_of(line: str) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return line if "Traceback" in line else None
    if not isinstance(record, dict) or record.get("level") not in ("ERROR", "CRITICAL"):
        return None
    trace = str(record.get("exc_info", ""))
    return f"{record.get('message')}: ...{trace[-1500:]}"


@dataclass
class Probe:
    """Sends fuzzed requests to one server and checks each answer."""

    base_url: str
    db_path: Path
    log: ServerLog
    error_shape: ErrorShape
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = self._client()

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=ANSWER_BOUND)

    def send(self, request: FuzzRequest, *, allowed: Iterable[int] = ()) -> httpx.Response:
        """Send ``request``; fail unless its answer satisfies every rule (``allowed``
        statuses of 500 and above are the protocol's own, like SCIM's 501 for /Me)."""
        before = store_fingerprint(self.db_path)
        started = time.monotonic()
        try:
            response = self.http.request(
                request.method,
                request.target,
                headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers],
                content=request.body,
                extensions={"target": request.target.encode("ascii")},
            )
        except httpx.TimeoutException:
            self.http.close()
            self.http = self._client()
            raise AssertionError(f"no answer within {ANSWER_BOUND} s to {request!r}") from None
        elapsed = time.monotonic() - started
        problems = self._problems(response, elapsed, set(allowed), before)
        if problems:
            raise AssertionError(_report(problems, request, response))
        return response

    def _problems(
        self, response: httpx.Response, elapsed: float, allowed: set[int], before: str
    ) -> list[str]:
        status = response.status_code
        problems = []
        if status >= 500 and status not in allowed:
            problems.append(f"status {status}")
        if elapsed > ANSWER_BOUND:
            problems.append(f"answered after {elapsed:.1f} s")
        if status >= 400:
            shape_problem = self.error_shape(response)
            if shape_problem:
                problems.append(f"error not in the protocol's shape: {shape_problem}")
            if store_fingerprint(self.db_path) != before:
                problems.append(f"the store changed although the answer was {status}")
        problems.extend(f"server logged: {error}" for error in self.log.new_errors())
        return problems

    def close(self) -> None:
        self.http.close()


def _report(problems: list[str], request: FuzzRequest, response: httpx.Response) -> str:
    return "\n".join(
        [
            *problems,
            f"request: {request!r}",
            f"answer: {response.status_code} {dict(response.headers)}",
            f"body: {_clip(response.text, 1000)}",
        ]
    )


def json_body(response: httpx.Response) -> object:
    """The answer's JSON document, or None when it has none."""
    try:
        return response.json()
    except ValueError:
        return None


@dataclass(frozen=True)
class RawAnswer:
    """The status line and body of an answer read off a raw socket."""

    status: int
    body: bytes


def raw_exchange(base_url: str, request: bytes, *, half_close: bool = False) -> RawAnswer:
    """Write ``request`` bytes as they are (for what an HTTP client refuses to send,
    like a Content-Length that does not match the body) and read the first answer."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=ANSWER_BOUND) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while b"\r\n\r\n" not in received or not _complete(received):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            raise AssertionError(
                f"no answer within {ANSWER_BOUND} s to {request[:300]!r}"
            ) from None
    head, _, body = received.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) > 1 else 0
    return RawAnswer(status, body)


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False
