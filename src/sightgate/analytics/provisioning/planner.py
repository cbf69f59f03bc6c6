"""Planning provisioning: a pure function from a view of the account to commands.

``plan_user`` decides what makes one identity user's analytics side match the identity
store: ``desired_state`` says where the user should be; the plan compares it with the
directory view (the user's analytics users, users and groups whose names could clash,
the groups and memberships that matter) and returns the commands, plus notes on what it
could not do (conflicts). ``plan_groups`` follows renamed and deleted identity groups.
Nothing here reads or writes the database, so every case is tested without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sightgate.analytics.directory.model import Group, Namespace, Role, Source, User, name_key
from sightgate.analytics.mapping.desired import Desired, desired_state
from sightgate.analytics.mapping.rules import ProvisioningRules
from sightgate.analytics.mapping.truth import IdentitySnapshot
from sightgate.analytics.provisioning.commands import (
    AddMember,
    Command,
    CreateGroup,
    CreateNamespace,
    DeactivateUser,
    DeleteGroup,
    MoveUser,
    ReactivateUser,
    RegisterUser,
    RemoveMember,
    RenameGroup,
    RenameUser,
    UpdateUser,
)

NOT_LINKED = "the account is not linked to an existing Identity Center instance"
EXTRA_LINK = "another analytics user is linked to the same identity"


@dataclass(frozen=True)
class AccountView:
    """What every plan of one account needs: its link, rules, role groups, namespaces."""

    account_id: str
    store_id: str | None
    """The identity store of the instance the account is linked to (None: not linked)."""
    rules: ProvisioningRules
    role_groups: Mapping[Role, set[str]]
    namespaces: Sequence[Namespace]

    def namespace(self, name: str) -> Namespace | None:
        """The namespace called ``name`` in any letter case, if it exists."""
        key = name_key(name)
        return next((n for n in self.namespaces if name_key(n.name) == key), None)


@dataclass(frozen=True)
class DirectoryView:
    """The directory as far as one identity user's plan looks (any namespace).

    ``users``: the analytics users linked to the identity user and those whose name is
    the identity user's or a linked user's; ``groups``: the groups linked to the identity
    user's groups, named like them, or with a linked user as member; ``memberships``: the
    (group id, user id) pairs of the linked users.
    """

    users: Sequence[User] = ()
    groups: Sequence[Group] = ()
    memberships: frozenset[tuple[str, str]] = frozenset()

    def linked(self, identity_user_id: str) -> list[User]:
        """The analytics users linked to the identity user, by user id."""
        found = [u for u in self.users if u.identity_store_user_id == identity_user_id]
        return sorted(found, key=lambda u: u.user_id)

    def name_taken(self, namespace: Namespace, user_name: str, own: User | None) -> bool:
        """Whether a user other than ``own`` is called ``user_name`` in ``namespace``."""
        return any(
            _same(u.namespace, namespace.name)
            and _same(u.user_name, user_name)
            and (own is None or u.user_id != own.user_id)
            for u in self.users
        )

    def groups_in(self, namespace: Namespace | None) -> list[Group]:
        """The view's groups of ``namespace`` (none when it does not exist yet)."""
        if namespace is None:
            return []
        return [g for g in self.groups if _same(g.namespace, namespace.name)]


@dataclass(frozen=True)
class UserPlan:
    """The commands that make one identity user's analytics side right, and what blocked."""

    desired: Desired
    commands: tuple[Command, ...]
    notes: tuple[str, ...]
    """Why the user is not (or not entirely) where the rules would put them."""
    user_name: str | None


@dataclass
class _Builder:
    desired: Desired
    user_name: str | None
    commands: list[Command] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def done(self) -> UserPlan:
        return UserPlan(self.desired, tuple(self.commands), tuple(self.notes), self.user_name)


