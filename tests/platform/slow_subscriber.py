"""A subscriber for the crash test, run inside a real ``sightgate worker`` process.

For each ``test.Happened`` event it appends the event's position to a log file (an
outside side effect, seen at least once) and emits ``test.Handled`` in the delivery's
own transaction (a database effect, which must exist exactly once per event).
"""

from __future__ import annotations

import os
import time

from sightgate.platform.events import DomainEvent, StoredEvent
from sightgate.platform.uow import UnitOfWork


class SlowSubscriber:
    """Slow enough that a kill lands in the middle of a batch."""

    name = "crash-test"

    def __init__(self, log_path: str, delay: float) -> None:
        self.log_path = log_path
        self.delay = delay

    def handle(self, event: StoredEvent, uow: UnitOfWork) -> None:
        if event.type != "test.Happened":
            return
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{event.position}\n")
            log.flush()
            os.fsync(log.fileno())
        time.sleep(self.delay)
        uow.emit(DomainEvent("test.Handled", "Thing", str(event.position), "crash-test"))


def build() -> SlowSubscriber:
    """Factory named by ``--subscriber tests.platform.slow_subscriber:build``."""
    return SlowSubscriber(os.environ["CRASH_TEST_LOG"], float(os.environ["CRASH_TEST_DELAY"]))
