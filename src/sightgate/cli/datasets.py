"""``sightgate datasets``: SPICE datasets from the command line, and the ingestion runner
that ``serve`` and ``worker`` run in the background."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sightgate.cli.shared import group

if TYPE_CHECKING:
    from sightgate.bootstrap import Services
    from sightgate.config import Settings

datasets_app = group("SPICE datasets: upload files, see what a user sees.")


@contextmanager
def ingestions_in_background(running: Services, configured: Settings) -> Iterator[None]:
    """Build queued SPICE ingestions on a thread of this process for the block's
    duration; on exit the build in progress is stopped (its ingestion FAILED)."""
    runner = running.data.ingestion_runner(configured)
    stop = threading.Event()
    thread = threading.Thread(
        target=runner.run_forever, args=(stop,), name="sightgate-ingestions", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        runner.close()