def plan_user(
    account: AccountView,
    identity_user_id: str,
    snapshot: IdentitySnapshot | None,
    directory: DirectoryView,
) -> UserPlan:
    """The commands that make the directory hold what the identity store says of one user.

    ``snapshot`` None: the identity user does not exist (or the account reads another
    store): an existing analytics user is deactivated.
    """
    existing = directory.linked(identity_user_id)
    current = next((u for u in existing if u.active), existing[0] if existing else None)
    if account.store_id is None:
        desired = Desired.absent(NOT_LINKED)
    else:
        desired = desired_state(
            snapshot.user if snapshot else None,
            snapshot.groups.values() if snapshot else (),
            account.role_groups,
            account.rules,
            current.namespace if current else None,
        )
    named = snapshot.user.user_name if snapshot else current.user_name if current else None
    plan = _Builder(desired, named)
    for extra in existing:
        if extra is not current and extra.active:
            plan.commands.append(_deactivate(extra, EXTRA_LINK))
    if desired.conflict is not None:
        plan.notes.append(desired.reason)
    if not desired.provisioned or snapshot is None or desired.namespace is None:
        if current is not None and current.active:
            plan.commands.append(_deactivate(current, desired.reason))
        return plan.done()

    target = account.namespace(desired.namespace)
    if target is None and not desired.create_namespace:
        plan.notes.append(
            f"namespace {desired.namespace} does not exist and its rule does not create it"
        )
        if current is None:
            return plan.done()
        target = account.namespace(current.namespace)
    elif target is None:
        plan.commands.append(
            CreateNamespace(account_id=account.account_id, namespace=desired.namespace)
        )
    if current is None:
        _plan_new_user(plan, account, target, snapshot, directory)
    else:
        _plan_existing_user(plan, account, target, current, snapshot, directory)
    return plan.done()


def _plan_new_user(
    plan: _Builder,
    account: AccountView,
    target: Namespace | None,
    snapshot: IdentitySnapshot,
    directory: DirectoryView,
) -> None:
    """Register the user in ``target`` (None: being created), with their groups."""
    view, desired = snapshot.user, plan.desired
    assert desired.namespace is not None and desired.role is not None
    namespace = target.name if target else desired.namespace
    if target is not None and directory.name_taken(target, view.user_name, None):
        plan.notes.append(
            f"user name {view.user_name} is taken in namespace {namespace} by a user "
            "not provisioned from this identity: not provisioned"
        )
        return
    plan.commands.append(
        RegisterUser(
            account_id=account.account_id,
            namespace=namespace,
            identity_store_user_id=view.user_id,
            user_name=view.user_name,
            role=desired.role,
            email=view.email,
        )
    )
    _plan_memberships(plan, account, target, None, view.user_name, snapshot, directory)


def _plan_existing_user(
    plan: _Builder,
    account: AccountView,
    target: Namespace | None,
    current: User,
    snapshot: IdentitySnapshot,
    directory: DirectoryView,
) -> None:
    """Move, rename, update or reactivate ``current``, and fix their memberships."""
    view, desired = snapshot.user, plan.desired
    assert desired.namespace is not None and desired.role is not None
    namespace = target.name if target else desired.namespace
    user_ns, user_name, fresh = current.namespace, current.user_name, False
    if not _same(current.namespace, namespace):
        if target is not None and directory.name_taken(target, current.user_name, current):
            plan.notes.append(
                f"cannot move {current.user_name} to {namespace}: the name is taken there"
            )
        else:
            plan.commands.append(
                MoveUser(
                    account_id=account.account_id,
                    namespace=current.namespace,
                    identity_store_user_id=current.identity_store_user_id,
                    user_name=current.user_name,
                    to_namespace=namespace,
                )
            )
            user_ns, fresh = namespace, True
    ns_after = target if _same(user_ns, namespace) else account.namespace(user_ns)
    if current.user_name != view.user_name:
        if ns_after is not None and directory.name_taken(ns_after, view.user_name, current):
            plan.notes.append(f"cannot rename {current.user_name} to {view.user_name}: taken")
        else:
            plan.commands.append(
                RenameUser(
                    account_id=account.account_id,
                    namespace=user_ns,
                    identity_store_user_id=current.identity_store_user_id,
                    user_name=current.user_name,
                    new_name=view.user_name,
                )
            )
            user_name = view.user_name
    if current.role != desired.role or current.email != view.email or not current.active:
        kind = UpdateUser if current.active else ReactivateUser
        plan.commands.append(
            kind(
                account_id=account.account_id,
                namespace=user_ns,
                identity_store_user_id=current.identity_store_user_id,
                user_name=user_name,
                role=desired.role,
                email=view.email,
                previous_role=current.role,
                previous_email=current.email,
            )
        )
    member = None if fresh else current
    _plan_memberships(plan, account, ns_after, member, user_name, snapshot, directory)


