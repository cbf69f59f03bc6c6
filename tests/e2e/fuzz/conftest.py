"""A real server per fuzz module, on the embedded store, without the in-process worker.

Without the worker, the only writers are the fuzzed requests themselves, so a store that
changed across a failed request was changed by that request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.helpers import cli_env, running_server


@dataclass(frozen=True)
class FuzzServer:
    """A running server: its CLI environment, URL, SQLite file and log file."""

    env: dict[str, str]
    url: str
    db_path: Path
    log_path: Path


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    """``sightgate serve --no-worker`` on a fresh embedded store."""
    root = tmp_path_factory.mktemp("fuzz")
    env = cli_env(root / "data", None)
    log_path = root / "server.log"
    with running_server(env, "--no-worker", log_path=log_path) as url:
        yield FuzzServer(env, url, root / "data" / "sightgate.db", log_path)
