"""The embed adapter: the pages amazon-quicksight-embedding-sdk frames, their data API
and their revocation stream (``routes.py``); the page's code is in ``sightgate.web``."""

from sightgate.protocols.embed.routes import PATH_PREFIX, EmbedApp, Ports

__all__ = ["PATH_PREFIX", "EmbedApp", "Ports"]
