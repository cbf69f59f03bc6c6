"""A dashboard's sheet as one of its viewers sees it (``sightgate dashboards render``).

The user must be let in now (``UserPrincipal.allowed``) and hold
``quicksight:QueryDashboard`` on the dashboard, directly, through a group or through a
folder; then the published version's definition is drawn by ``VisualDataService`` with
the datasets its identifiers declare, as that user (row and column security apply). A
declared dataset that no longer exists leaves the visuals over it in ``error``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.access.permissions import Resource
from sightgate.analytics.assets.dashboards import DashboardService
from sightgate.analytics.data.model import DataSet
from sightgate.analytics.data.query.security import Viewer
from sightgate.platform.db import Database
from sightgate.platform.errors import AccessDeniedError, NotFoundError

from .model import SheetData
from .service import VisualDataService

VIEW_ACTION = "quicksight:QueryDashboard"


class DataSetsByArn(Protocol):
    def by_arn(self, account_id: str, arn: str) -> DataSet: ...


class DashboardRenderer:
    """Its reads (the user, the decision, the dashboard, the datasets and their rules)
    share one connection per sheet (``Database.snapshot``): on SQLite one transaction."""

    def __init__(
        self,
        db: Database,
        dashboards: DashboardService,
        data_sets: DataSetsByArn,
        authorizer: Authorizer,
        visuals: VisualDataService,
    ) -> None:
        self.db = db
        self.dashboards = dashboards
        self.data_sets = data_sets
        self.authorizer = authorizer
        self.visuals = visuals

    def render(
        self,
        account_id: str,
        dashboard_id: str,
        user_name: str,
        *,
        namespace: str = "default",
        sheet_id: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        selections: Mapping[str, Any] | None = None,
    ) -> SheetData:
        with self.db.snapshot():
            principal = self.authorizer.user(account_id, namespace, user_name)
            if not principal.allowed:
                reason = principal.reason
                raise AccessDeniedError(f"{user_name} may not use the account now: {reason}")
            saved = self.dashboards.describe(account_id, dashboard_id)
            target = Resource(account_id, ResourceType.DASHBOARD, saved.dashboard.arn)
            self.authorizer.require(principal, VIEW_ACTION, target)
            definition = saved.version.content.definition
            return self.draw(principal, account_id, definition, sheet_id, parameters, selections)

    def draw(
        self,
        viewer: Viewer,
        account_id: str,
        definition: Mapping[str, Any],
        sheet_id: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        selections: Mapping[str, Any] | None = None,
    ) -> SheetData:
        """A sheet of ``definition`` drawn as ``viewer``, who the caller has let in (the
        embedded viewer asks its session), with the datasets its identifiers declare."""
        with self.db.snapshot():
            found: dict[str, DataSet] = {}
            for declaration in definition.get("DataSetIdentifierDeclarations") or []:
                try:
                    found[str(declaration["Identifier"])] = self.data_sets.by_arn(
                        account_id, str(declaration["DataSetArn"])
                    )
                except NotFoundError:
                    continue
            return self.visuals.sheet(viewer, definition, found, sheet_id, parameters, selections)
