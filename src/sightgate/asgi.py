"""The app factory each server process of ``sightgate serve --workers N`` runs.

uvicorn starts those processes fresh (spawned, not forked) and imports the app by name
(``WORKER_APP`` in ``cli/server.py``), so nothing of the parent's memory reaches them:
their settings come from the ``SIGHTGATE_*`` environment the parent exported
(``Settings.environment``), and each builds its own services and connection pool.
"""

from __future__ import annotations

import logging
import sys

from starlette.types import ASGIApp
from uvicorn.config import STARTUP_FAILURE

from sightgate.app import create_app
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.logs import configure_logging

log = logging.getLogger(__name__)


def create() -> ASGIApp:
    """The HTTP application of one server process, configured from the environment.

    It neither migrates (the parent did, once) nor delivers events (one dispatcher per
    ``serve``, in the parent, when asked for): it only answers requests. If it cannot be
    built, the process exits with uvicorn's start-up failure status, which stops the
    supervisor; any other exit would have it restart the process, failing alike, forever.
    """
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        return create_app(Services.build(settings), settings)
    except Exception:  # whatever it is, this process cannot serve
        log.exception("the server process cannot start")
        sys.exit(STARTUP_FAILURE)
