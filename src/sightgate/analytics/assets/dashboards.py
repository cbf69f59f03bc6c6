"""Use cases of dashboards: versions, the published one, permissions, link sharing, search.

Every Create/Update writes a new numbered, immutable version; the first is published
at once, later ones when ``UpdateDashboardPublishedVersion`` says so, and Describe shows
the published version unless a version number or alias (``$LATEST``, ``$PUBLISHED``) is
named. A version's content is checked (``versions.ContentBuilder``) before the
transaction opens; the dashboard, its version, permissions, tags and folder are written
in one unit of work with its event, scoped to the account, so a refusal anywhere leaves
nothing and every change moves the account's access epoch.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.permissions import (
    Resource,
    ResourcePermission,
    parse_permissions,
)
from sightgate.analytics.access.services import Access
from sightgate.analytics.assets.dashboard_tables import (
    dashboard_tags,
    dashboard_versions,
    dashboards,
)
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
    publish_options,
    validate_description,
    validate_id,
    validate_name,
)
from sightgate.analytics.data.resources import (
    PrincipalFilter,
    parse_filters,
    search_condition,
)
from sightgate.analytics.directory import arns
from sightgate.analytics.directory import repository as directory
from sightgate.analytics.directory.model import Tag, validate_tags
from sightgate.analytics.directory.repository import page_rows, utc
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import Actor, DomainEvent
from sightgate.platform.pagination import Page, clamp_limit
from sightgate.platform.uow import UnitOfWork

KIND = ResourceType.DASHBOARD
LATEST = "$LATEST"
PUBLISHED = "$PUBLISHED"
CREATION_SUCCESSFUL = "CREATION_SUCCESSFUL"
TAGS = TagTable("Dashboard", dashboard_tags, "dashboard_row_id", dashboards)

DASHBOARD_CREATED = "analytics.DashboardCreated"
DASHBOARD_UPDATED = "analytics.DashboardUpdated"
DASHBOARD_PUBLISHED = "analytics.DashboardPublished"
DASHBOARD_VERSION_DELETED = "analytics.DashboardVersionDeleted"
DASHBOARD_DELETED = "analytics.DashboardDeleted"


@dataclass(frozen=True)
class Dashboard:
    """A dashboard; ``link_permissions`` are its LinkSharingConfiguration's."""

    row_id: str
    account_id: str
    dashboard_id: str
    arn: str
    name: str
    latest_version: int
    published_version: int
    created: datetime
    updated: datetime
    published: datetime
    link_permissions: tuple[ResourcePermission, ...] = ()


@dataclass(frozen=True)
class DashboardVersion:
    """One immutable version."""

    number: int
    arn: str
    status: str
    description: str | None
    content: Content
    publish_options: dict[str, Any] | None
    created: datetime


@dataclass(frozen=True)
class Saved:
    """A dashboard as a Create/Update left it, and the version written."""

    dashboard: Dashboard
    version: DashboardVersion


@dataclass(frozen=True)
class DashboardPermissions:
    """A dashboard's permissions and its link-sharing permissions."""

    dashboard: Dashboard
    permissions: list[ResourcePermission]
    link_permissions: list[ResourcePermission] = field(default_factory=list)


def version_arn(dashboard_arn: str, number: int) -> str:
    """``{dashboardArn}/version/{n}``."""
    return f"{dashboard_arn}/version/{number}"


def _event(type_: str, dashboard: Dashboard, **extra: Any) -> DomainEvent:
    payload = {"DashboardId": dashboard.dashboard_id, "Arn": dashboard.arn, **extra}
    return DomainEvent(type_, "Dashboard", dashboard.row_id, dashboard.account_id, payload)


def _to_dashboard(row: RowMapping) -> Dashboard:
    return Dashboard(
        row_id=row["id"],
        account_id=row["account_id"],
        dashboard_id=row["dashboard_id"],
        arn=row["arn"],
        name=row["name"],
        latest_version=row["latest_version"],
        published_version=row["published_version"],
        created=utc(row["created"]),
        updated=utc(row["updated"]),
        published=utc(row["published"]),
        link_permissions=tuple(
            ResourcePermission(p["Principal"], frozenset(p["Actions"]))
            for p in row["link_permissions"] or []
        ),
    )