def _plan_memberships(
    plan: _Builder,
    account: AccountView,
    namespace: Namespace | None,
    member: User | None,
    user_name: str,
    snapshot: IdentitySnapshot,
    directory: DirectoryView,
) -> None:
    """Memberships of the user's identity groups in the namespace they end up in.

    ``namespace`` None: it is being created; ``member`` None: the user is new there
    (registered or moved in), so they are in no group of it yet.
    """
    assert plan.desired.namespace is not None
    account_id = account.account_id
    ns_name = namespace.name if namespace else plan.desired.namespace
    wanted = {gid: name for gid, name in snapshot.groups.items() if name in plan.desired.groups}
    in_ns = directory.groups_in(namespace)
    by_identity = {
        g.identity_store_group_id: g for g in in_ns if g.source is Source.IDENTITY_SOURCE
    }
    by_name = {name_key(g.group_name): g for g in in_ns}
    memberships = (
        {gid for gid, uid in directory.memberships if uid == member.user_id}
        if member is not None
        else set()
    )

    def add(group_name: str) -> None:
        plan.commands.append(
            AddMember(
                account_id=account_id,
                namespace=ns_name,
                group_name=group_name,
                user_name=user_name,
            )
        )

    kept: set[str] = set()
    for gid, name in sorted(wanted.items(), key=lambda item: name_key(item[1])):
        group = by_identity.get(gid)
        clash = by_name.get(name_key(name))
        if group is not None:
            kept.add(group.group_id)
            effective = group.group_name
            if group.group_name != name:
                if clash is not None and clash.group_id != group.group_id:
                    plan.notes.append(f"cannot rename group {group.group_name} to {name}: taken")
                else:
                    plan.commands.append(_rename_group(account_id, ns_name, group, name))
                    effective = name
            if group.group_id not in memberships:
                add(effective)
        elif clash is not None and clash.source is not Source.IDENTITY_SOURCE:
            plan.notes.append(
                f"group {name} exists in {ns_name} and is managed through the API: "
                "membership not provisioned"
            )
        elif clash is not None:  # an identity-source group of the same name: use it
            kept.add(clash.group_id)
            if clash.group_id not in memberships:
                add(clash.group_name)
        else:
            plan.commands.append(
                CreateGroup(
                    account_id=account_id,
                    namespace=ns_name,
                    group_name=name,
                    identity_store_group_id=gid,
                )
            )
            add(name)
    for group in sorted(in_ns, key=lambda g: name_key(g.group_name)):
        if (
            group.group_id in memberships
            and group.group_id not in kept
            and group.source is Source.IDENTITY_SOURCE
        ):
            plan.commands.append(
                RemoveMember(
                    account_id=account_id,
                    namespace=ns_name,
                    group_name=group.group_name,
                    user_name=user_name,
                )
            )


def plan_groups(
    account_id: str,
    groups: Iterable[Group],
    identity_names: Mapping[str, str],
    *,
    only: str | None = None,
) -> list[Command]:
    """Rename analytics groups whose identity group was renamed; delete those whose
    identity group is gone (with their memberships, as the identity store did).

    ``groups``: the identity-source groups to follow plus any group whose name a rename
    could clash with; ``identity_names``: identity group id -> display name of those that
    exist; ``only``: follow just the groups linked to this identity group.
    """
    groups = list(groups)
    commands: list[Command] = []
    for group in groups:
        gid = group.identity_store_group_id
        if gid is None or group.source is not Source.IDENTITY_SOURCE:
            continue
        if only is not None and gid != only:
            continue
        name = identity_names.get(gid)
        if name is None:
            commands.append(
                DeleteGroup(
                    account_id=account_id, namespace=group.namespace, group_name=group.group_name
                )
            )
        elif name != group.group_name and not any(
            _same(g.namespace, group.namespace)
            and _same(g.group_name, name)
            and g.group_id != group.group_id
            for g in groups
        ):
            commands.append(_rename_group(account_id, group.namespace, group, name))
    return commands


def _deactivate(user: User, reason: str) -> DeactivateUser:
    return DeactivateUser(
        account_id=user.account_id,
        namespace=user.namespace,
        identity_store_user_id=user.identity_store_user_id,
        user_name=user.user_name,
        role=user.role,
        email=user.email,
        reason=reason,
    )


def _rename_group(account_id: str, namespace: str, group: Group, name: str) -> RenameGroup:
    return RenameGroup(
        account_id=account_id, namespace=namespace, group_name=group.group_name, new_name=name
    )


def _same(a: str, b: str) -> bool:
    """Names compared as the directory does (any letter case)."""
    return name_key(a) == name_key(b)
