"""Use cases of analyses, the authoring twin of dashboards: one current content (no
versions), permissions, search, and deletion with a recovery window.

``DeleteAnalysis`` marks an analysis ``DELETED`` until its ``DeletionTime`` (7 to 30 days
on, 30 by default): it is then not listed nor searched, cannot be updated, and
``RestoreAnalysis`` brings it back with its permissions, tags and folders.
``ForceDeleteWithoutRecovery`` deletes it at once, like a window that has passed: its
row, permissions, tags and folder memberships go in one transaction. An analysis past
its window is purged by the next write of the same id, and is not found meanwhile.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.permissions import Resource, ResourcePermission, parse_permissions
from sightgate.analytics.access.services import Access
from sightgate.analytics.assets.dashboard_tables import analyses, analysis_tags
from sightgate.analytics.assets.model import FolderMember, MemberType
from sightgate.analytics.assets.versions import (
    SEARCH_ATTRIBUTES,
    AssetTags,
    Content,
    ContentBuilder,
    TagTable,
    apply_tags,
    asset_arn,
    conflicts,
    folder_arns,
    place_in_folders,
    validate_id,
    validate_name,
)
from sightgate.analytics.data.resources import (
    PrincipalFilter,
    parse_filters,
    search_condition,
)
from sightgate.analytics.directory import repository as directory
from sightgate.analytics.directory.model import Tag, validate_tags
from sightgate.analytics.directory.repository import page_rows, utc
from sightgate.platform.db import Database
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    StateConflictError,
    ValidationError,
)
from sightgate.platform.events import Actor, DomainEvent
from sightgate.platform.pagination import Page
from sightgate.platform.uow import UnitOfWork

KIND = ResourceType.ANALYSIS
CREATION_SUCCESSFUL = "CREATION_SUCCESSFUL"
UPDATE_SUCCESSFUL = "UPDATE_SUCCESSFUL"
DELETED = "DELETED"
MIN_RECOVERY_DAYS, MAX_RECOVERY_DAYS, DEFAULT_RECOVERY_DAYS = 7, 30, 30
TAGS = TagTable("Analysis", analysis_tags, "analysis_row_id", analyses)

ANALYSIS_CREATED = "analytics.AnalysisCreated"
ANALYSIS_UPDATED = "analytics.AnalysisUpdated"
ANALYSIS_DELETED = "analytics.AnalysisDeleted"
ANALYSIS_RESTORED = "analytics.AnalysisRestored"


@dataclass(frozen=True)
class Analysis:
    """An analysis; ``deletion_time`` is set while it is deleted (recoverable until then)."""

    row_id: str
    account_id: str
    analysis_id: str
    arn: str
    name: str
    status: str
    content: Content
    created: datetime
    updated: datetime
    deletion_time: datetime | None = None


def _event(type_: str, analysis: Analysis, **extra: Any) -> DomainEvent:
    payload = {"AnalysisId": analysis.analysis_id, "Arn": analysis.arn, **extra}
    return DomainEvent(type_, "Analysis", analysis.row_id, analysis.account_id, payload)


def _to_analysis(row: RowMapping) -> Analysis:
    return Analysis(
        row_id=row["id"],
        account_id=row["account_id"],
        analysis_id=row["analysis_id"],
        arn=row["arn"],
        name=row["name"],
        status=row["status"],
        content=Content.of_row(row),
        created=utc(row["created"]),
        updated=utc(row["updated"]),
        deletion_time=utc(row["deletion_time"]) if row["deletion_time"] else None,
    )


def _alive(now: datetime) -> ColumnElement[bool]:
    """Not deleted, or deleted and still within its recovery window."""
    return or_(analyses.c.deletion_time.is_(None), analyses.c.deletion_time > now)


class AnalysisService:
    """CreateAnalysis … SearchAnalyses."""

    def __init__(self, db: Database, access: Access, content: ContentBuilder) -> None:
        self.db = db
        self.access = access
        self.content = content
        self.search_filter = PrincipalFilter(access.permissions, access.authorizer, KIND)
        self.tags = AssetTags(db, TAGS)

    # -- commands --------------------------------------------------------------------------

    def create(
        self,
        account_id: str,
        analysis_id: str,
        request: Mapping[str, Any],
        *,
        tags: Sequence[Tag] = (),
        actor: Actor,
    ) -> Analysis:
        """CreateAnalysis with its permissions, tags and folder; ``ConflictError`` for an
        id taken (by a deleted analysis too, until its window has passed)."""
        validate_id(analysis_id, "AnalysisId")
        name = validate_name(request.get("Name"))
        granted = parse_permissions(KIND, request.get("Permissions"), "Permissions")
        valid_tags = validate_tags(list(tags))
        folders = folder_arns(request.get("FolderArns"))
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            if _row(conn, account_id, analysis_id, datetime.now(UTC)) is not None:
                raise ConflictError("Analysis", "AnalysisId", analysis_id)
        content = self.content.build(account_id, request)
        with conflicts(AnalysisId=analysis_id), UnitOfWork(self.db, actor) as uow:
            account = directory.require_account(uow.conn, account_id, lock=True)
            now = datetime.now(UTC)
            arn = asset_arn(account.region, account_id, "analysis", analysis_id)
            self._purge_expired(uow, account_id, analysis_id, now)
            analysis = Analysis(
                str(uuid.uuid4()),
                account_id,
                analysis_id,
                arn,
                name,
                CREATION_SUCCESSFUL,
                content,
                now,
                now,
            )
            uow.conn.execute(
                insert(analyses).values(
                    id=analysis.row_id,
                    account_id=account_id,
                    analysis_id=analysis_id,
                    arn=arn,
                    name=name,
                    status=analysis.status,
                    created=now,
                    updated=now,
                    deletion_time=None,
                    **content.row_values(),
                )
            )
            if granted:
                self.access.permissions.update(
                    Resource(account_id, KIND, arn), grant=granted, actor=actor, uow=uow
                )
            apply_tags(uow, TAGS, account_id, analysis.row_id, arn, valid_tags)
            place_in_folders(
                uow, account_id, folders, FolderMember(MemberType.ANALYSIS, analysis_id, arn), now
            )
            uow.emit(_event(ANALYSIS_CREATED, analysis, Name=name))
        return analysis

    def _purge_expired(
        self, uow: UnitOfWork, account_id: str, analysis_id: str, now: datetime
    ) -> None:
        """An analysis of this id past its recovery window goes for good now."""
        row = (
            uow.conn.execute(
                select(analyses).where(
                    analyses.c.account_id == account_id,
                    analyses.c.analysis_id == analysis_id,
                    analyses.c.deletion_time <= now,
                )
            )
            .mappings()
            .first()
        )
        if row is not None:
            self._erase(uow, _to_analysis(row))

    def _erase(self, uow: UnitOfWork, analysis: Analysis) -> None:
        self.access.permissions.delete_resource(uow, analysis.arn)
        uow.conn.execute(delete(analyses).where(analyses.c.id == analysis.row_id))

    def update(
        self, account_id: str, analysis_id: str, request: Mapping[str, Any], *, actor: Actor
    ) -> Analysis:
        """UpdateAnalysis: the content replaced (permissions, tags and folders stay);
        a deleted analysis is restored first or not at all."""
        name = validate_name(request.get("Name"))
        self._live(self.describe(account_id, analysis_id))
        content = self.content.build(account_id, request)
        with UnitOfWork(self.db, actor) as uow:
            now = datetime.now(UTC)
            analysis = self._live(_require(uow.conn, account_id, analysis_id, now, lock=True))
            uow.conn.execute(
                update(analyses)
                .where(analyses.c.id == analysis.row_id)
                .values(name=name, status=UPDATE_SUCCESSFUL, updated=now, **content.row_values())
            )
            analysis = replace(
                analysis, name=name, status=UPDATE_SUCCESSFUL, content=content, updated=now
            )
            uow.emit(_event(ANALYSIS_UPDATED, analysis, Name=name))
        return analysis

    @staticmethod
    def _live(analysis: Analysis) -> Analysis:
        if analysis.deletion_time is not None:
            raise StateConflictError(
                f"analysis {analysis.analysis_id!r} is deleted: restore it with RestoreAnalysis"
            )
        return analysis

    def delete(
        self,
        account_id: str,
        analysis_id: str,
        *,
        recovery_window_days: object = None,
        force: object = None,
        actor: Actor,
    ) -> Analysis:
        """DeleteAnalysis: recoverable for the window (7 to 30 days, 30 by default), or at
        once with ``force`` (not both)."""
        if force and recovery_window_days is not None:
            raise ValidationError(
                "ForceDeleteWithoutRecovery", "cannot be given with RecoveryWindowInDays"
            )
        days = _recovery_days(recovery_window_days)
        with UnitOfWork(self.db, actor) as uow:
            now = datetime.now(UTC)
            analysis = _require(uow.conn, account_id, analysis_id, now, lock=True)
            if force:
                self._erase(uow, analysis)
                deleted = replace(analysis, status=DELETED, deletion_time=now)
                uow.emit(_event(ANALYSIS_DELETED, deleted, DeletionTime=now.isoformat()))
                return deleted
            if analysis.deletion_time is not None:
                raise StateConflictError(f"analysis {analysis_id!r} is deleted already")
            when = now + timedelta(days=days)
            uow.conn.execute(
                update(analyses)
                .where(analyses.c.id == analysis.row_id)
                .values(status=DELETED, deletion_time=when, updated=now)
            )
            deleted = replace(analysis, status=DELETED, deletion_time=when, updated=now)
            uow.emit(_event(ANALYSIS_DELETED, deleted, DeletionTime=when.isoformat()))
        return deleted

    def restore(self, account_id: str, analysis_id: str, *, actor: Actor) -> Analysis:
        """RestoreAnalysis: a deleted analysis within its window, back as it was."""
        with UnitOfWork(self.db, actor) as uow:
            now = datetime.now(UTC)
            analysis = _require(uow.conn, account_id, analysis_id, now, lock=True)
            if analysis.deletion_time is None:
                raise StateConflictError(f"analysis {analysis_id!r} is not deleted")
            uow.conn.execute(
                update(analyses)
                .where(analyses.c.id == analysis.row_id)
                .values(status=UPDATE_SUCCESSFUL, deletion_time=None, updated=now)
            )
            restored = replace(analysis, status=UPDATE_SUCCESSFUL, deletion_time=None, updated=now)
            uow.emit(_event(ANALYSIS_RESTORED, restored))
        return restored

    def update_permissions(
        self,
        account_id: str,
        analysis_id: str,
        *,
        grant: Sequence[Any] | None = None,
        revoke: Sequence[Any] | None = None,
        actor: Actor,
    ) -> tuple[Analysis, list[ResourcePermission]]:
        """UpdateAnalysisPermissions: revoke, then grant, under the analysis's row."""
        granted = parse_permissions(KIND, grant, "GrantPermissions")
        revoked = parse_permissions(KIND, revoke, "RevokePermissions")
        with UnitOfWork(self.db, actor) as uow:
            now = datetime.now(UTC)
            analysis = _require(uow.conn, account_id, analysis_id, now, lock=True)
            after = self.access.permissions.update(
                Resource(account_id, KIND, analysis.arn),
                grant=granted,
                revoke=revoked,
                actor=actor,
                uow=uow,
            )
        return analysis, after

    # -- queries ---------------------------------------------------------------------------

    def describe(self, account_id: str, analysis_id: str) -> Analysis:
        """DescribeAnalysis / DescribeAnalysisDefinition (a deleted analysis within its
        window too, with Status DELETED)."""
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            return _require(conn, account_id, analysis_id, datetime.now(UTC))

    def describe_permissions(
        self, account_id: str, analysis_id: str
    ) -> tuple[Analysis, list[ResourcePermission]]:
        """DescribeAnalysisPermissions."""
        analysis = self.describe(account_id, analysis_id)
        return analysis, self.access.permissions.describe(Resource(account_id, KIND, analysis.arn))

    def list(
        self, account_id: str, *, limit: int = 100, after: str | None = None
    ) -> Page[Analysis]:
        """ListAnalyses in id order (deleted ones are not listed)."""
        return self._page(account_id, None, limit, after)

    def search(
        self, account_id: str, filters: object, *, limit: int = 100, after: str | None = None
    ) -> Page[Analysis]:
        """SearchAnalyses: by name, or by the principal the permissions reach."""
        search = parse_filters(filters, "ANALYSIS_NAME", SEARCH_ATTRIBUTES)
        with self.db.read() as conn:
            condition = search_condition(
                conn, account_id, search, analyses, "ANALYSIS_NAME", self.search_filter
            )
        return self._page(account_id, condition, limit, after)

    def _page(
        self, account_id: str, condition: ColumnElement[bool] | None, limit: int, after: str | None
    ) -> Page[Analysis]:
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            query = select(analyses).where(
                analyses.c.account_id == account_id, analyses.c.deletion_time.is_(None)
            )
            if condition is not None:
                query = query.where(condition)
            rows, next_key = page_rows(conn, query, analyses.c.analysis_id, limit, after)
        return Page([_to_analysis(row) for row in rows], next_key)


def _row(
    conn: Connection, account_id: str, analysis_id: str, now: datetime, *, lock: bool = False
) -> RowMapping | None:
    query = select(analyses).where(
        and_(analyses.c.account_id == account_id, analyses.c.analysis_id == analysis_id),
        _alive(now),
    )
    return conn.execute(query.with_for_update() if lock else query).mappings().first()


def _require(
    conn: Connection, account_id: str, analysis_id: str, now: datetime, *, lock: bool = False
) -> Analysis:
    row = _row(conn, account_id, analysis_id, now, lock=lock)
    if row is None:
        raise NotFoundError("Analysis", analysis_id)
    return _to_analysis(row)


def _recovery_days(value: object) -> int:
    if value is None:
        return DEFAULT_RECOVERY_DAYS
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("RecoveryWindowInDays", "must be a number of days")
    if not MIN_RECOVERY_DAYS <= value <= MAX_RECOVERY_DAYS:
        raise ValidationError(
            "RecoveryWindowInDays", f"must be {MIN_RECOVERY_DAYS} to {MAX_RECOVERY_DAYS} days"
        )
    return value