def _to_version(dashboard: Dashboard, row: RowMapping) -> DashboardVersion:
    return DashboardVersion(
        number=row["version_number"],
        arn=version_arn(dashboard.arn, row["version_number"]),
        status=row["status"],
        description=row["description"],
        content=Content.of_row(row),
        publish_options=row["publish_options"],
        created=utc(row["created"]),
    )


class DashboardService:
    """CreateDashboard … SearchDashboards."""

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
        dashboard_id: str,
        request: Mapping[str, Any],
        *,
        tags: Sequence[Tag] = (),
        actor: Actor,
    ) -> Saved:
        """CreateDashboard: version 1, published, with its permissions, link sharing,
        tags and folder; ``ConflictError`` for a taken id."""
        validate_id(dashboard_id, "DashboardId")
        name = validate_name(request.get("Name"))
        description = validate_description(request.get("VersionDescription"))
        options = publish_options(request.get("DashboardPublishOptions"))
        granted = parse_permissions(KIND, request.get("Permissions"), "Permissions")
        sharing = request.get("LinkSharingConfiguration") or {}
        links = parse_permissions(
            KIND, sharing.get("Permissions"), "LinkSharingConfiguration.Permissions"
        )
        valid_tags = validate_tags(list(tags))
        folders = folder_arns(request.get("FolderArns"))
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            if _row(conn, account_id, dashboard_id) is not None:
                raise ConflictError("Dashboard", "DashboardId", dashboard_id)
        content = self.content.build(account_id, request)
        with conflicts(DashboardId=dashboard_id), UnitOfWork(self.db, actor) as uow:
            account = directory.require_account(uow.conn, account_id, lock=True)
            now = datetime.now(UTC)
            _check_link_principals(uow.conn, account_id, links, "LinkSharingConfiguration")
            dashboard = Dashboard(
                row_id=str(uuid.uuid4()),
                account_id=account_id,
                dashboard_id=dashboard_id,
                arn=asset_arn(account.region, account_id, "dashboard", dashboard_id),
                name=name,
                latest_version=1,
                published_version=1,
                created=now,
                updated=now,
                published=now,
                link_permissions=tuple(links),
            )
            uow.conn.execute(insert(dashboards).values(**_row_values(dashboard)))
            version = _insert_version(uow.conn, dashboard, 1, content, description, options, now)
            if granted:
                self.access.permissions.update(
                    Resource(account_id, KIND, dashboard.arn), grant=granted, actor=actor, uow=uow
                )
            apply_tags(uow, TAGS, account_id, dashboard.row_id, dashboard.arn, valid_tags)
            member = FolderMember(MemberType.DASHBOARD, dashboard_id, dashboard.arn)
            place_in_folders(uow, account_id, folders, member, now)
            uow.emit(_event(DASHBOARD_CREATED, dashboard, Name=name, VersionNumber=1))
        return Saved(dashboard, version)

    def update(
        self, account_id: str, dashboard_id: str, request: Mapping[str, Any], *, actor: Actor
    ) -> Saved:
        """UpdateDashboard: a new version (not published until asked) and the name."""
        name = validate_name(request.get("Name"))
        description = validate_description(request.get("VersionDescription"))
        options = publish_options(request.get("DashboardPublishOptions"))
        self.describe(account_id, dashboard_id)  # not found before any content check
        content = self.content.build(account_id, request)
        with UnitOfWork(self.db, actor) as uow:
            dashboard = _require(uow.conn, account_id, dashboard_id, lock=True)
            now = datetime.now(UTC)
            number = dashboard.latest_version + 1
            version = _insert_version(
                uow.conn, dashboard, number, content, description, options, now
            )
            uow.conn.execute(
                update(dashboards)
                .where(dashboards.c.id == dashboard.row_id)
                .values(name=name, latest_version=number, updated=now)
            )
            dashboard = replace(dashboard, name=name, latest_version=number, updated=now)
            uow.emit(_event(DASHBOARD_UPDATED, dashboard, Name=name, VersionNumber=number))
        return Saved(dashboard, version)

    def publish(
        self, account_id: str, dashboard_id: str, version_number: object, *, actor: Actor
    ) -> Dashboard:
        """UpdateDashboardPublishedVersion."""
        number = _version_number(version_number, "VersionNumber")
        with UnitOfWork(self.db, actor) as uow:
            dashboard = _require(uow.conn, account_id, dashboard_id, lock=True)
            _require_version(uow.conn, dashboard, number)
            now = datetime.now(UTC)
            uow.conn.execute(
                update(dashboards)
                .where(dashboards.c.id == dashboard.row_id)
                .values(published_version=number, published=now, updated=now)
            )
            dashboard = replace(dashboard, published_version=number, published=now, updated=now)
            uow.emit(_event(DASHBOARD_PUBLISHED, dashboard, VersionNumber=number))
        return dashboard

    def delete(
        self,
        account_id: str,
        dashboard_id: str,
        *,
        version_number: object = None,
        actor: Actor,
    ) -> Dashboard:
        """DeleteDashboard: the whole dashboard with its permissions, tags and folder
        memberships, or (``version_number``) one version that is not the published one."""
        number = (
            None if version_number is None else _version_number(version_number, "VersionNumber")
        )
        with UnitOfWork(self.db, actor) as uow:
            dashboard = _require(uow.conn, account_id, dashboard_id, lock=True)
            if number is not None:
                _require_version(uow.conn, dashboard, number)
                if number == dashboard.published_version:
                    raise ValidationError(
                        "VersionNumber",
                        f"version {number} is the published version: publish another first",
                    )
                uow.conn.execute(
                    delete(dashboard_versions).where(
                        dashboard_versions.c.dashboard_row_id == dashboard.row_id,
                        dashboard_versions.c.version_number == number,
                    )
                )
                uow.emit(_event(DASHBOARD_VERSION_DELETED, dashboard, VersionNumber=number))
                return dashboard
            self.access.permissions.delete_resource(uow, dashboard.arn)
            uow.conn.execute(delete(dashboards).where(dashboards.c.id == dashboard.row_id))
            uow.emit(_event(DASHBOARD_DELETED, dashboard))
        return dashboard

    def update_permissions(
        self,
        account_id: str,
        dashboard_id: str,
        *,
        grant: Sequence[Any] | None = None,
        revoke: Sequence[Any] | None = None,
        grant_link: Sequence[Any] | None = None,
        revoke_link: Sequence[Any] | None = None,
        actor: Actor,
    ) -> DashboardPermissions:
        """UpdateDashboardPermissions: revoke, then grant, for the dashboard's principals
        and for its link sharing, under the dashboard's row."""
        granted = parse_permissions(KIND, grant, "GrantPermissions")
        revoked = parse_permissions(KIND, revoke, "RevokePermissions")
        link_granted = parse_permissions(KIND, grant_link, "GrantLinkPermissions")
        link_revoked = parse_permissions(KIND, revoke_link, "RevokeLinkPermissions")
        with UnitOfWork(self.db, actor) as uow:
            dashboard = _require(uow.conn, account_id, dashboard_id, lock=True)
            after = self.access.permissions.update(
                Resource(account_id, KIND, dashboard.arn),
                grant=granted,
                revoke=revoked,
                actor=actor,
                uow=uow,
            )
            if link_granted or link_revoked:
                _check_link_principals(uow.conn, account_id, link_granted, "GrantLinkPermissions")
                links = _merged(dashboard.link_permissions, link_granted, link_revoked)
                uow.conn.execute(
                    update(dashboards)
                    .where(dashboards.c.id == dashboard.row_id)
                    .values(link_permissions=[p.to_json() for p in links])
                )
                dashboard = replace(dashboard, link_permissions=tuple(links))
                uow.emit(
                    _event(
                        DASHBOARD_UPDATED,
                        dashboard,
                        LinkPermissions=[p.to_json() for p in links],
                    )
                )
        return DashboardPermissions(dashboard, after, list(dashboard.link_permissions))

    # -- queries ---------------------------------------------------------------------------

    def describe(
        self,
        account_id: str,
        dashboard_id: str,
        *,
        version_number: object = None,
        alias_name: object = None,
    ) -> Saved:
        """DescribeDashboard / DescribeDashboardDefinition: the published version, or the
        one ``version_number`` or ``alias_name`` ($LATEST, $PUBLISHED) names."""
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            dashboard = _require(conn, account_id, dashboard_id)
            number = _wanted(conn, dashboard, version_number, alias_name)
            return Saved(dashboard, _require_version(conn, dashboard, number))

    def list(
        self, account_id: str, *, limit: int = 100, after: str | None = None
    ) -> Page[Dashboard]:
        """ListDashboards in id order."""
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            query = select(dashboards).where(dashboards.c.account_id == account_id)
            rows, next_key = page_rows(conn, query, dashboards.c.dashboard_id, limit, after)
        return Page([_to_dashboard(row) for row in rows], next_key)

    def versions(
        self, account_id: str, dashboard_id: str, *, limit: int = 100, after: str | None = None
    ) -> tuple[Dashboard, Page[DashboardVersion]]:
        """ListDashboardVersions in version order."""
        size = clamp_limit(limit)
        v = dashboard_versions.c
        with self.db.read() as conn:
            dashboard = _require(conn, account_id, dashboard_id)
            query = select(dashboard_versions).where(v.dashboard_row_id == dashboard.row_id)
            if after is not None:
                query = query.where(v.version_number > _int_key(after))
            rows = list(conn.execute(query.order_by(v.version_number).limit(size + 1)).mappings())
        page = [_to_version(dashboard, row) for row in rows[:size]]
        next_key = str(page[-1].number) if len(rows) > size else None
        return dashboard, Page(page, next_key)

    def describe_permissions(self, account_id: str, dashboard_id: str) -> DashboardPermissions:
        """DescribeDashboardPermissions."""
        dashboard = self.describe(account_id, dashboard_id).dashboard
        granted = self.access.permissions.describe(Resource(account_id, KIND, dashboard.arn))
        return DashboardPermissions(dashboard, granted, list(dashboard.link_permissions))

    def search(
        self, account_id: str, filters: object, *, limit: int = 100, after: str | None = None
    ) -> Page[Dashboard]:
        """SearchDashboards: by name, or by the principal the permissions (direct, through
        groups, the namespace and folders, as the authorizer has them) reach."""
        search = parse_filters(filters, "DASHBOARD_NAME", SEARCH_ATTRIBUTES)
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            condition = search_condition(
                conn, account_id, search, dashboards, "DASHBOARD_NAME", self.search_filter
            )
            query = select(dashboards).where(dashboards.c.account_id == account_id, condition)
            rows, next_key = page_rows(conn, query, dashboards.c.dashboard_id, limit, after)
        return Page([_to_dashboard(row) for row in rows], next_key)


