"""Making the analytics directory match the identity store, one identity user at a time.

``ProvisioningService.sync_user`` reads the identity truth *now*, loads a view of the
account (``view.py``, a few statements), lets the pure planner (``planner.py``) compare
``desired_state`` with it, and applies the resulting commands (``commands.py``) in the
unit of work as ``system:provisioning``. Because it compares states instead of replaying
events, it is idempotent: a redelivered or duplicated event finds nothing to do.

The commands are the differences ``reconcile --dry-run`` shows, and exactly what a repair
applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from sightgate.analytics.directory import repository
from sightgate.analytics.directory.services import Directory
from sightgate.analytics.directory.transactions import unit_of_work
from sightgate.analytics.mapping.desired import Desired
from sightgate.analytics.mapping.rules_service import RulesService
from sightgate.analytics.mapping.truth import IdentitySnapshot, IdentityTruth
from sightgate.analytics.provisioning import events
from sightgate.analytics.provisioning.commands import Command, CreateNamespace, apply
from sightgate.analytics.provisioning.planner import AccountView, UserPlan, plan_groups, plan_user
from sightgate.analytics.provisioning.view import (
    account_view,
    directory_view,
    read_account,
    with_fresh_namespaces,
)
from sightgate.platform.db import Database
from sightgate.platform.events import PROVISIONING, events_table
from sightgate.platform.uow import UnitOfWork


@dataclass(frozen=True)
class SyncResult:
    """What ``sync_user`` found and did."""

    account_id: str
    identity_store_user_id: str
    desired: Desired
    changes: tuple[Command, ...]
    conflicts: tuple[str, ...]
    """Why the user is not (or not entirely) where the rules would put them."""


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
            account, snapshot = self._load(work.conn, account_id, store_id, identity_user_id)
            plan = self._plan_user(work.conn, account, identity_user_id, snapshot)
            self._apply(work, account, identity_user_id, plan)
        return SyncResult(account_id, identity_user_id, plan.desired, plan.commands, plan.notes)

    def sync_group(
        self,
        account_id: str,
        store_id: str,
        identity_group_id: str,
        *,
        uow: UnitOfWork | None = None,
    ) -> list[Command]:
        """Follow a renamed or deleted identity group in every namespace of the account."""
        with unit_of_work(self.db, PROVISIONING, uow) as work:
            account, _ = self._load(work.conn, account_id)
            group = (
                self.truth.group(store_id, identity_group_id)
                if account.store_id == store_id
                else None
            )
            names = {identity_group_id: group.display_name} if group else {}
            candidates, _ = repository.groups_matching(
                work.conn,
                account.namespaces,
                identity_store_group_ids=[identity_group_id],
                group_names=list(names.values()),
            )
            commands = plan_groups(account_id, candidates, names, only=identity_group_id)
            self._run(work, commands)
        return commands

    def reconcile(
        self, account_id: str, *, dry_run: bool = False, uow: UnitOfWork | None = None
    ) -> list[Command]:
        """Recompute every identity user's desired state and list (and, unless
        ``dry_run``, repair) the differences; an empty list means all is in order."""
        differences: list[Command] = []
        with unit_of_work(self.db, PROVISIONING, uow) as work:
            account, _ = self._load(work.conn, account_id)
            snapshots, groups = (
                self.truth.everything(account.store_id) if account.store_id else ({}, {})
            )
            group_commands = plan_groups(
                account_id, repository.groups_of_namespaces(work.conn, account.namespaces), groups
            )
            differences.extend(group_commands)
            if not dry_run:
                self._run(work, group_commands)
            linked = {
                u.identity_store_user_id
                for u in repository.identity_source_users(work.conn, account_id)
                if u.identity_store_user_id is not None
            }
            for user_id in sorted(set(snapshots) | linked):
                plan = self._plan_user(work.conn, account, user_id, snapshots.get(user_id))
                differences.extend(plan.commands)
                if dry_run:
                    continue
                self._apply(work, account, user_id, plan)
                if any(isinstance(c, CreateNamespace) for c in plan.commands):
                    account = with_fresh_namespaces(work.conn, account)
        return list(dict.fromkeys(differences))  # each once: two users can plan one group

    # -- loading, planning, applying ---------------------------------------------------

    def _load(
        self,
        conn: Connection,
        account_id: str,
        store_id: str | None = None,
        identity_user_id: str | None = None,
    ) -> tuple[AccountView, IdentitySnapshot | None]:
        """Lock the account's provisioning, load its view and, given an identity user of
        ``store_id``, their snapshot when the account reads that store.

        The identity reads share one read transaction.
        """
        lock_account(conn, account_id)
        subscription, rules = read_account(conn, account_id)
        with self.db.snapshot():
            linked_store = self.truth.store_of(subscription)
            snapshot = (
                self.truth.snapshot(store_id, identity_user_id)
                if store_id is not None
                and identity_user_id is not None
                and linked_store == store_id
                else None
            )
        return account_view(conn, subscription, rules, linked_store), snapshot

    @staticmethod
    def _plan_user(
        conn: Connection,
        account: AccountView,
        identity_user_id: str,
        snapshot: IdentitySnapshot | None,
    ) -> UserPlan:
        directory = directory_view(conn, account, identity_user_id, snapshot)
        return plan_user(account, identity_user_id, snapshot, directory)

    def _run(self, uow: UnitOfWork, commands: Sequence[Command]) -> None:
        for command in commands:
            apply(self.directory, command, uow)

    def _apply(
        self, uow: UnitOfWork, account: AccountView, identity_user_id: str, plan: UserPlan
    ) -> None:
        """Run the plan's commands and record why (the audit trail of this user)."""
        account_id = account.account_id
        self._run(uow, plan.commands)
        desired = plan.desired
        if plan.commands:
            uow.emit(
                events.applied_event(
                    account_id,
                    identity_user_id,
                    plan.user_name,
                    desired.namespace,
                    desired.role.value if desired.role else None,
                    desired.provisioned,
                    desired.reason,
                    [command.describe() for command in plan.commands],
                )
            )
        if plan.notes:
            reason = "; ".join(dict.fromkeys(plan.notes))
            if plan.commands or _last_conflict(uow.conn, account_id, identity_user_id) != reason:
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
