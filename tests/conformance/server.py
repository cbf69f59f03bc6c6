"""A fresh sightgate server with one identity store and a SCIM token, for conformance runs.

The conformance suites are stateful black-box clients (the Entra collection counts every
user it sees), so each run gets its own embedded store in a temporary directory. The
server's output goes to a file rather than a pipe: these suites send a few hundred
requests, each one logged, and an unread pipe would fill up and stall the server.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.e2e.helpers import cli_env, free_port, run_json

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class ScimEndpoint:
    """Where a client finds the SCIM service provider, and how it authenticates."""

    url: str
    """``http://127.0.0.1:<port>/scim/<IdentityStoreId>/v2``"""
    token: str
    log: Path
    """The server's output, for assertion messages."""

    @property
    def host(self) -> str:
        """The host name, without port."""
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        """The TCP port."""
        return urlsplit(self.url).port or 80

    @property
    def api(self) -> str:
        """The path prefix without its leading slash (``scim/d-.../v2``)."""
        return urlsplit(self.url).path.lstrip("/")

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, without its one-line-per-request access log."""
        output = self.log.read_text(errors="replace").splitlines()
        return "\n".join([line for line in output if '"message": "request"' not in line][-lines:])


@contextmanager
def scim_server(work_dir: Path) -> Iterator[ScimEndpoint]:
    """Start ``sightgate serve`` on an empty embedded store; yield its SCIM endpoint."""
    env = cli_env(work_dir / "data", None)
    run_json(env, "instances", "create", "--type", "ACCOUNT", "--account-id", "111122223333")
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    created = run_json(env, "scim", "token", "create", "--base-url", root)
    log = work_dir / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "sightgate", "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    endpoint = ScimEndpoint(str(created["url"]), str(created["token"]), log)
    try:
        _wait_until_healthy(process, root, endpoint)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(
    process: subprocess.Popen[bytes], root: str, endpoint: ScimEndpoint
) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"server exited:\n{endpoint.log_tail()}")
        try:
            if httpx.get(f"{root}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"server did not start:\n{endpoint.log_tail()}")
        time.sleep(0.1)
