"""The embed URL, in the shape the QuickSight embedding SDK accepts.

The SDK (``amazon-quicksight-embedding-sdk`` 2.x) takes the control frame's host and the
session id from ``^(https://[^/]+)/(embedding|embed)/([^/]+)/[^?]+\\?(.*)`` and the
dashboard from ``/embed/<session>/dashboards/([\\w-]+)(\\?|$)`` (one visual:
``…/sheets/<s>/visuals/<v>``), so ``/embed/`` follows the host directly and the query
is never empty. The root is the configured public URL, else the scheme and host the API
request came to: the SDK needs ``https://``, which is the server's to serve.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from sightgate.analytics.embedding.sessions import Experience, ExperienceType

PREFIX = "/embed"


def experience_path(session_id: str, experience: Experience) -> str:
    """``/embed/<session>/dashboards/<id>[/sheets/<s>/visuals/<v>]``."""
    path = f"{PREFIX}/{session_id}/dashboards/{quote(experience.dashboard_id, safe='')}"
    if experience.type is ExperienceType.DASHBOARD_VISUAL:
        assert experience.sheet_id is not None and experience.visual_id is not None
        path += (
            f"/sheets/{quote(experience.sheet_id, safe='')}"
            f"/visuals/{quote(experience.visual_id, safe='')}"
        )
    return path


def embed_url(root: str, session_id: str, experience: Experience, code: str) -> str:
    """The URL handed to the ISV: the experience and its one-time code."""
    query = urlencode({"code": code, "identityprovider": "quicksight", "isauthcode": "true"})
    return f"{root.rstrip('/')}{experience_path(session_id, experience)}?{query}"
