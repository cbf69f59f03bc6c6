"""Use cases of group memberships: Create/Delete/DescribeGroupMembership,
ListGroupMemberships.

A member is named by user name and must be a user of the group's namespace: a user of
another namespace is not found, so no membership can cross namespaces. Adding is a set
operation in the database (``ON CONFLICT DO NOTHING``): adding a present member changes
nothing and emits nothing.
"""

from __future__ import annotations

from sightgate.analytics.directory import events, repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.identity_source import IdentitySourceWriters, require_writable
from sightgate.analytics.directory.model import GroupMember
from sightgate.analytics.directory.transactions import unit_of_work
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page
from sightgate.platform.uow import UnitOfWork


class GroupMembershipService:
    """The members of a group."""

    def __init__(self, db: Database, writers: IdentitySourceWriters) -> None:
        self.db = db
        self.writers = writers

    def create(
        self,
        account_id: str,
        namespace: str,
        group_name: str,
        member_name: str,
        *,
        actor: Actor,
        uow: UnitOfWork | None = None,
    ) -> GroupMember:
        """Add a user of the namespace to a group (no change when already a member)."""
        with unit_of_work(self.db, actor, uow) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace, lock=True)
            group = repository.require_group(uow.conn, ns, group_name, lock=True)
            require_writable(group.source, "Group", group.group_name, uow.actor, self.writers)
            # Locked, so the user cannot be deleted between this check and the insert.
            user = repository.require_user(uow.conn, ns, member_name, lock=True)
            if repository.add_membership(uow.conn, group.group_id, user.user_id):
                uow.emit(
                    events.membership_event(
                        events.GROUP_MEMBERSHIP_CREATED,
                        group,
                        user.user_id,
                        user.user_name,
                        user.arn,
                    )
                )
        return GroupMember(user.user_name, user.arn)

    def delete(
        self,
        account_id: str,
        namespace: str,
        group_name: str,
        member_name: str,
        *,
        actor: Actor,
        uow: UnitOfWork | None = None,
    ) -> None:
        """Remove a member; ``NotFoundError`` when the user is not one."""
        with unit_of_work(self.db, actor, uow) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            group = repository.require_group(uow.conn, ns, group_name, lock=True)
            require_writable(group.source, "Group", group.group_name, uow.actor, self.writers)
            user = repository.require_user(uow.conn, ns, member_name)
            if not repository.remove_membership(uow.conn, group.group_id, user.user_id):
                raise NotFoundError("GroupMembership", f"{member_name} in {group.group_name}")
            uow.emit(
                events.membership_event(
                    events.GROUP_MEMBERSHIP_DELETED, group, user.user_id, user.user_name, user.arn
                )
            )

    def describe(
        self, account_id: str, namespace: str, group_name: str, member_name: str
    ) -> GroupMember:
        """The membership of a user in a group; ``NotFoundError`` when there is none."""
        with self.db.read() as conn:
            ns = repository.require_namespace(conn, account_id, namespace)
            group = repository.require_group(conn, ns, group_name)
            user = repository.require_user(conn, ns, member_name)
            if not repository.is_member(conn, group.group_id, user.user_id):
                raise NotFoundError("GroupMembership", f"{member_name} in {group.group_name}")
        return GroupMember(user.user_name, user.arn)

    def list(
        self,
        account_id: str,
        namespace: str,
        group_name: str,
        *,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[GroupMember]:
        """A group's members in user-name order, a page at a time."""
        with self.db.read() as conn:
            ns = repository.require_namespace(conn, account_id, namespace)
            group = repository.require_group(conn, ns, group_name)
            rows, next_key = repository.page_rows(
                conn,
                repository.members_query(group.group_id),
                t.users.c.user_name_key,
                limit,
                after,
            )
            users = [repository.to_user(row, ns) for row in rows]
        return Page([GroupMember(u.user_name, u.arn) for u in users], next_key)
