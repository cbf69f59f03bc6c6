"""Use cases of users: each lives in exactly one namespace and is invisible from others.

User names are unique per namespace in any letter case, which the database enforces.
Users provisioned from the identity source (``Source.IDENTITY_SOURCE``) are read-only
through the API: only the actors the authorizer names (the provisioning worker) may change
or delete them, decided on each unit of work's actor.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from sightgate.analytics.directory import arns, events, repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.errors import (
    translate_integrity_errors,
)
from sightgate.analytics.directory.identity_source import IdentitySourceWriters, require_writable
from sightgate.analytics.directory.model import (
    ALLOWED_IDENTITY_TYPES,
    AccountSubscription,
    Group,
    IdentityType,
    Namespace,
    Role,
    Source,
    User,
    UserRegistration,
    UserUpdate,
    iam_principal_id,
    parse_enum,
    validate_user_name,
)
from sightgate.analytics.directory.tags import apply_tags
from sightgate.analytics.directory.transactions import unit_of_work
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.ids import validate_account_id
from sightgate.platform.pagination import Page
from sightgate.platform.uow import UnitOfWork

_UPDATABLE = {
    "Email": "email",
    "Role": "role",
    "CustomPermissionsName": "custom_permissions_name",
    "ExternalLogin": "external_login",
    "Active": "active",
}


class UserService:
    """RegisterUser, DescribeUser, ListUsers, UpdateUser, DeleteUser(ByPrincipalId),
    ListUserGroups."""

    def __init__(self, db: Database, writers: IdentitySourceWriters) -> None:
        self.db = db
        self.writers = writers

    def _check_writable(self, user: User, actor: Actor) -> None:
        require_writable(user.source, "User", user.user_name, actor, self.writers)

    def register(
        self,
        account_id: str,
        namespace: str,
        registration: UserRegistration,
        *,
        actor: Actor,
        source: str = Source.QUICKSIGHT_API,
        uow: UnitOfWork | None = None,
    ) -> User:
        """A new, active user; ``ConflictError`` (field ``UserName``) when the name is
        taken in the namespace in any letter case.

        The account's authentication method decides which identity types it accepts
        (IAM_AND_QUICKSIGHT: IAM and QUICKSIGHT; IAM_ONLY: IAM; IAM_IDENTITY_CENTER:
        IAM_IDENTITY_CENTER), as in QuickSight.
        """
        valid = registration.validated(validate_account_id(account_id))
        valid_source = parse_enum(Source, source, "Source")
        assert valid.user_name is not None  # validated() always resolves the user name
        with (
            translate_integrity_errors(UserName=valid.user_name),
            unit_of_work(self.db, actor, uow) as uow,
        ):
            account = repository.require_account(uow.conn, account_id)
            ns = repository.require_namespace(uow.conn, account_id, namespace, lock=True)
            identity_type = IdentityType(valid.identity_type)
            if identity_type not in ALLOWED_IDENTITY_TYPES[account.authentication_method]:
                raise ValidationError(
                    "IdentityType",
                    f"an account that authenticates with {account.authentication_method} "
                    f"cannot register {identity_type} users",
                )
            now = datetime.now(UTC)
            user = User(
                user_id=str(uuid.uuid4()),
                account_id=account_id,
                namespace=ns.name,
                user_name=valid.user_name,
                arn=arns.user_arn(ns.capacity_region, account_id, ns.name, valid.user_name),
                email=valid.email,
                role=Role(valid.user_role),
                identity_type=identity_type,
                active=True,
                principal_id=_principal_id(account, valid),
                iam_arn=valid.iam_arn,
                custom_permissions_name=valid.custom_permissions_name,
                external_login=valid.external_login(),
                identity_store_user_id=valid.identity_store_user_id,
                source=valid_source,
                created_at=now,
                updated_at=now,
            )
            repository.insert_user(uow.conn, ns, user)
            uow.emit(events.user_event(events.USER_REGISTERED, user))
            apply_tags(uow, ns, "User", user.user_id, user.arn, valid.tags)
        return user

    def describe(self, account_id: str, namespace: str, user_name: str) -> User:
        """A user by name (in any letter case)."""
        with self.db.read() as conn:
            ns = repository.require_namespace(conn, account_id, namespace)
            return repository.require_user(conn, ns, user_name)

    def list(
        self, account_id: str, namespace: str, *, limit: int = 100, after: str | None = None
    ) -> Page[User]:
        """A namespace's users in name order, a page at a time."""
        with self.db.read() as conn:
            ns = repository.require_namespace(conn, account_id, namespace)
            rows, next_key = repository.page_rows(
                conn, repository.user_query(ns), t.users.c.user_name_key, limit, after
            )
            return Page([repository.to_user(row, ns) for row in rows], next_key)

    def update(
        self,
        account_id: str,
        namespace: str,
        user_name: str,
        update: UserUpdate,
        *,
        actor: Actor,
        uow: UnitOfWork | None = None,
    ) -> User:
        """Change a user's e-mail, role, custom permissions, external login (or, for
        provisioning, whether they are active); an event only when something changed."""
        with unit_of_work(self.db, actor, uow) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            current = repository.require_user(uow.conn, ns, user_name, lock=True)
            self._check_writable(current, uow.actor)
            wanted = update.apply_to(current)
            changed = [
                member
                for member, attribute in _UPDATABLE.items()
                if getattr(current, attribute) != getattr(wanted, attribute)
            ]
            if not changed:
                return current
            wanted = replace(wanted, updated_at=datetime.now(UTC))
            repository.update_user(uow.conn, wanted)
            uow.emit(events.user_event(events.USER_UPDATED, wanted, changed))
        return wanted

    def delete(
        self,
        account_id: str,
        namespace: str,
        user_name: str,
        *,
        actor: Actor,
    ) -> None:
        """Delete a user with their memberships and tags."""
        with UnitOfWork(self.db, actor) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            user = repository.require_user(uow.conn, ns, user_name, lock=True)
            self._check_writable(user, uow.actor)
            _delete(uow, ns, user)

    def delete_by_principal_id(
        self,
        account_id: str,
        namespace: str,
        principal_id: str,
        *,
        actor: Actor,
    ) -> None:
        """Delete the user with this principal id, with their memberships and tags."""
        with UnitOfWork(self.db, actor) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            user = repository.find_user(
                uow.conn, ns, t.users.c.principal_id == principal_id, lock=True
            )
            if user is None:
                raise NotFoundError("User", principal_id)
            self._check_writable(user, uow.actor)
            _delete(uow, ns, user)

    def move(
        self,
        account_id: str,
        namespace: str,
        user_name: str,
        to_namespace: str,
        *,
        actor: Actor,
        uow: UnitOfWork | None = None,
    ) -> User:
        """Move a user into another namespace of the account (QuickSight cannot).

        The user keeps their id, principal id, role and tags; their ARN changes and their
        memberships of the old namespace's groups end (one event each), since groups
        never span namespaces. ``ConflictError`` when the name or principal id is taken
        in the target namespace.
        """
        with (
            translate_integrity_errors(UserName=user_name, PrincipalId=user_name),
            unit_of_work(self.db, actor, uow) as uow,
        ):
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            target = repository.require_namespace(uow.conn, account_id, to_namespace, lock=True)
            user = repository.require_user(uow.conn, ns, user_name, lock=True)
            self._check_writable(user, uow.actor)
            if target.namespace_id == ns.namespace_id:
                return user
            for group in _groups_of(uow, ns, user):
                repository.remove_membership(uow.conn, group.group_id, user.user_id)
                uow.emit(
                    events.membership_event(
                        events.GROUP_MEMBERSHIP_DELETED,
                        group,
                        user.user_id,
                        user.user_name,
                        user.arn,
                    )
                )
            repository.move_user(uow.conn, user.user_id, target)
            moved = replace(
                user,
                namespace=target.name,
                arn=arns.user_arn(target.capacity_region, account_id, target.name, user.user_name),
                updated_at=datetime.now(UTC),
            )
            uow.emit(
                events.user_event(events.USER_MOVED, moved, ["Namespace"], FromNamespace=ns.name)
            )
        return moved

    def rename(
        self,
        account_id: str,
        namespace: str,
        user_name: str,
        new_name: str,
        *,
        actor: Actor,
        uow: UnitOfWork | None = None,
    ) -> User:
        """Give a user a new name (provisioning follows renames in the identity store);
        ``ConflictError`` when the name is taken in the namespace."""
        name = validate_user_name(new_name)
        with (
            translate_integrity_errors(UserName=name),
            unit_of_work(self.db, actor, uow) as uow,
        ):
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            user = repository.require_user(uow.conn, ns, user_name, lock=True)
            self._check_writable(user, uow.actor)
            if user.user_name == name:
                return user
            renamed = replace(
                user,
                user_name=name,
                arn=arns.user_arn(ns.capacity_region, account_id, ns.name, name),
                updated_at=datetime.now(UTC),
            )
            repository.update_user(uow.conn, renamed)
            uow.emit(
                events.user_event(
                    events.USER_UPDATED, renamed, ["UserName"], PreviousUserName=user.user_name
                )
            )
        return renamed

    def list_groups(
        self,
        account_id: str,
        namespace: str,
        user_name: str,
        *,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[Group]:
        """The groups a user is a member of, in name order, a page at a time."""
        with self.db.read() as conn:
            ns = repository.require_namespace(conn, account_id, namespace)
            user = repository.require_user(conn, ns, user_name)
            rows, next_key = repository.page_rows(
                conn,
                repository.groups_of_user_query(user.user_id),
                t.groups.c.group_name_key,
                limit,
                after,
            )
            return Page([repository.to_group(row, ns) for row in rows], next_key)


def _principal_id(account: AccountSubscription, registration: UserRegistration) -> str:
    """IAM: derived from the IAM identity (without ``IamArn``, the account's IAM user of
    that name); Identity Center: the identity-store user id when linked; otherwise
    ``user/<directory id>/<uuid>`` as QuickSight's own users have."""
    if registration.identity_type == IdentityType.IAM:
        iam_arn = registration.iam_arn or (
            f"arn:aws:iam::{account.account_id}:user/{registration.user_name}"
        )
        return iam_principal_id(iam_arn, registration.session_name)
    if registration.identity_store_user_id is not None:
        return registration.identity_store_user_id
    return f"user/{account.directory_id}/{uuid.uuid4()}"


def _groups_of(uow: UnitOfWork, ns: Namespace, user: User) -> list[Group]:
    """The groups a loaded user is a member of."""
    return [
        repository.to_group(row, ns)
        for row in uow.conn.execute(repository.groups_of_user_query(user.user_id)).mappings()
    ]


def _delete(uow: UnitOfWork, ns: Namespace, user: User) -> None:
    """Delete a loaded user: one event per membership ended, then the user's."""
    groups = _groups_of(uow, ns, user)
    repository.delete_all_tags(uow.conn, user.user_id)
    repository.delete_user(uow.conn, user.user_id)
    for group in groups:
        uow.emit(
            events.membership_event(
                events.GROUP_MEMBERSHIP_DELETED, group, user.user_id, user.user_name, user.arn
            )
        )
    uow.emit(events.user_event(events.USER_DELETED, user))
