"""Resource permissions: the model behind every Describe*/Update*Permissions operation.

A permission is (resource ARN, principal ARN, actions), the principal being a user, group
or namespace of the resource's account. ``Update*Permissions`` revokes, then grants:
revoking removes actions (an entry left with none is gone), granting adds them, so a
principal in both lists ends with exactly the granted actions. Principals are resolved
to their rows when granted, and grants match by row id, never by name.

Folders pass their grants down (``FolderTree``, implemented by ``analytics.assets``, which
sits above this module): a folder's effective permissions are its own plus its
ancestors'; an asset in a folder inherits the grants of the folders that hold it and of
their ancestors, as the asset type's standard set for the folder role they amount to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)

from sightgate.analytics.access.actions import PREFIX, STANDARD, ResourceType, validate_actions
from sightgate.analytics.access.tables import grant_actions as ga
from sightgate.analytics.access.tables import resource_permissions as rp
from sightgate.analytics.directory import arns, repository
from sightgate.analytics.directory.transactions import unit_of_work
from sightgate.analytics.principals.model import UserPrincipal
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor, DomainEvent
from sightgate.platform.uow import UnitOfWork

PERMISSIONS_UPDATED = "analytics.ResourcePermissionsUpdated"
ArnStatement = Select[tuple[str]] | CompoundSelect[tuple[str]]
"""A statement of one column, ``resource_arn``: the resources a grantee's grants reach."""
MAX_PRINCIPAL_ARN_LENGTH = 256


@dataclass(frozen=True)
class ResourcePermission:
    """QuickSight's ``ResourcePermission``: a principal ARN and the actions it has."""

    principal: str
    actions: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        """The API shape, actions sorted."""
        return {"Principal": self.principal, "Actions": sorted(self.actions)}


@dataclass(frozen=True)
class Resource:
    """A resource that carries permissions: its account, type and ARN."""

    account_id: str
    type: ResourceType
    arn: str


def parse_permissions(
    resource_type: ResourceType, entries: Sequence[Any] | None, field: str
) -> list[ResourcePermission]:
    """API ``ResourcePermission`` dicts as values, within the API's limits (1 to 64 entries,
    100 for dashboards, analyses, templates and themes; 1 to 20 actions each)."""
    if not entries:
        return []
    limit = STANDARD[resource_type].max_entries
    if len(entries) > limit:
        raise ValidationError(field, f"must hold at most {limit} entries")
    parsed: list[ResourcePermission] = []
    for index, entry in enumerate(entries):
        where = f"{field}[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(where, "must be an object with Principal and Actions")
        principal = entry.get("Principal")
        if not isinstance(principal, str) or not 1 <= len(principal) <= MAX_PRINCIPAL_ARN_LENGTH:
            raise ValidationError(
                f"{where}.Principal",
                f"must be an ARN of 1 to {MAX_PRINCIPAL_ARN_LENGTH} characters",
            )
        actions = entry.get("Actions")
        if not isinstance(actions, list):
            raise ValidationError(f"{where}.Actions", "must be a list of actions")
        parsed.append(
            ResourcePermission(
                principal, validate_actions(resource_type, actions, f"{where}.Actions")
            )
        )
    return parsed


@dataclass(frozen=True)
class _Principal:
    """A granted principal's row: exactly one of the three ids is set."""

    arn: str
    user_id: str | None = None
    group_id: str | None = None
    namespace_id: str | None = None


@dataclass(frozen=True)
class Grantee:
    """Whose grants count in a question: a user with their groups and namespace, or one
    user or group alone (SearchFolders' ``DIRECT_*`` filters, a group's reach)."""

    account_id: str
    user_id: str | None = None
    namespace_id: str | None = None
    group_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, user: UserPrincipal) -> Grantee:
        """The user's own grants, their groups' (those that count now) and their namespace's."""
        return cls(user.account_id, user.user_id, user.namespace_id, user.group_ids)


