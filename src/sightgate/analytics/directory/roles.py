"""Use cases of role memberships: which identity-source groups grant which role.

A role membership names a group of the identity source (by name, per namespace), not a
QuickSight group: provisioning gives that group's members the role. The role groups of
CreateAccountSubscription (AdminGroup, ...) are the same thing for the ``default``
namespace and are stored in the same table, so provisioning reads one place.
"""

from __future__ import annotations

from sightgate.analytics.directory import events, repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.model import (
    Namespace,
    Role,
    parse_role,
    validate_group_name,
)
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page
from sightgate.platform.uow import UnitOfWork


def grant_role(uow: UnitOfWork, namespace: Namespace, role: Role, member_name: str) -> None:
    """Give a group a role in ``uow``'s transaction; an event only when it is new."""
    if repository.add_role_member(uow.conn, namespace, role, member_name):
        uow.emit(
            events.role_membership_event(
                events.ROLE_MEMBERSHIP_CREATED, namespace, role, member_name
            )
        )


class RoleMembershipService:
    """CreateRoleMembership, DeleteRoleMembership, ListRoleMemberships."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self, account_id: str, namespace: str, role: str, member_name: str, *, actor: Actor
    ) -> None:
        """Give a group a role (no change when it has it already, in any letter case)."""
        valid_role = parse_role(role, "Role")
        name = validate_group_name(member_name, "MemberName")
        with UnitOfWork(self.db, actor) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace, lock=True)
            grant_role(uow, ns, valid_role, name)

    def delete(
        self, account_id: str, namespace: str, role: str, member_name: str, *, actor: Actor
    ) -> None:
        """Take a role from a group; ``NotFoundError`` when it did not have it."""
        valid_role = parse_role(role, "Role")
        name = validate_group_name(member_name, "MemberName")
        with UnitOfWork(self.db, actor) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            removed = repository.remove_role_member(uow.conn, ns, valid_role, name)
            if removed is None:
                raise NotFoundError("RoleMembership", f"{valid_role}/{name}")
            uow.emit(
                events.role_membership_event(
                    events.ROLE_MEMBERSHIP_DELETED, ns, valid_role, removed
                )
            )

    def list(
        self,
        account_id: str,
        namespace: str,
        role: str,
        *,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[str]:
        """The names of the groups with a role, in name order, a page at a time."""
        valid_role = parse_role(role, "Role")
        r = t.role_memberships
        with self.db.read() as conn:
            ns = repository.require_namespace(conn, account_id, namespace)
            query = r.select().where(r.c.namespace_id == ns.namespace_id, r.c.role == valid_role)
            rows, next_key = repository.page_rows(conn, query, r.c.member_name_key, limit, after)
        return Page([row["member_name"] for row in rows], next_key)
