"""What an embed request may see, asked of the embedding service each time.

Every call starts from the session (``authenticate``: its secret, not expired, not
revoked) and asks the embedding service afresh who its viewer is now and whether they
may open the dashboard now; nothing of an earlier answer is kept here. A page whose
embedding origin is not one of the session's allowed domains never gets the session's
secret: the session is revoked as it is opened, so nothing is left half-open.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.permissions import Resource
from sightgate.analytics.assets.dashboards import DashboardService, Saved
from sightgate.analytics.assets.themes import ThemeService
from sightgate.analytics.assets.visuals.render import DashboardRenderer
from sightgate.analytics.data.model import AnonymousViewer
from sightgate.analytics.embedding.errors import CodeRejectedError
from sightgate.analytics.embedding.service import EmbeddingService
from sightgate.analytics.embedding.sessions import EmbedSession
from sightgate.platform.errors import AccessDeniedError, NotFoundError, ValidationError
from sightgate.platform.events import Actor

from . import present

THEME_ACTION = "quicksight:DescribeTheme"
STARTING_THEME_PREFIX = "arn:aws:quicksight::aws:theme/"


class EmbedAccess:
    """The embed surface's use of the services (module docstring)."""

    def __init__(
        self,
        embedding: EmbeddingService,
        dashboards: DashboardService,
        themes: ThemeService,
        renderer: DashboardRenderer,
    ) -> None:
        self.embedding = embedding
        self.dashboards = dashboards
        self.themes = themes
        self.renderer = renderer

    def open(self, session_id: str, code: str, origin: str | None) -> tuple[EmbedSession, str]:
        """Redeem ``code`` for a page embedded at ``origin``: the session and its secret.
        ``CodeRejectedError`` for a code that opens nothing or an origin not allowed."""
        opened = self.embedding.redeem(session_id, code)
        if origin is None or not opened.session.allows_origin(origin):
            self.abandon(session_id)
            raise CodeRejectedError(f"embedding origin {origin!r} is not an allowed domain")
        return opened.session, opened.secret

    def abandon(self, session_id: str) -> None:
        """Revoke a session opened for a page that will not get its secret."""
        self.embedding.revoke(session_id, actor=Actor("embed", session_id))

    def session(self, session_id: str, secret: str) -> EmbedSession:
        """The open session ``secret`` belongs to (``SessionRejectedError`` otherwise)."""
        return self.embedding.authenticate(session_id, secret)

    def _published(self, session: EmbedSession, dashboard_id: str) -> Saved:
        if not self.embedding.may_open(session, dashboard_id):
            raise AccessDeniedError(f"this session may not open dashboard {dashboard_id}")
        return self.dashboards.describe(session.account_id, dashboard_id)

    def layout(self, session: EmbedSession, dashboard_id: str) -> dict[str, Any]:
        """The page's view of the dashboard's published version (``present.layout``)."""
        saved = self._published(session, dashboard_id)
        content = saved.version.content
        theme = None
        if content.theme_arn:
            try:
                theme = self.themes.resolve(session.account_id, content.theme_arn)
            except NotFoundError:
                theme = None
        return present.layout(dashboard_id, saved.dashboard.name, content.definition, theme)

    def sheet(
        self,
        session: EmbedSession,
        dashboard_id: str,
        sheet_id: str,
        parameters: Mapping[str, Any],
        selections: Mapping[str, Any],
    ) -> dict[str, Any]:
        """A sheet's visuals as the session's viewer sees them now."""
        saved = self._published(session, dashboard_id)
        viewer = self.embedding.viewer(session)
        definition = saved.version.content.definition
        drawn = self.renderer.draw(
            viewer, session.account_id, definition, sheet_id, parameters, selections
        )
        return present.sheet(drawn, definition)

    def theme(self, session: EmbedSession, theme_arn: object) -> dict[str, Any]:
        """A theme's configuration for ``SET_THEME``: a starting theme, one of an
        anonymous session's authorized resources, or one the user may describe."""
        if not isinstance(theme_arn, str):
            raise ValidationError("ThemeArn", "must be a theme ARN")
        if not theme_arn.startswith(STARTING_THEME_PREFIX):
            viewer = self.embedding.viewer(session)
            if isinstance(viewer, AnonymousViewer):
                allowed = theme_arn in (session.resource_arns or ())
            else:
                target = Resource(session.account_id, ResourceType.THEME, theme_arn)
                allowed = self.embedding.authorizer.authorize(viewer, THEME_ACTION, target).allowed
            if not allowed:
                raise AccessDeniedError(f"this session may not use theme {theme_arn[:300]}")
        return self.themes.resolve(session.account_id, theme_arn)