@dataclass(frozen=True)
class Grant:
    """A grant that reaches a grantee: on the resource itself (``folder`` None), or on a
    folder whose grants pass down to it (``folder_actions`` are what that folder grants;
    ``actions`` what they amount to on the resource)."""

    principal: str
    actions: frozenset[str]
    folder: str | None = None
    folder_actions: frozenset[str] = frozenset()


class FolderTree(Protocol):
    """What resource permissions need to know of folders (``analytics.assets`` has them)."""

    def reach(self, resource_type: ResourceType) -> Select[tuple[str, str]] | None:
        """Every (``folder_arn``, ``resource_arn``) pair such that the grants on the folder
        reach the resource, as columns of those names: for folders, each strict
        descendant; for assets, each one the folder or a descendant holds. None when no
        folder holds resources of the type."""
        ...

    def forget(self, conn: Connection, resource_arn: str) -> None:
        """Take a resource that is being deleted out of every folder (same transaction),
        so an asset created later under the same id inherits nothing."""
        ...


def inherited_actions(
    resource_type: ResourceType, folder_actions: frozenset[str]
) -> frozenset[str]:
    """What a folder grant amounts to on a resource of ``resource_type`` below it.

    A sub-folder inherits the actions themselves. An asset inherits the standard set of
    the folder role the grant holds in full (a partial grant gives only the roles it
    covers): an owner owns the asset, a contributor may edit and delete it but not
    share it (no ``Update*Permissions``), a viewer views it.
    """
    if resource_type is ResourceType.FOLDER:
        return folder_actions
    folder, asset = STANDARD[ResourceType.FOLDER], STANDARD[resource_type]
    if folder.owner <= folder_actions:
        return asset.owner
    if folder.contributor is not None and folder.contributor <= folder_actions:
        return frozenset(a for a in asset.owner if not _changes_permissions(a))
    if folder.viewer <= folder_actions:
        return asset.viewer
    return frozenset()


def passing_down(resource_type: ResourceType, action: str) -> tuple[frozenset[str], ...]:
    """The folder action sets a folder grant must hold (any one of them) to pass
    ``action`` down to a resource of ``resource_type`` below it: ``inherited_actions``
    inverted over the folder roles, keeping the smallest sets."""
    if resource_type is ResourceType.FOLDER:
        return (frozenset({action}),)
    folder = STANDARD[ResourceType.FOLDER]
    roles = [role for role in (folder.viewer, folder.contributor, folder.owner) if role]
    giving = [role for role in roles if action in inherited_actions(resource_type, role)]
    return tuple(role for role in giving if not any(other < role for other in giving))


def _changes_permissions(action: str) -> bool:
    return action.startswith(PREFIX + "Update") and action.endswith("Permissions")


