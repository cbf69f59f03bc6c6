"""A fresh sightgate server with one identity store and a SCIM token, for conformance runs.

The conformance suites are stateful black-box clients (the Entra collection counts every
user it sees), so each run gets its own embedded store in a temporary directory.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.e2e.helpers import cli_env, run_json, running_server

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
    log = work_dir / "server.log"
    with running_server(env, log_path=log) as root:
        created = run_json(env, "scim", "token", "create", "--base-url", root)
        yield ScimEndpoint(str(created["url"]), str(created["token"]), log)
