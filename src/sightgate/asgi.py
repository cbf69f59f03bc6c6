"""The app factory each server process of ``sightgate serve --workers N`` runs.

uvicorn starts those processes fresh (spawned, not forked) and imports the app by name
(``sightgate.asgi:create``), so nothing of the parent's memory reaches them: their
settings come from the ``SIGHTGATE_*`` environment the parent exported
(``Settings.environment``), and each builds its own services and connection pool.
"""

from __future__ import annotations

from starlette.types import ASGIApp

from sightgate.app import create_app
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.logs import configure_logging

FACTORY = f"{__name__}:create"
"""The import string uvicorn's worker processes load the app from."""


def create() -> ASGIApp:
    """The HTTP application of one server process, configured from the environment.

    It neither migrates (the parent did, once) nor delivers events (one dispatcher per
    ``serve``, in the parent, when asked for): it only answers requests.
    """
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(Services.build(settings), settings)
