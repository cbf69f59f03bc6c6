"""Making the analytics directory match the identity store, one identity user at a time.

``ProvisioningService.sync_user`` reads the identity truth *now*, computes
``desired_state``, compares it with the directory and applies the smallest set of
changes through the directory services (as ``system:provisioning``, allowed to change
identity-source users and groups). Because it compares states instead of replaying
events, it is idempotent: a redelivered or duplicated event finds nothing to do.

Planning and applying are separate (a plan is a list of ``Difference``\\ s, each with the
call that removes it), so ``reconcile --dry-run`` shows exactly what a repair would do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, text

from sightgate.analytics.directory import repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.model import (
    AccountSubscription,
    Group,
    IdentityType,
    Namespace,
    Role,
    Source,
    User,
    UserRegistration,
    UserUpdate,
    name_key,
)
from sightgate.analytics.directory.services import Directory
from sightgate.analytics.directory.transactions import unit_of_work
from sightgate.analytics.mapping.desired import Desired, desired_state
from sightgate.analytics.mapping.rules import ProvisioningRules
from sightgate.analytics.mapping.rules_service import RulesService
from sightgate.analytics.mapping.truth import IdentitySnapshot, IdentityTruth
from sightgate.analytics.provisioning import events
from sightgate.platform.db import Database
from sightgate.platform.events import PROVISIONING, events_table
from sightgate.platform.uow import UnitOfWork

NOT_LINKED = "the account is not linked to an existing Identity Center instance"


@dataclass(frozen=True)
class Difference:
    """One way the directory differs from what the identity store says it should be.

    ``kind``: create-namespace, register, move, rename, update, deactivate, reactivate,
    create-group, rename-group, delete-group, add-member, remove-member.
    """

    kind: str
    account_id: str
    namespace: str | None
    name: str
    detail: str
    identity_store_user_id: str | None = None

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


Apply = Callable[[UnitOfWork], None]


@dataclass
class _Plan:
    """The steps that make one identity user's analytics side right, and what blocked."""

    desired: Desired
    steps: list[tuple[Difference, Apply]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    user_name: str | None = None

    def add(self, difference: Difference, apply: Apply) -> None:
        self.steps.append((difference, apply))


@dataclass(frozen=True)
class SyncResult:
    """What ``sync_user`` found and did."""

    account_id: str
    identity_store_user_id: str
    desired: Desired
    changes: tuple[Difference, ...]
    conflicts: tuple[str, ...]
    """Why the user is not (or not entirely) where the rules would put them."""


@dataclass(frozen=True)
class _Context:
    """What every plan of one account needs, read once per transaction."""

    account: AccountSubscription
    store_id: str | None
    rules: ProvisioningRules
    role_groups: dict[Role, set[str]]


class ProvisioningService:
    """Applies identity truth to the analytics directory: per user, per group, per account."""

    def __init__(
        self, db: Database, directory: Directory, truth: IdentityTruth, rules: RulesService
    ) -> None:
        self.db = db
        self.directory = directory
        self.truth = truth
        self.rules = rules

    # -- entry points --------------------------------------------------------------------

    def linked_accounts(self, store_id: str, conn: Connection | None = None) -> list[str]:
        """The accounts whose identity source is the instance owning ``store_id``."""
        arn = self.truth.instance_arn_of(store_id)
        return self.accounts_of_instance(arn, conn) if arn else []

    def accounts_of_instance(self, instance_arn: str, conn: Connection | None = None) -> list[str]:
        """The accounts whose identity source is the instance ``instance_arn``."""
        if conn is not None:
            return repository.accounts_linked_to(conn, instance_arn)
        with self.db.read() as own:
            return repository.accounts_linked_to(own, instance_arn)

    def sync_user(
        self,
        account_id: str,
        store_id: str,
        identity_user_id: str,
        *,
        uow: UnitOfWork | None = None,
    ) -> SyncResult:
        """Make one identity user's analytics side match the identity store now.

        ``store_id`` is the store the caller believes the account uses; when the account
        is linked to another store (or none), the user is treated as gone from it.
        """
        with unit_of_work(self.db, PROVISIONING, uow) as work:
            lock_account(work.conn, account_id)
            ctx = self._context(work.conn, account_id)
            snapshot = (
                self.truth.snapshot(store_id, identity_user_id)
                if ctx.store_id == store_id
                else None
            )
            plan = self._plan_user(work.conn, ctx, identity_user_id, snapshot)
            self._apply(work, ctx, identity_user_id, plan)
        return SyncResult(
            account_id,
            identity_user_id,
            plan.desired,
            tuple(d for d, _ in plan.steps),
            tuple(plan.notes),
        )

    def sync_group(
        self,
        account_id: str,
        store_id: str,
        identity_group_id: str,
        *,
        uow: UnitOfWork | None = None,
    ) -> list[Difference]:
        """Follow a renamed or deleted identity group in every namespace of the account."""
        with unit_of_work(self.db, PROVISIONING, uow) as work:
            lock_account(work.conn, account_id)
            ctx = self._context(work.conn, account_id)
            group = (
                self.truth.group(store_id, identity_group_id) if ctx.store_id == store_id else None
            )
            steps = self._plan_groups(
                work.conn,
                account_id,
                repository.identity_source_groups(work.conn, account_id, identity_group_id),
                {identity_group_id: group.display_name} if group else {},
            )
            for _, apply in steps:
                apply(work)
        return [d for d, _ in steps]

    def reconcile(
        self, account_id: str, *, dry_run: bool = False, uow: UnitOfWork | None = None
    ) -> list[Difference]:
        """Recompute every identity user's desired state and list (and, unless
        ``dry_run``, repair) the differences; an empty list means all is in order."""
        differences: list[Difference] = []
        with unit_of_work(self.db, PROVISIONING, uow) as work:
            lock_account(work.conn, account_id)
            ctx = self._context(work.conn, account_id)
            snapshots, groups = self.truth.everything(ctx.store_id) if ctx.store_id else ({}, {})
            group_steps = self._plan_groups(
                work.conn,
                account_id,
                repository.identity_source_groups(work.conn, account_id),
                groups,
            )
            for difference, apply in group_steps:
                differences.append(difference)
                if not dry_run:
                    apply(work)
            linked = {
                u.identity_store_user_id
                for u in repository.identity_source_users(work.conn, account_id)
                if u.identity_store_user_id is not None
            }
            for user_id in sorted(set(snapshots) | linked):
                plan = self._plan_user(work.conn, ctx, user_id, snapshots.get(user_id))
                differences.extend(d for d, _ in plan.steps)
                if not dry_run:
                    self._apply(work, ctx, user_id, plan)
        return _unique(differences)

    # -- planning ------------------------------------------------------------------------

    def _context(self, conn: Connection, account_id: str) -> _Context:
        account = repository.require_account(conn, account_id)
        return _Context(
            account=account,
            store_id=self.truth.store_of(account),
            rules=self.rules.get(account_id, conn=conn),
            role_groups=repository.account_role_groups(conn, account_id),
        )

    def _plan_user(
        self,
        conn: Connection,
        ctx: _Context,
        identity_user_id: str,
        snapshot: IdentitySnapshot | None,
    ) -> _Plan:
        account_id = ctx.account.account_id
        existing = repository.identity_source_users(conn, account_id, identity_user_id)
        current = next((u for u in existing if u.active), existing[0] if existing else None)
        if ctx.store_id is None:
            desired = Desired.absent(NOT_LINKED)
        else:
            desired = desired_state(
                snapshot.user if snapshot else None,
                snapshot.groups.values() if snapshot else (),
                ctx.role_groups,
                ctx.rules,
                current.namespace if current else None,
            )
        plan = _Plan(desired, user_name=snapshot.user.user_name if snapshot else None)
        if plan.user_name is None and current is not None:
            plan.user_name = current.user_name
        for extra in existing:
            if extra is not current and extra.active:
                self._deactivate(
                    plan, extra, "another analytics user is linked to the same identity"
                )
        if desired.conflict is not None:
            plan.notes.append(desired.reason)
        if not desired.provisioned or snapshot is None or desired.namespace is None:
            if current is not None and current.active:
                self._deactivate(plan, current, desired.reason)
            return plan

        target = repository.find_namespace(conn, account_id, desired.namespace)
        if target is None and not desired.create_namespace:
            plan.notes.append(
                f"namespace {desired.namespace} does not exist and its rule does not create it"
            )
            if current is None:
                return plan
            target = repository.find_namespace(conn, account_id, current.namespace)
        elif target is None:
            self._create_namespace(plan, account_id, desired.namespace)
        namespace = target.name if target else desired.namespace
        view = snapshot.user
        assert desired.role is not None

        if current is None:
            if target is not None and _other_user_named(conn, target, view.user_name, None):
                plan.notes.append(
                    f"user name {view.user_name} is taken in namespace {namespace} by a user "
                    "not provisioned from this identity: not provisioned"
                )
                return plan
            self._register(
                plan, account_id, namespace, view.user_id, view.user_name, desired.role, view.email
            )
            self._plan_groups_of_user(
                conn, plan, account_id, target, None, view.user_name, snapshot
            )
            return plan

        user_ns, user_name, fresh = current.namespace, current.user_name, False
        if name_key(current.namespace) != name_key(namespace):
            if target is not None and _other_user_named(conn, target, current.user_name, current):
                plan.notes.append(
                    f"cannot move {current.user_name} to {namespace}: the name is taken there"
                )
            else:
                self._move(plan, current, namespace)
                user_ns, fresh = namespace, True
        if current.user_name != view.user_name:
            in_ns = target if name_key(user_ns) == name_key(namespace) else None
            in_ns = in_ns or repository.find_namespace(conn, account_id, user_ns)
            if in_ns is not None and _other_user_named(conn, in_ns, view.user_name, current):
                plan.notes.append(f"cannot rename {current.user_name} to {view.user_name}: taken")
            else:
                self._rename(plan, account_id, user_ns, current.user_name, view.user_name)
                user_name = view.user_name
        if current.role != desired.role or current.email != view.email or not current.active:
            self._update(plan, current, user_ns, user_name, desired.role, view.email)
        ns_after = (
            target
            if name_key(user_ns) == name_key(namespace)
            else repository.find_namespace(conn, account_id, user_ns)
        )
        self._plan_groups_of_user(
            conn, plan, account_id, ns_after, None if fresh else current, user_name, snapshot
        )
        return plan

    def _plan_groups_of_user(
        self,
        conn: Connection,
        plan: _Plan,
        account_id: str,
        namespace: Namespace | None,
        member: User | None,
        user_name: str,
        snapshot: IdentitySnapshot,
    ) -> None:
        """Memberships of the user's identity groups in the namespace they end up in.

        ``namespace`` None: it is being created; ``member`` None: the user is new there
        (registered or moved in), so they are in no group of it yet.
        """
        assert plan.desired.namespace is not None
        ns_name = namespace.name if namespace else plan.desired.namespace
        wanted = {gid: name for gid, name in snapshot.groups.items() if name in plan.desired.groups}
        in_ns = _groups_in(conn, namespace)
        by_identity = {
            g.identity_store_group_id: g for g in in_ns if g.source is Source.IDENTITY_SOURCE
        }
        by_name = {name_key(g.group_name): g for g in in_ns}
        memberships = (
            {g.group_id for g in _groups_of_user(conn, namespace, member)}
            if member is not None and namespace is not None
            else set()
        )
        kept: set[str] = set()
        for gid, name in sorted(wanted.items(), key=lambda item: name_key(item[1])):
            group = by_identity.get(gid)
            if group is not None:
                kept.add(group.group_id)
                effective = group.group_name
                if group.group_name != name:
                    clash = by_name.get(name_key(name))
                    if clash is not None and clash.group_id != group.group_id:
                        plan.notes.append(
                            f"cannot rename group {group.group_name} to {name}: taken"
                        )
                    else:
                        self._rename_group(plan, account_id, ns_name, group.group_name, name)
                        effective = name
                if group.group_id not in memberships:
                    self._add_member(plan, account_id, ns_name, effective, user_name)
                continue
            clash = by_name.get(name_key(name))
            if clash is not None and clash.source is not Source.IDENTITY_SOURCE:
                plan.notes.append(
                    f"group {name} exists in {ns_name} and is managed through the API: "
                    "membership not provisioned"
                )
                continue
            if clash is not None:  # an identity-source group of the same name: use it
                kept.add(clash.group_id)
                if clash.group_id not in memberships:
                    self._add_member(plan, account_id, ns_name, clash.group_name, user_name)
                continue
            self._create_group(plan, account_id, ns_name, name, gid)
            self._add_member(plan, account_id, ns_name, name, user_name)
        for group in in_ns:
            if (
                group.group_id in memberships
                and group.group_id not in kept
                and group.source is Source.IDENTITY_SOURCE
            ):
                self._remove_member(plan, account_id, ns_name, group.group_name, user_name)

    def _plan_groups(
        self,
        conn: Connection,
        account_id: str,
        groups: Iterable[Group],
        identity_names: dict[str, str],
    ) -> list[tuple[Difference, Apply]]:
        """Rename analytics groups whose identity group was renamed; delete those whose
        identity group is gone (with their memberships, as the identity store did)."""
        plan = _Plan(Desired.absent("group sync"))
        for group in groups:
            gid = group.identity_store_group_id
            if gid is None:
                continue
            name = identity_names.get(gid)
            if name is None:
                self._delete_group(plan, account_id, group.namespace, group.group_name)
            elif name != group.group_name:
                namespace = repository.find_namespace(conn, account_id, group.namespace)
                if not any(
                    name_key(g.group_name) == name_key(name) and g.group_id != group.group_id
                    for g in _groups_in(conn, namespace)
                ):
                    self._rename_group(plan, account_id, group.namespace, group.group_name, name)
        return plan.steps

    # -- steps ---------------------------------------------------------------------------

    def _create_namespace(self, plan: _Plan, account_id: str, namespace: str) -> None:
        plan.add(
            Difference("create-namespace", account_id, namespace, namespace, "a rule creates it"),
            lambda uow: _ignore(
                self.directory.namespaces.create(account_id, namespace, actor=PROVISIONING, uow=uow)
            ),
        )

    def _register(
        self,
        plan: _Plan,
        account_id: str,
        namespace: str,
        identity_user_id: str,
        user_name: str,
        role: Role,
        email: str,
    ) -> None:
        registration = UserRegistration(
            identity_type=IdentityType.IAM_IDENTITY_CENTER,
            email=email,
            user_role=role,
            user_name=user_name,
            identity_store_user_id=identity_user_id,
        )
        plan.add(
            Difference(
                "register", account_id, namespace, user_name, f"as {role}", identity_user_id
            ),
            lambda uow: _ignore(
                self.directory.users.register(
                    account_id,
                    namespace,
                    registration,
                    actor=PROVISIONING,
                    source=Source.IDENTITY_SOURCE,
                    uow=uow,
                )
            ),
        )

    def _deactivate(self, plan: _Plan, user: User, reason: str) -> None:
        update = UserUpdate(email=user.email, role=user.role, active=False)
        plan.add(
            Difference(
                "deactivate",
                user.account_id,
                user.namespace,
                user.user_name,
                reason,
                user.identity_store_user_id,
            ),
            lambda uow: _ignore(
                self.directory.users.update(
                    user.account_id,
                    user.namespace,
                    user.user_name,
                    update,
                    actor=PROVISIONING,
                    uow=uow,
                )
            ),
        )

    def _move(self, plan: _Plan, user: User, namespace: str) -> None:
        plan.add(
            Difference(
                "move",
                user.account_id,
                user.namespace,
                user.user_name,
                f"to namespace {namespace}",
                user.identity_store_user_id,
            ),
            lambda uow: _ignore(
                self.directory.users.move(
                    user.account_id,
                    user.namespace,
                    user.user_name,
                    namespace,
                    actor=PROVISIONING,
                    uow=uow,
                )
            ),
        )

    def _rename(self, plan: _Plan, account_id: str, namespace: str, old: str, new: str) -> None:
        plan.add(
            Difference("rename", account_id, namespace, old, f"renamed to {new}"),
            lambda uow: _ignore(
                self.directory.users.rename(
                    account_id,
                    namespace,
                    old,
                    new,
                    actor=PROVISIONING,
                    uow=uow,
                )
            ),
        )

    def _update(
        self, plan: _Plan, user: User, namespace: str, user_name: str, role: Role, email: str
    ) -> None:
        what = [
            label
            for label, differs in (
                (f"role {user.role} -> {role}", user.role != role),
                (f"e-mail -> {email}", user.email != email),
                ("reactivated", not user.active),
            )
            if differs
        ]
        kind = "reactivate" if not user.active else "update"
        update = UserUpdate(email=email, role=role, active=True)
        plan.add(
            Difference(
                kind,
                user.account_id,
                namespace,
                user_name,
                "; ".join(what),
                user.identity_store_user_id,
            ),
            lambda uow: _ignore(
                self.directory.users.update(
                    user.account_id,
                    namespace,
                    user_name,
                    update,
                    actor=PROVISIONING,
                    uow=uow,
                )
            ),
        )

    def _create_group(
        self, plan: _Plan, account_id: str, namespace: str, name: str, identity_group_id: str
    ) -> None:
        plan.add(
            Difference("create-group", account_id, namespace, name, "from the identity store"),
            lambda uow: _ignore(
                self.directory.groups.create(
                    account_id,
                    namespace,
                    name,
                    actor=PROVISIONING,
                    source=Source.IDENTITY_SOURCE,
                    identity_store_group_id=identity_group_id,
                    uow=uow,
                )
            ),
        )

    def _rename_group(
        self, plan: _Plan, account_id: str, namespace: str, old: str, new: str
    ) -> None:
        plan.add(
            Difference("rename-group", account_id, namespace, old, f"renamed to {new}"),
            lambda uow: _ignore(
                self.directory.groups.rename(
                    account_id,
                    namespace,
                    old,
                    new,
                    actor=PROVISIONING,
                    uow=uow,
                )
            ),
        )

    def _delete_group(self, plan: _Plan, account_id: str, namespace: str, name: str) -> None:
        plan.add(
            Difference("delete-group", account_id, namespace, name, "the identity group is gone"),
            lambda uow: self.directory.groups.delete(
                account_id,
                namespace,
                name,
                actor=PROVISIONING,
                uow=uow,
            ),
        )

    def _add_member(
        self, plan: _Plan, account_id: str, namespace: str, group: str, user_name: str
    ) -> None:
        plan.add(
            Difference("add-member", account_id, namespace, user_name, f"to group {group}"),
            lambda uow: _ignore(
                self.directory.memberships.create(
                    account_id,
                    namespace,
                    group,
                    user_name,
                    actor=PROVISIONING,
                    uow=uow,
                )
            ),
        )

    def _remove_member(
        self, plan: _Plan, account_id: str, namespace: str, group: str, user_name: str
    ) -> None:
        plan.add(
            Difference("remove-member", account_id, namespace, user_name, f"from group {group}"),
            lambda uow: self.directory.memberships.delete(
                account_id,
                namespace,
                group,
                user_name,
                actor=PROVISIONING,
                uow=uow,
            ),
        )

    # -- applying ------------------------------------------------------------------------

    def _apply(self, uow: UnitOfWork, ctx: _Context, identity_user_id: str, plan: _Plan) -> None:
        """Run the plan's steps and record why (the audit trail of this user)."""
        account_id = ctx.account.account_id
        for _, apply in plan.steps:
            apply(uow)
        desired = plan.desired
        if plan.steps:
            uow.emit(
                events.applied_event(
                    account_id,
                    identity_user_id,
                    plan.user_name,
                    desired.namespace,
                    desired.role.value if desired.role else None,
                    desired.provisioned,
                    desired.reason,
                    [f"{d.kind} {d.name}: {d.detail}" for d, _ in plan.steps],
                )
            )
        if plan.notes:
            reason = "; ".join(dict.fromkeys(plan.notes))
            if plan.steps or _last_conflict(uow.conn, account_id, identity_user_id) != reason:
                current = desired.namespace if desired.provisioned else None
                uow.emit(
                    events.conflict_event(
                        account_id,
                        identity_user_id,
                        plan.user_name,
                        current,
                        desired.conflict or (),
                        reason,
                    )
                )


# -- helpers -----------------------------------------------------------------------------


def lock_account(conn: Connection, account_id: str) -> None:
    """Serialise provisioning of one account across processes (PostgreSQL advisory lock
    until commit); SQLite's write transactions are serialised already.

    One lock per account rather than per user: a reconcile touches many users, and
    taking many locks in varying order could deadlock with the worker.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"sightgate:provisioning:{account_id}"},
        )


def _ignore(_: object) -> None:
    """Steps return nothing; the services' return values are not needed."""


def _other_user_named(
    conn: Connection, namespace: Namespace, user_name: str, own: User | None
) -> bool:
    """Whether another user than ``own`` has ``user_name`` in the namespace."""
    found = repository.find_user(conn, namespace, t.users.c.user_name_key == name_key(user_name))
    return found is not None and (own is None or found.user_id != own.user_id)


def _groups_in(conn: Connection, namespace: Namespace | None) -> list[Group]:
    if namespace is None:
        return []
    rows = conn.execute(repository.group_query(namespace)).mappings()
    return [repository.to_group(row, namespace) for row in rows]


def _groups_of_user(conn: Connection, namespace: Namespace, user: User) -> list[Group]:
    rows = conn.execute(repository.groups_of_user_query(user.user_id)).mappings()
    return [repository.to_group(row, namespace) for row in rows]


def _last_conflict(conn: Connection, account_id: str, identity_user_id: str) -> str | None:
    """The reason of the latest provisioning record of this user when it is a conflict,
    so a persisting conflict is recorded once, not at every reconcile."""
    e = events_table
    row = conn.execute(
        select(e.c.type, e.c.payload)
        .where(
            e.c.aggregate_type == "IdentityUser",
            e.c.aggregate_id == identity_user_id,
            e.c.scope == account_id,
        )
        .order_by(e.c.position.desc())
        .limit(1)
    ).first()
    if row is None or row[0] != events.PROVISIONING_CONFLICT:
        return None
    reason = row[1].get("Reason")
    return reason if isinstance(reason, str) else None


def _unique(differences: list[Difference]) -> list[Difference]:
    """Differences in order, each once (two users can plan the same group)."""
    return list(dict.fromkeys(differences))