class PermissionService:
    """Read and change resource permissions; find what a principal is granted."""

    def __init__(self, db: Database, folders: FolderTree | None = None) -> None:
        self.db = db
        self.folders = folders
        self._reach: dict[ResourceType, Select[tuple[str, str]] | None] = {
            resource_type: folders.reach(resource_type) if folders else None
            for resource_type in ResourceType
        }
        self._effective = {
            resource_type: _effective_statement(reach)
            for resource_type, reach in self._reach.items()
        }

    def describe(self, resource: Resource) -> list[ResourcePermission]:
        """Every principal's permissions on ``resource``, by principal ARN."""
        with self.db.read() as conn:
            return _current(conn, resource.arn)

    def resolved(self, resource: Resource) -> list[ResourcePermission]:
        """Every principal's permissions on ``resource`` and on the folders whose grants
        reach it (for a folder: its ancestors), merged per principal, as granted."""
        merged: dict[str, frozenset[str]] = {}
        with self.db.read() as conn:
            rows = conn.execute(self._effective[resource.type], {"arn": resource.arn, **_NOBODY})
        for principal, actions, _ in rows:
            merged[principal] = merged.get(principal, frozenset()) | frozenset(actions)
        return [ResourcePermission(p, merged[p]) for p in sorted(merged)]

    def update(
        self,
        resource: Resource,
        *,
        grant: Sequence[ResourcePermission] = (),
        revoke: Sequence[ResourcePermission] = (),
        actor: Actor,
        uow: UnitOfWork | None = None,
    ) -> list[ResourcePermission]:
        """Revoke, then grant; the permissions after the change.

        ``ValidationError`` (naming the entry) when a principal is not a user, group or
        namespace of the resource's account. Nothing changes unless everything is valid.
        """
        with unit_of_work(self.db, actor, uow) as work:
            conn = work.conn
            granted = [(_resolve(conn, resource, p.principal), p.actions) for p in grant]
            current = {p.principal: p.actions for p in _current(conn, resource.arn)}
            wanted = dict(current)
            for entry in revoke:
                remaining = wanted.get(entry.principal, frozenset()) - entry.actions
                wanted[entry.principal] = remaining
            rows: dict[str, _Principal] = {}
            for principal, actions in granted:
                rows[principal.arn] = principal
                wanted[principal.arn] = wanted.get(principal.arn, frozenset()) | actions
            changed = {
                arn for arn in wanted.keys() | current.keys() if wanted.get(arn) != current.get(arn)
            }
            if not changed:
                return _current(conn, resource.arn)
            now = datetime.now(UTC)
            for arn in sorted(changed):
                _write(conn, resource, arn, wanted.get(arn, frozenset()), rows.get(arn), now)
            work.emit(_updated_event(resource, grant, revoke))
            return _current(conn, resource.arn)

    def delete_resource(self, uow: UnitOfWork, resource_arn: str) -> None:
        """Remove every permission on a resource that is being deleted, and its folder
        memberships, through which it inherited others (same transaction)."""
        uow.conn.execute(delete(rp).where(rp.c.resource_arn == resource_arn))
        if self.folders is not None:
            self.folders.forget(uow.conn, resource_arn)

    def effective(self, conn: Connection, grantee: Grantee, resource: Resource) -> list[Grant]:
        """The grants that reach ``grantee`` on ``resource``: its own and those passed down
        by folders, in one statement."""
        rows = conn.execute(
            self._effective[resource.type],
            {
                "arn": resource.arn,
                "everyone": False,
                "user_id": grantee.user_id,
                "namespace_id": grantee.namespace_id,
                "group_ids": list(grantee.group_ids),
            },
        )
        grants: list[Grant] = []
        for principal, actions, folder in rows:
            granted = frozenset(actions)
            if folder is None:
                grants.append(Grant(principal, granted))
            else:
                inherited = inherited_actions(resource.type, granted)
                grants.append(Grant(principal, inherited, folder, granted))
        return sorted(grants, key=lambda g: (g.folder is not None, g.folder or "", g.principal))

    def visible(
        self,
        conn: Connection,
        grantee: Grantee,
        resource_type: ResourceType,
        action: str,
        *,
        inherited: bool = True,
    ) -> list[str]:
        """The ARNs of the resources of ``resource_type`` on which ``grantee`` has
        ``action``, sorted, each once."""
        reached = self.visible_statement(grantee, resource_type, action, inherited=inherited)
        return sorted(conn.scalars(distinct_arns(reached)))

    def visible_statement(
        self,
        grantee: Grantee,
        resource_type: ResourceType,
        action: str,
        *,
        inherited: bool = True,
    ) -> ArnStatement:
        """The ARNs of the resources of ``resource_type`` on which ``grantee`` has
        ``action``, as one statement over the grantee's grant actions (covering index
        scans by principal, account, type and action; never every resource): granted
        directly, and (with ``inherited``) passed down by folders. An ARN may come more
        than once (``among`` needs no more; ``distinct_arns`` makes each one once). No JSON
        is decoded and no ARN reaches Python, so a search filters, orders and pages on it."""
        direct = [
            select(ga.c.resource_arn).where(
                principal,
                ga.c.account_id == grantee.account_id,
                ga.c.resource_type == resource_type.value,
                ga.c.action == action,
            )
            for principal in _principals_of(grantee)
        ]
        reach = self._reach[resource_type] if inherited else None
        through_folders = []
        if reach is not None:
            down = reach.subquery("reach")
            for needed in passing_down(resource_type, action):
                folders = _folders_granting(grantee, needed).subquery("granting")
                through_folders.append(
                    select(down.c.resource_arn).join_from(
                        folders, down, down.c.folder_arn == folders.c.resource_arn
                    )
                )
        branches = [*direct, *through_folders]
        if not branches:
            return select(ga.c.resource_arn).where(false())
        return union_all(*branches)

    def held_only_by(
        self, resource_arn: ColumnElement[str], principal_arn: str, action: str
    ) -> ColumnElement[bool]:
        """No principal but ``principal_arn`` is granted ``action`` directly on the
        resource ``resource_arn`` names (``DIRECT_QUICKSIGHT_SOLE_OWNER``), in SQL."""
        return ~exists().where(
            ga.c.resource_arn == resource_arn,
            ga.c.principal_arn != principal_arn,
            ga.c.action == action,
        )


