"""Running the real ``sightgate`` command and server in tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text

from sightgate.platform.db import normalize_url


def cli_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """An environment that points the CLI at a test store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGHTGATE_")}
    env["SIGHTGATE_DATA_DIR"] = str(data_dir)
    if database_url:
        env["SIGHTGATE_DATABASE_URL"] = database_url
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``sightgate ARGS`` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "sightgate", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_json(env: dict[str, str], *args: str) -> Any:
    """Run a command with ``--json`` and parse its one JSON document."""
    result = run_cli(env, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(env: dict[str, str], *args: str, log_path: Path | None = None) -> Iterator[str]:
    """Start ``sightgate serve`` and yield its base URL once /healthz answers.

    The server's output goes to a file (``log_path``, or a temporary one), not a pipe: a
    pipe nobody reads fills up after a few hundred request logs and then blocks the server.
    """
    port = free_port()
    log_path = log_path or Path(tempfile.mkdtemp(prefix="sightgate-server-")) / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sightgate", "serve", "--port", str(port), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited: {log_path.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def fresh_store() -> Iterator[str | None]:
    """A new, empty PostgreSQL database when ``SIGHTGATE_TEST_DATABASE_URL`` names an
    entry point (``sightgate serve`` migrates it), dropped afterwards; else None: the
    server's embedded store in its data directory."""
    entry_url = os.environ.get("SIGHTGATE_TEST_DATABASE_URL")
    if not entry_url:
        yield None
        return
    entry = make_url(normalize_url(entry_url))
    name = f"sightgate_e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(entry, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield entry.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
