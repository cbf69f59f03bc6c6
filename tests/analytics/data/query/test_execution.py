"""Cost.ANALYTICAL: dataset queries run on worker threads under a limiter of their own,
so however many are running or waiting, the store's operations are not held up."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio

from sightgate.platform.db import Database
from sightgate.platform.execution import Cost, Execution


def test_slow_queries_wait_for_each_other_not_the_store(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    execution = Execution(db, analytical_workers=2)
    release = threading.Event()
    running: list[int] = []
    most = 0

    def slow_query() -> None:
        nonlocal most
        running.append(1)
        most = max(most, len(running))
        release.wait(10)
        running.pop()

    def scan() -> float:
        return time.monotonic()

    async def main() -> tuple[float, float]:
        async with anyio.create_task_group() as tasks:
            # more than anyio's default thread limiter (40) would let run at once
            for _ in range(45):
                tasks.start_soon(execution.run, slow_query, Cost.ANALYTICAL)
            await anyio.sleep(0.2)  # the queries have all started or are waiting
            asked = time.monotonic()
            answered = await execution.run(scan, Cost.SCAN)
            release.set()
        return asked, answered

    asked, answered = anyio.run(main)
    db.dispose()
    assert answered - asked < 0.5  # a store scan ran while 45 queries ran or waited
    assert most == 2  # no more queries at once than analytical_workers


def test_an_analytical_call_runs_on_a_worker_thread_on_the_embedded_store(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}")

    async def main() -> bool:
        ran_on = await Execution(db).run(threading.get_ident, Cost.ANALYTICAL)
        return ran_on != threading.get_ident()

    assert anyio.run(main)
    db.dispose()
