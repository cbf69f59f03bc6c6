"""Provisioning's plan as typed commands: each is one change to the directory, and the
difference ``reconcile --dry-run`` prints.

A planner (``planner.py``) returns commands without touching anything; ``apply`` is the
one place that turns a command into its directory call, always in the caller's unit of
work (whose actor is ``system:provisioning``: the directory lets only that actor change
identity-source users, groups and memberships). So what a dry run shows is exactly what a
repair does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, assert_never

from sightgate.analytics.directory.model import IdentityType, Role, Source, UserRegistration
from sightgate.analytics.directory.model import UserUpdate as DirectoryUserUpdate
from sightgate.analytics.directory.services import Directory
from sightgate.platform.events import PROVISIONING
from sightgate.platform.uow import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class _Change:
    """What every command has: where it acts, and how it reads as a difference."""

    kind: ClassVar[str]
    account_id: str
    namespace: str
    identity_store_user_id: str | None = None

    @property
    def name(self) -> str:
        """The user, group or namespace the change is about."""
        raise NotImplementedError

    @property
    def detail(self) -> str:
        """What changes, in words."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line for ``ProvisioningApplied.Changes``."""
        return f"{self.kind} {self.name}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``provisioning reconcile --json``)."""
        return {
            "Kind": self.kind,
            "AwsAccountId": self.account_id,
            "Namespace": self.namespace,
            "Name": self.name,
            "Detail": self.detail,
            "IdentityStoreUserId": self.identity_store_user_id,
        }


@dataclass(frozen=True, kw_only=True)
class CreateNamespace(_Change):
    """A rule puts users in a namespace that does not exist and may create it."""

    kind: ClassVar[str] = "create-namespace"

    @property
    def name(self) -> str:
        return self.namespace

    @property
    def detail(self) -> str:
        return "a rule creates it"


@dataclass(frozen=True, kw_only=True)
class RegisterUser(_Change):
    """A new analytics user for an identity user."""

    kind: ClassVar[str] = "register"
    user_name: str
    role: Role
    email: str

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def detail(self) -> str:
        return f"as {self.role}"


@dataclass(frozen=True, kw_only=True)
class MoveUser(_Change):
    """The user's groups now put them in another namespace (``namespace`` is the one they
    leave)."""

    kind: ClassVar[str] = "move"
    user_name: str
    to_namespace: str

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def detail(self) -> str:
        return f"to namespace {self.to_namespace}"


@dataclass(frozen=True, kw_only=True)
class RenameUser(_Change):
    """The identity user was renamed."""

    kind: ClassVar[str] = "rename"
    user_name: str
    new_name: str

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def detail(self) -> str:
        return f"renamed to {self.new_name}"


@dataclass(frozen=True, kw_only=True)
class UpdateUser(_Change):
    """An active user's role or e-mail differs from the identity store's."""

    kind: ClassVar[str] = "update"
    user_name: str
    role: Role
    email: str
    previous_role: Role
    previous_email: str

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def detail(self) -> str:
        return "; ".join(self._changes())

    def _changes(self) -> list[str]:
        found = []
        if self.role != self.previous_role:
            found.append(f"role {self.previous_role} -> {self.role}")
        if self.email != self.previous_email:
            found.append(f"e-mail -> {self.email}")
        return found


@dataclass(frozen=True, kw_only=True)
class ReactivateUser(UpdateUser):
    """A deactivated user may use the account again (with the role and e-mail given)."""

    kind: ClassVar[str] = "reactivate"

    def _changes(self) -> list[str]:
        return [*super()._changes(), "reactivated"]


@dataclass(frozen=True, kw_only=True)
class DeactivateUser(_Change):
    """The user may no longer use the account; deactivated, never deleted (their assets
    stay). ``role`` and ``email`` are kept as they are."""

    kind: ClassVar[str] = "deactivate"
    user_name: str
    role: Role
    email: str
    reason: str

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def detail(self) -> str:
        return self.reason