def distinct_arns(reached: ArnStatement) -> Select[tuple[str]]:
    """The ARNs of a ``visible_statement``, each once."""
    found = reached.subquery("reached")
    return select(found.c.resource_arn).distinct()


def among(arn: ColumnElement[str], reached: ArnStatement) -> ColumnElement[bool]:
    """``arn`` is one of those a ``visible_statement`` reaches, tested as a value (``IS
    TRUE``) rather than as a join: PostgreSQL then hashes the reached ARNs once and walks
    the page's index in order, stopping at the page's end, instead of joining every
    reached resource and sorting (SQLite plans both alike)."""
    return arn.in_(reached).is_(true())


_NOBODY: dict[str, Any] = {"everyone": True, "user_id": None, "namespace_id": None, "group_ids": []}
"""The parameters of the effective-grants statement that ask for every principal's."""


def _effective_statement(reach: Select[tuple[str, str]] | None) -> Any:
    """The grants on a resource (``:arn``) and on the folders whose grants reach it, to a
    grantee (or to everyone with ``:everyone``): (principal, actions, folder or NULL).

    Built once per resource type: building a statement costs more than running it, and
    every cold decision runs one. An empty group list is an empty IN.
    """
    to_grantee = or_(
        bindparam("everyone"),
        rp.c.user_id == bindparam("user_id"),
        rp.c.namespace_id == bindparam("namespace_id"),
        rp.c.group_id.in_(bindparam("group_ids", expanding=True)),
    )
    direct = select(rp.c.principal_arn, rp.c.actions, null().label("folder")).where(
        rp.c.resource_arn == bindparam("arn"), to_grantee
    )
    if reach is None:
        return direct
    up = reach.subquery("reach")
    holding = select(up.c.folder_arn).where(up.c.resource_arn == bindparam("arn"))
    through_folders = select(
        rp.c.principal_arn, rp.c.actions, rp.c.resource_arn.label("folder")
    ).where(rp.c.resource_arn.in_(holding), to_grantee)
    return union_all(direct, through_folders)


def _principals_of(grantee: Grantee) -> list[ColumnElement[bool]]:
    """A condition on the grant actions per kind of principal the grantee is, each its own
    index scan (an OR of them would read the rows behind the indexes)."""
    conditions = []
    if grantee.user_id is not None:
        conditions.append(ga.c.user_id == grantee.user_id)
    if grantee.namespace_id is not None:
        conditions.append(ga.c.namespace_id == grantee.namespace_id)
    if grantee.group_ids:
        conditions.append(ga.c.group_id.in_(grantee.group_ids))
    return conditions


