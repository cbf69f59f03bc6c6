"""Use cases of shared folders: nesting, membership, permissions, search.

A folder's effective permissions are its own plus its ancestors', and an asset in a
folder inherits the folder's (``analytics.access.permissions``); this service keeps the
tree those rules read. A folder is created under an existing parent of the same account
and never moves, so a cycle cannot arise; it is deleted only when empty. Every change is
one transaction whose events move the account's access epoch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Column, ColumnElement, Connection, and_, false, func, select

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.permissions import (
    Grantee,
    Resource,
    ResourcePermission,
    among,
)
from sightgate.analytics.access.services import Access
from sightgate.analytics.assets import events, repository
from sightgate.analytics.assets import tables as t
from sightgate.analytics.assets.errors import translate_integrity_errors
from sightgate.analytics.assets.members import MemberCatalogs
from sightgate.analytics.assets.model import (
    MAX_ANCESTORS,
    Folder,
    FolderMember,
    FolderType,
    MemberType,
    SharingModel,
    child_kind,
    folder_arn,
    member_arn,
    validate_id,
    validate_name,
)
from sightgate.analytics.assets.search import FolderQuery, PrincipalFilter, parse_filters
from sightgate.analytics.assets.tags import FolderTagService, apply_tags
from sightgate.analytics.directory import arns
from sightgate.analytics.directory import repository as directory
from sightgate.analytics.directory.errors import LimitExceededError
from sightgate.analytics.directory.model import Tag, parse_enum, validate_tags
from sightgate.analytics.principals.model import UserPrincipal
from sightgate.platform.db import Database
from sightgate.platform.errors import (
    NotFoundError,
    StateConflictError,
    ValidationError,
)
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page
from sightgate.platform.uow import UnitOfWork

OWNER_ONLY = STANDARD[ResourceType.FOLDER].owner - (
    STANDARD[ResourceType.FOLDER].contributor or frozenset()
)
"""The actions of the owner role that no other folder role has."""


@dataclass(frozen=True)
class FolderPermissions:
    """A folder and permissions on it (its own, or resolved through its ancestors)."""

    folder: Folder
    permissions: list[ResourcePermission]


class FolderService:
    """CreateFolder … ListFoldersForResource: the folder operations of QuickSight."""

    def __init__(self, db: Database, access: Access, catalogs: MemberCatalogs) -> None:
        self.db = db
        self.access = access
        self.catalogs = catalogs
        self.tags = FolderTagService(db)

    # -- folders ---------------------------------------------------------------------------

    def create(
        self,
        account_id: str,
        folder_id: str,
        *,
        actor: Actor,
        name: str | None = None,
        folder_type: str | None = None,
        sharing_model: str | None = None,
        parent_arn: str | None = None,
        permissions: Sequence[ResourcePermission] = (),
        tags: Sequence[Tag] = (),
    ) -> Folder:
        """A new folder, with its permissions and tags, in one transaction.

        ``NotFoundError`` when ``parent_arn`` names no folder of the account;
        ``LimitExceededError`` past ``MAX_ANCESTORS`` levels; ``ConflictError`` for a taken
        id, or a name a sibling has; ``ValidationError`` for an owner grant on a
        restricted folder.
        """
        validate_id(folder_id, "FolderId")
        if name is not None:
            validate_name(name)
        kind = parse_enum(FolderType, folder_type, "FolderType") if folder_type else None
        model = parse_enum(SharingModel, sharing_model, "SharingModel") if sharing_model else None
        valid_tags = validate_tags(list(tags))
        with (
            translate_integrity_errors(FolderId=folder_id, Name=name or ""),
            UnitOfWork(self.db, actor) as uow,
        ):
            account = directory.require_account(uow.conn, account_id)
            parent = self._parent(uow.conn, account_id, parent_arn)
            if parent is not None and len(parent.path) + 1 > MAX_ANCESTORS:
                raise LimitExceededError("folder level", MAX_ANCESTORS + 1, "folder tree")
            folder_type_, sharing_model_ = child_kind(parent, kind, model)
            now = datetime.now(UTC)
            folder = Folder(
                row_id=str(uuid.uuid4()),
                account_id=account_id,
                folder_id=folder_id,
                arn=folder_arn(account.region, account_id, folder_id),
                name=name,
                folder_type=folder_type_,
                sharing_model=sharing_model_,
                parent_row_id=parent.row_id if parent else None,
                path=(*parent.path, parent.arn) if parent else (),
                created=now,
                updated=now,
            )
            _refuse_owners(folder, permissions, "Permissions")
            repository.insert_folder(uow.conn, folder)
            uow.emit(events.folder_event(events.FOLDER_CREATED, folder))
            apply_tags(uow, folder, valid_tags)
            if permissions:
                self.access.permissions.update(
                    _resource(folder), grant=permissions, actor=actor, uow=uow
                )
        return folder

    @staticmethod
    def _parent(conn: Connection, account_id: str, parent_arn: str | None) -> Folder | None:
        """The parent a new folder is created under, row-locked (so it cannot be deleted
        meanwhile); a folder of another account, or none, is not found."""
        if not parent_arn:
            return None
        parent = None
        if _account_of(parent_arn, "ParentFolderArn") == account_id:
            parent = repository.folder_by_arn(conn, account_id, parent_arn, lock=True)
        if parent is None:
            raise NotFoundError("Folder", parent_arn[:300])
        return parent

    def describe(self, account_id: str, folder_id: str) -> Folder:
        """A folder with its path."""
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            return repository.require_folder(conn, account_id, folder_id)

    def list(self, account_id: str, *, limit: int = 100, after: str | None = None) -> Page[Folder]:
        """The account's folders in id order, a page at a time."""
        return self._page(account_id, FolderQuery(), limit, after)

    def update(self, account_id: str, folder_id: str, name: str, *, actor: Actor) -> Folder:
        """Rename a folder (QuickSight's UpdateFolder changes nothing else)."""
        validate_name(name)
        with (
            translate_integrity_errors(Name=name),
            UnitOfWork(self.db, actor) as uow,
        ):
            folder = repository.require_folder(uow.conn, account_id, folder_id, lock=True)
            if folder.name == name:
                return folder
            now = datetime.now(UTC)
            repository.rename_folder(uow.conn, folder.row_id, name, now)
            renamed = replace(folder, name=name, updated=now)
            uow.emit(events.folder_event(events.FOLDER_UPDATED, renamed, PreviousName=folder.name))
        return renamed

    def delete(self, account_id: str, folder_id: str, *, actor: Actor) -> Folder:
        """Delete an empty folder (no assets, no sub-folders) with its permissions and
        tags; ``StateConflictError`` (PreconditionNotMet) when it is not empty."""
        with UnitOfWork(self.db, actor) as uow:
            folder = repository.require_folder(uow.conn, account_id, folder_id, lock=True)
            if repository.has_children(uow.conn, folder.row_id):
                raise StateConflictError(f"folder {folder_id!r} has sub-folders: delete them first")
            if repository.has_members(uow.conn, folder.row_id):
                raise StateConflictError(
                    f"folder {folder_id!r} holds assets: remove them with DeleteFolderMembership"
                )
            self.access.permissions.delete_resource(uow, folder.arn)
            repository.delete_folder(uow.conn, folder.row_id)
            uow.emit(events.folder_event(events.FOLDER_DELETED, folder))
        return folder

    # -- members ---------------------------------------------------------------------------

    def add_member(
        self, account_id: str, folder_id: str, member_type: str, member_id: str, *, actor: Actor
    ) -> FolderMember:
        """Put an asset of the account in a folder.

        ``NotFoundError`` for an asset its catalog does not have; ``ConflictError`` when
        the folder holds it already; ``ValidationError`` when it would leave the
        restricted tree it is in.
        """
        kind = parse_enum(MemberType, member_type, "MemberType")
        validate_id(member_id, "MemberId")
        with (
            translate_integrity_errors(MemberId=member_id),
            UnitOfWork(self.db, actor) as uow,
        ):
            account = directory.require_account(uow.conn, account_id)
            folder = repository.require_folder(uow.conn, account_id, folder_id, lock=True)
            catalog = self.catalogs.get(kind)
            if catalog is not None and not catalog.exists(uow.conn, account_id, member_id):
                raise NotFoundError(kind.value.capitalize(), member_id)
            member = FolderMember(
                kind, member_id, member_arn(account.region, account_id, kind, member_id)
            )
            _stay_in_restricted_tree(uow.conn, folder, member)
            repository.add_member(uow.conn, folder.row_id, member, datetime.now(UTC))
            uow.emit(events.membership_event(events.FOLDER_MEMBERSHIP_CREATED, folder, member))
        return member

    def remove_member(
        self, account_id: str, folder_id: str, member_type: str, member_id: str, *, actor: Actor
    ) -> None:
        """Take an asset out of a folder; ``NotFoundError`` when it is not in it."""
        kind = parse_enum(MemberType, member_type, "MemberType")
        validate_id(member_id, "MemberId")
        with UnitOfWork(self.db, actor) as uow:
            account = directory.require_account(uow.conn, account_id)
            folder = repository.require_folder(uow.conn, account_id, folder_id, lock=True)
            if not repository.remove_member(uow.conn, folder.row_id, kind, member_id):
                raise NotFoundError("FolderMember", member_id)
            member = FolderMember(
                kind, member_id, member_arn(account.region, account_id, kind, member_id)
            )
            uow.emit(events.membership_event(events.FOLDER_MEMBERSHIP_DELETED, folder, member))

    def members(
        self, account_id: str, folder_id: str, *, limit: int = 100, after: str | None = None
    ) -> Page[FolderMember]:
        """The assets a folder holds, in ARN order."""
        m = t.folder_members
        with self.db.read() as conn:
            folder = repository.require_folder(conn, account_id, folder_id)
            query = select(m).where(m.c.folder_id == folder.row_id)
            rows, next_key = directory.page_rows(conn, query, m.c.member_arn, limit, after)
        return Page(
            [
                FolderMember(MemberType(r["member_type"]), r["member_id"], r["member_arn"])
                for r in rows
            ],
            next_key,
        )

    def folders_for_resource(
        self, account_id: str, resource_arn: str, *, limit: int = 100, after: str | None = None
    ) -> Page[str]:
        """The ARNs of the folders that hold an asset, in ARN order."""
        if _account_of(resource_arn, "ResourceArn") != account_id:
            raise NotFoundError("Resource", resource_arn[:300])
        f, m = t.folders, t.folder_members
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            query = (
                select(f.c.arn)
                .select_from(m.join(f, f.c.id == m.c.folder_id))
                .where(m.c.member_arn == resource_arn)
            )
            rows, next_key = directory.page_rows(conn, query, f.c.arn, limit, after)
        return Page([row["arn"] for row in rows], next_key)

    # -- search ----------------------------------------------------------------------------

    def search(
        self,
        account_id: str,
        filters: Sequence[object],
        *,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[Folder]:
        """SearchFolders: the folders every filter admits, in id order."""
        return self._page(account_id, parse_filters(list(filters)), limit, after)

    def _page(
        self, account_id: str, query: FolderQuery, limit: int, after: str | None
    ) -> Page[Folder]:
        f = t.folders
        with self.db.read() as conn:
            directory.require_account(conn, account_id)
            statement = select(f).where(f.c.account_id == account_id)
            for parent in query.parents:
                if parent is None:
                    statement = statement.where(f.c.parent_id.is_(None))
                    continue
                found = repository.folder_by_arn(conn, account_id, parent)
                if found is None:
                    return Page([], None)
                statement = statement.where(f.c.parent_id == found.row_id)
            for name, substring in query.names:
                statement = statement.where(
                    func.lower(f.c.name).contains(name.lower(), autoescape=True)
                    if substring
                    else f.c.name == name
                )
            for wanted in query.principals:
                statement = statement.where(self._admits(conn, account_id, wanted, f.c.arn))
            rows, next_key = directory.page_rows(conn, statement, f.c.folder_id, limit, after)
            return Page(repository.folders_of_rows(conn, rows), next_key)

    def _admits(
        self, conn: Connection, account_id: str, wanted: PrincipalFilter, arn: Column[str]
    ) -> ColumnElement[bool]:
        """A principal filter as a condition on the folder ARN: among the folders the
        authorizer's statement reaches (a subquery, so the page stays one statement)."""
        grantee = self._grantee(conn, account_id, wanted)
        if grantee is None:
            return false()  # a principal that does not exist is granted nothing
        authorizer = self.access.authorizer
        if isinstance(grantee, Grantee):
            reached = authorizer.reachable_statement(
                grantee, ResourceType.FOLDER, wanted.action, inherited=not wanted.direct
            )
        else:
            reached = authorizer.visible_statement(grantee, ResourceType.FOLDER, wanted.action)
        if not wanted.sole:
            return among(arn, reached)
        only = self.access.permissions.held_only_by(arn, wanted.principal_arn, wanted.action)
        return and_(among(arn, reached), only)

    def _grantee(
        self, conn: Connection, account_id: str, wanted: PrincipalFilter
    ) -> UserPrincipal | Grantee | None:
        """The user as the authorizer sees them now (``QUICKSIGHT_*`` on a user), or the
        grantee of exactly the ARN given; None when it names nobody of the account."""
        try:
            parsed = arns.parse_arn(wanted.principal_arn)
        except ValidationError:
            raise ValidationError(
                "Filters.Value", "must be the ARN of a user or group of the account"
            ) from None
        if parsed.type is arns.ResourceType.NAMESPACE:
            raise ValidationError("Filters.Value", "must be the ARN of a user or group")
        if parsed.account_id != account_id:
            return None
        name = parsed.name or ""
        try:
            if parsed.type is arns.ResourceType.USER:
                user = self.access.authorizer.user(account_id, parsed.namespace, name)
                if not wanted.direct:
                    return user
                return Grantee(account_id, user_id=user.user_id)
            namespace = directory.require_namespace(conn, account_id, parsed.namespace)
            group = directory.require_group(conn, namespace, name)
        except NotFoundError:
            return None
        return Grantee(account_id, group_ids=(group.group_id,))

    # -- permissions -----------------------------------------------------------------------

    def describe_permissions(
        self, account_id: str, folder_id: str, *, namespace: str | None = None
    ) -> FolderPermissions:
        """The folder's own permissions (those of one namespace's principals, if named)."""
        folder = self.describe(account_id, folder_id)
        granted = self.access.permissions.describe(_resource(folder))
        return FolderPermissions(folder, _in_namespace(granted, namespace))

    def resolved_permissions(
        self, account_id: str, folder_id: str, *, namespace: str | None = None
    ) -> FolderPermissions:
        """The folder's permissions merged with its ancestors', per principal."""
        folder = self.describe(account_id, folder_id)
        granted = self.access.permissions.resolved(_resource(folder))
        return FolderPermissions(folder, _in_namespace(granted, namespace))

    def update_permissions(
        self,
        account_id: str,
        folder_id: str,
        *,
        grant: Sequence[ResourcePermission] = (),
        revoke: Sequence[ResourcePermission] = (),
        actor: Actor,
    ) -> FolderPermissions:
        """Revoke, then grant (``PermissionService.update``); owners are refused on a
        restricted folder. The folder row is locked, so it cannot be deleted meanwhile."""
        with UnitOfWork(self.db, actor) as uow:
            folder = repository.require_folder(uow.conn, account_id, folder_id, lock=True)
            _refuse_owners(folder, grant, "GrantPermissions")
            permissions = self.access.permissions.update(
                _resource(folder), grant=grant, revoke=revoke, actor=actor, uow=uow
            )
        return FolderPermissions(folder, permissions)


def _account_of(arn: str, field: str) -> str:
    """The account of a QuickSight ARN (``arn:aws:quicksight:<region>:<account>:…``)."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) < 6 or parts[:3] != ["arn", "aws", "quicksight"]:
        raise ValidationError(field, "must be a QuickSight ARN")
    return parts[4]


def _resource(folder: Folder) -> Resource:
    return Resource(folder.account_id, ResourceType.FOLDER, folder.arn)


def _refuse_owners(folder: Folder, grant: Sequence[ResourcePermission], field: str) -> None:
    """QuickSight: "the owner role is not supported for restricted shared folders"; no grant of an
    owner-only action on one."""
    if folder.folder_type is not FolderType.RESTRICTED:
        return
    for index, entry in enumerate(grant):
        owner_actions = entry.actions & OWNER_ONLY
        if owner_actions:
            raise ValidationError(
                f"{field}[{index}].Actions",
                "the owner role is not supported for restricted shared folders "
                f"({', '.join(sorted(owner_actions))})",
            )


def _stay_in_restricted_tree(conn: Connection, folder: Folder, member: FolderMember) -> None:
    """An asset in a restricted folder's tree cannot be put in a folder outside it."""
    target_root = folder.path[0] if folder.path else folder.arn
    for root, root_type in repository.roots_holding(conn, member.member_arn).items():
        if root_type == FolderType.RESTRICTED.value and root != target_root:
            raise ValidationError(
                "FolderId",
                f"{member.member_arn} is in the restricted folder {root}: assets of a "
                "restricted folder stay in its tree",
            )


def _in_namespace(
    permissions: list[ResourcePermission], namespace: str | None
) -> list[ResourcePermission]:
    if not namespace:
        return permissions
    wanted = namespace.casefold()
    return [p for p in permissions if _namespace_of(p.principal) == wanted]


def _namespace_of(principal_arn: str) -> str | None:
    try:
        return arns.parse_arn(principal_arn).namespace.casefold()
    except ValidationError:
        return None
