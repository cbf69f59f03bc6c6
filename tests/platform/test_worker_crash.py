"""A worker killed in the middle of a batch loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from sightgate.platform.db import Database
from sightgate.platform.events import Actor, DomainEvent, read_events
from sightgate.platform.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 150

pytestmark = pytest.mark.e2e


def worker(database_url: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SIGHTGATE_DATABASE_URL": database_url,
        "CRASH_TEST_LOG": str(log),
        "CRASH_TEST_DELAY": "0.01",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sightgate",
            "worker",
            "--subscriber",
            "tests.platform.slow_subscriber:build",
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def logged_positions(log: Path) -> list[int]:
    if not log.exists():
        return []
    return [int(line) for line in log.read_text().split()]


def test_killed_worker_resumes_without_loss_or_duplicate_effects(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    for start in range(0, EVENTS, 50):
        with UnitOfWork(db, Actor("test", "crash")) as uow:
            for i in range(start, start + 50):
                uow.emit(DomainEvent("test.Happened", "Thing", f"t{i}", "crash-test"))
    with db.read() as conn:
        happened = [e.position for e in read_events(conn, limit=10_000)]

    log = tmp_path / "deliveries.log"
    first = worker(database_url, log)
    deadline = time.monotonic() + 60
    while len(logged_positions(log)) < EVENTS // 3:
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert len(set(logged_positions(log))) < EVENTS, "the kill came after the batch"

    second = worker(database_url, log, "--once")
    _, stderr = second.communicate(timeout=120)
    assert second.returncode == 0, stderr.decode()

    delivered = Counter(logged_positions(log))
    assert set(delivered) == set(happened)  # none lost
    with db.read() as conn:
        handled = Counter(
            int(e.aggregate_id) for e in read_events(conn, limit=10_000, types=["test.Handled"])
        )
    assert handled == Counter(happened)  # each effect exactly once, however often delivered