# -- rows --------------------------------------------------------------------------------


def _row_values(dashboard: Dashboard) -> dict[str, Any]:
    return {
        "id": dashboard.row_id,
        "account_id": dashboard.account_id,
        "dashboard_id": dashboard.dashboard_id,
        "arn": dashboard.arn,
        "name": dashboard.name,
        "latest_version": dashboard.latest_version,
        "published_version": dashboard.published_version,
        "link_permissions": [p.to_json() for p in dashboard.link_permissions] or None,
        "created": dashboard.created,
        "updated": dashboard.updated,
        "published": dashboard.published,
    }


def _insert_version(
    conn: Connection,
    dashboard: Dashboard,
    number: int,
    content: Content,
    description: str | None,
    options: dict[str, Any] | None,
    now: datetime,
) -> DashboardVersion:
    version = DashboardVersion(
        number=number,
        arn=version_arn(dashboard.arn, number),
        status=CREATION_SUCCESSFUL,
        description=description,
        content=content,
        publish_options=options,
        created=now,
    )
    conn.execute(
        insert(dashboard_versions).values(
            dashboard_row_id=dashboard.row_id,
            version_number=number,
            status=version.status,
            description=description,
            publish_options=options,
            created=now,
            **content.row_values(),
        )
    )
    return version