@dataclass(frozen=True, kw_only=True)
class CreateGroup(_Change):
    """An identity group of a provisioned user, as a read-only analytics group."""

    kind: ClassVar[str] = "create-group"
    group_name: str
    identity_store_group_id: str

    @property
    def name(self) -> str:
        return self.group_name

    @property
    def detail(self) -> str:
        return "from the identity store"


@dataclass(frozen=True, kw_only=True)
class RenameGroup(_Change):
    """The identity group was renamed: same analytics group, new name."""

    kind: ClassVar[str] = "rename-group"
    group_name: str
    new_name: str

    @property
    def name(self) -> str:
        return self.group_name

    @property
    def detail(self) -> str:
        return f"renamed to {self.new_name}"


@dataclass(frozen=True, kw_only=True)
class DeleteGroup(_Change):
    """The identity group is gone (its memberships go with it)."""

    kind: ClassVar[str] = "delete-group"
    group_name: str

    @property
    def name(self) -> str:
        return self.group_name

    @property
    def detail(self) -> str:
        return "the identity group is gone"


@dataclass(frozen=True, kw_only=True)
class AddMember(_Change):
    """The user is in the identity group, not yet in its analytics group."""

    kind: ClassVar[str] = "add-member"
    group_name: str
    user_name: str

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def detail(self) -> str:
        return f"to group {self.group_name}"


@dataclass(frozen=True, kw_only=True)
class RemoveMember(_Change):
    """The user left the identity group."""

    kind: ClassVar[str] = "remove-member"
    group_name: str
    user_name: str

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def detail(self) -> str:
        return f"from group {self.group_name}"


Command = (
    CreateNamespace
    | RegisterUser
    | MoveUser
    | RenameUser
    | UpdateUser
    | ReactivateUser
    | DeactivateUser
    | CreateGroup
    | RenameGroup
    | DeleteGroup
    | AddMember
    | RemoveMember
)
"""Every change provisioning makes (``ReactivateUser`` is an ``UpdateUser``)."""


def apply(directory: Directory, command: Command, uow: UnitOfWork) -> None:
    """Make the change ``command`` describes, in ``uow`` (the one dispatch from command
    to directory call; mypy checks that it covers every command)."""
    users, groups, members = directory.users, directory.groups, directory.memberships
    account, namespace = command.account_id, command.namespace
    actor = PROVISIONING
    match command:
        case CreateNamespace():
            directory.namespaces.create(account, namespace, actor=actor, uow=uow)
        case RegisterUser():
            registration = UserRegistration(
                identity_type=IdentityType.IAM_IDENTITY_CENTER,
                email=command.email,
                user_role=command.role,
                user_name=command.user_name,
                identity_store_user_id=command.identity_store_user_id,
            )
            users.register(
                account,
                namespace,
                registration,
                actor=actor,
                source=Source.IDENTITY_SOURCE,
                uow=uow,
            )
        case MoveUser():
            users.move(
                account, namespace, command.user_name, command.to_namespace, actor=actor, uow=uow
            )
        case RenameUser():
            users.rename(
                account, namespace, command.user_name, command.new_name, actor=actor, uow=uow
            )
        case UpdateUser():  # and ReactivateUser
            update = DirectoryUserUpdate(email=command.email, role=command.role, active=True)
            users.update(account, namespace, command.user_name, update, actor=actor, uow=uow)
        case DeactivateUser():
            update = DirectoryUserUpdate(email=command.email, role=command.role, active=False)
            users.update(account, namespace, command.user_name, update, actor=actor, uow=uow)
        case CreateGroup():
            groups.create(
                account,
                namespace,
                command.group_name,
                actor=actor,
                source=Source.IDENTITY_SOURCE,
                identity_store_group_id=command.identity_store_group_id,
                uow=uow,
            )
        case RenameGroup():
            groups.rename(
                account, namespace, command.group_name, command.new_name, actor=actor, uow=uow
            )
        case DeleteGroup():
            groups.delete(account, namespace, command.group_name, actor=actor, uow=uow)
        case AddMember():
            members.create(
                account, namespace, command.group_name, command.user_name, actor=actor, uow=uow
            )
        case RemoveMember():
            members.delete(
                account, namespace, command.group_name, command.user_name, actor=actor, uow=uow
            )
        case _:
            assert_never(command)
