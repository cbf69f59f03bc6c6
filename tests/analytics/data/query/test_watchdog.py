"""One watchdog thread keeps every DuckDB query's time limit."""

from __future__ import annotations

import threading
import time

from sightgate.analytics.data.query.engines import Watchdog


def test_a_block_past_its_deadline_is_interrupted_and_a_quick_one_is_not() -> None:
    watchdog = Watchdog()
    fired: list[str] = []
    with watchdog.watching(0.05, lambda: fired.append("slow")):
        time.sleep(0.2)
    with watchdog.watching(0.05, lambda: fired.append("quick")):
        pass
    time.sleep(0.15)
    assert fired == ["slow"]


def test_deadlines_fire_in_order_from_one_thread() -> None:
    watchdog = Watchdog()
    fired: list[tuple[str, str]] = []

    def run(name: str, seconds: float) -> None:
        def interrupt() -> None:
            fired.append((name, threading.current_thread().name))

        with watchdog.watching(seconds, interrupt):
            time.sleep(seconds + 0.15)

    workers = [
        threading.Thread(target=run, args=(name, seconds))
        for name, seconds in (("late", 0.3), ("early", 0.05), ("middle", 0.15))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [name for name, _ in fired] == ["early", "middle", "late"]
    assert {thread for _, thread in fired} == {"query-watchdog"}


def test_a_failing_interrupt_does_not_stop_the_watchdog() -> None:
    watchdog = Watchdog()
    fired: list[str] = []

    def broken() -> None:
        raise RuntimeError("closed")

    with watchdog.watching(0.01, broken):
        time.sleep(0.1)
    with watchdog.watching(0.01, lambda: fired.append("next")):
        time.sleep(0.1)
    assert fired == ["next"]