def _row(
    conn: Connection, account_id: str, dashboard_id: str, *, lock: bool = False
) -> RowMapping | None:
    query = select(dashboards).where(
        dashboards.c.account_id == account_id, dashboards.c.dashboard_id == dashboard_id
    )
    return conn.execute(query.with_for_update() if lock else query).mappings().first()


def _require(
    conn: Connection, account_id: str, dashboard_id: str, *, lock: bool = False
) -> Dashboard:
    row = _row(conn, account_id, dashboard_id, lock=lock)
    if row is None:
        raise NotFoundError("Dashboard", dashboard_id)
    return _to_dashboard(row)


def _require_version(conn: Connection, dashboard: Dashboard, number: int) -> DashboardVersion:
    v = dashboard_versions.c
    row = (
        conn.execute(
            select(dashboard_versions).where(
                v.dashboard_row_id == dashboard.row_id, v.version_number == number
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError("DashboardVersion", version_arn(dashboard.arn, number))
    return _to_version(dashboard, row)


def _wanted(conn: Connection, dashboard: Dashboard, version_number: object, alias: object) -> int:
    """The version Describe shows."""
    if version_number is not None and alias is not None:
        raise ValidationError("AliasName", "give a VersionNumber or an AliasName, not both")
    if version_number is not None:
        return _version_number(version_number, "VersionNumber")
    if alias is None or alias == PUBLISHED:
        return dashboard.published_version
    if alias == LATEST:
        v = dashboard_versions.c
        latest = conn.scalar(
            select(func.max(v.version_number)).where(v.dashboard_row_id == dashboard.row_id)
        )
        return int(latest or dashboard.published_version)
    raise NotFoundError("DashboardAlias", str(alias)[:300])


def _version_number(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, "must be a version number (1 or more)")
    return value


def _int_key(after: str) -> int:
    try:
        return int(after)
    except ValueError:
        raise ValidationError("NextToken", "is not a token of this list") from None


def _merged(
    current: Sequence[ResourcePermission],
    grant: Sequence[ResourcePermission],
    revoke: Sequence[ResourcePermission],
) -> list[ResourcePermission]:
    """Revoke, then grant, as resource permissions do: an entry left with no action goes."""
    actions = {p.principal: set(p.actions) for p in current}
    for entry in revoke:
        actions.get(entry.principal, set()).difference_update(entry.actions)
    for entry in grant:
        actions.setdefault(entry.principal, set()).update(entry.actions)
    return [
        ResourcePermission(principal, frozenset(held))
        for principal, held in sorted(actions.items())
        if held
    ]


def _check_link_principals(
    conn: Connection, account_id: str, entries: Sequence[ResourcePermission], field: str
) -> None:
    """Link sharing is granted to namespaces of the account (whoever in them has the link)."""
    for index, entry in enumerate(entries):
        where = f"{field}[{index}].Principal"
        try:
            parsed = arns.parse_arn(entry.principal)
        except ValidationError:
            raise ValidationError(where, "must be the ARN of a namespace of the account") from None
        if parsed.type is not arns.ResourceType.NAMESPACE or parsed.account_id != account_id:
            raise ValidationError(where, "must be the ARN of a namespace of the account")
        try:
            directory.require_namespace(conn, account_id, parsed.namespace)
        except NotFoundError:
            raise ValidationError(
                where, f"the account has no namespace {parsed.namespace!r}"
            ) from None