def _folders_granting(grantee: Grantee, needed: frozenset[str]) -> ArnStatement:
    """The folders on which one grant to ``grantee`` holds every action of ``needed``."""
    branches = []
    for principal in _principals_of(grantee):
        holding = select(ga.c.resource_arn).where(
            principal,
            ga.c.account_id == grantee.account_id,
            ga.c.resource_type == ResourceType.FOLDER.value,
            ga.c.action.in_(sorted(needed)),
        )
        if len(needed) > 1:
            holding = holding.group_by(ga.c.resource_arn, ga.c.principal_arn).having(
                func.count() == len(needed)
            )
        branches.append(holding)
    if not branches:
        return select(ga.c.resource_arn).where(false())
    return union_all(*branches)


def _current(conn: Connection, resource_arn: str) -> list[ResourcePermission]:
    rows = conn.execute(
        select(rp.c.principal_arn, rp.c.actions)
        .where(rp.c.resource_arn == resource_arn)
        .order_by(rp.c.principal_arn)
    )
    return [ResourcePermission(arn, frozenset(actions)) for arn, actions in rows]


def _resolve(conn: Connection, resource: Resource, principal_arn: str) -> _Principal:
    """The row of a user, group or namespace ARN of the resource's account (folders are
    granted to users and groups only, as QuickSight's folder permissions are)."""
    try:
        parsed = arns.parse_arn(principal_arn)
        if resource.type is ResourceType.FOLDER and parsed.type is arns.ResourceType.NAMESPACE:
            raise ValidationError(
                "Principal", "namespace ARNs are not supported principals of folder permissions"
            )
        if parsed.account_id != resource.account_id:
            raise NotFoundError("Principal", principal_arn)
        namespace = repository.require_namespace(conn, parsed.account_id, parsed.namespace)
        if namespace.arn.split(":")[3] != parsed.region:
            raise NotFoundError("Principal", principal_arn)
        if parsed.type is arns.ResourceType.NAMESPACE:
            return _Principal(namespace.arn, namespace_id=namespace.namespace_id)
        if parsed.type is arns.ResourceType.USER:
            user = repository.require_user(conn, namespace, parsed.name or "")
            return _Principal(user.arn, user_id=user.user_id)
        group = repository.require_group(conn, namespace, parsed.name or "")
        return _Principal(group.arn, group_id=group.group_id)
    except NotFoundError:
        raise _not_a_principal(resource, principal_arn) from None
    except ValidationError as error:
        if error.field == "Principal":
            raise
        raise _not_a_principal(resource, principal_arn) from None


def _not_a_principal(resource: Resource, principal_arn: str) -> ValidationError:
    return ValidationError(
        "Principal",
        f"{principal_arn[:300]!r} is not a user, group or namespace of account "
        f"{resource.account_id}",
    )


def _write(
    conn: Connection,
    resource: Resource,
    principal_arn: str,
    actions: frozenset[str],
    principal: _Principal | None,
    now: datetime,
) -> None:
    key = and_(rp.c.resource_arn == resource.arn, rp.c.principal_arn == principal_arn)
    if not actions:
        conn.execute(delete(rp).where(key))
        return
    values = {"actions": sorted(actions), "updated_at": now}
    if principal is None:  # an existing grant that only lost actions
        conn.execute(update(rp).where(key).values(**values))
        return
    ids = {
        "user_id": principal.user_id,
        "group_id": principal.group_id,
        "namespace_id": principal.namespace_id,
    }
    if conn.execute(update(rp).where(key).values(**values, **ids)).rowcount == 0:
        conn.execute(
            insert(rp).values(
                resource_arn=resource.arn,
                principal_arn=principal.arn,
                account_id=resource.account_id,
                resource_type=resource.type.value,
                **values,
                **ids,
            )
        )


def _updated_event(
    resource: Resource, grant: Sequence[ResourcePermission], revoke: Sequence[ResourcePermission]
) -> DomainEvent:
    return DomainEvent(
        type=PERMISSIONS_UPDATED,
        aggregate_type=resource.type.value,
        aggregate_id=resource.arn,
        scope=resource.account_id,
        payload={
            "ResourceArn": resource.arn,
            "GrantPermissions": [p.to_json() for p in grant],
            "RevokePermissions": [p.to_json() for p in revoke],
        },
    )
