"""SPICE: ingestions of SPICE datasets into immutable DuckDB versions (docs/data.md).

``service.py`` answers the Ingestion API and queues ingestions; ``runner.py`` builds them
in the background (``build.py`` over ``staging.py``) and publishes each as a version
(``versions.py``), which queries read through ``SpiceVersions.current``.
"""

from sightgate.analytics.data.spice.model import Ingestion, IngestionStatus, Progress, RequestType
from sightgate.analytics.data.spice.service import SpiceService
from sightgate.analytics.data.spice.versions import Layout, SpiceVersions

__all__ = [
    "Ingestion",
    "IngestionStatus",
    "Layout",
    "Progress",
    "RequestType",
    "SpiceService",
    "SpiceVersions",
]
