"""What a user, or an anonymous session with some tags, sees of a dataset.

The admin's answer to "a customer says they can't see their data": the rows the query
engine gives that viewer, with the same row and column security as any other query (the
preview is just a query of every visible column), and on request why: the rules that
matched, the columns withheld, the SQL and its parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.data.datasets import DataSetService
from sightgate.analytics.data.model import AnonymousViewer, Field, LogicalQuery, QueryResult
from sightgate.analytics.data.query.service import QueryService
from sightgate.analytics.principals.model import UserPrincipal
from sightgate.platform.errors import AccessDeniedError, ValidationError

DEFAULT_NAMESPACE = "default"
MAX_PREVIEW_ROWS = 10_000


@dataclass(frozen=True)
class PreviewRequest:
    """Whom to preview as: ``user_name`` (in ``namespace``), or with no user, an
    anonymous session of ``namespace`` carrying ``tags``."""

    account_id: str
    data_set_id: str
    user_name: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    tags: Mapping[str, str] | None = None
    limit: int = 20
    explain: bool = False


class PreviewService:
    """Runs previews through the query engine, as the viewer the request names."""

    def __init__(
        self, datasets: DataSetService, queries: QueryService, authorizer: Authorizer
    ) -> None:
        self.datasets = datasets
        self.queries = queries
        self.authorizer = authorizer

    def preview(self, request: PreviewRequest) -> QueryResult:
        """The first ``limit`` rows the viewer may see, in every column they may see."""
        if not 1 <= request.limit <= MAX_PREVIEW_ROWS:
            raise ValidationError("--limit", f"must be between 1 and {MAX_PREVIEW_ROWS}")
        data_set = self.datasets.describe(request.account_id, request.data_set_id)
        viewer = self._viewer(request)
        columns = self.queries.columns(viewer, data_set)
        query = LogicalQuery(
            fields=tuple(Field(c.name, "{" + c.name + "}") for c in columns),
            limit=request.limit,
        )
        return self.queries.run(viewer, data_set, query, explain=request.explain)

    def _viewer(self, request: PreviewRequest) -> UserPrincipal | AnonymousViewer:
        if request.user_name is None:
            if request.tags is None:
                raise ValidationError("--as-user", "name a user, or give the session's --tag")
            return AnonymousViewer(request.account_id, request.namespace, dict(request.tags))
        if request.tags:
            raise ValidationError("--tag", "tags are for anonymous sessions, not with --as-user")
        principal = self.authorizer.user(request.account_id, request.namespace, request.user_name)
        if not principal.allowed:
            raise AccessDeniedError(
                f"{request.user_name} may not use the account now: {principal.reason}"
            )
        return principal
