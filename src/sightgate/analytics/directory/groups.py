"""Use cases of groups: CreateGroup, DescribeGroup, UpdateGroup, DeleteGroup, ListGroups,
SearchGroups.

Group names are unique per namespace in any letter case (a database constraint). Groups
provisioned from the identity source are read-only through the API, as users are.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import ColumnElement

from sightgate.analytics.directory import arns, events, repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.errors import (
    translate_integrity_errors,
)
from sightgate.analytics.directory.identity_source import IdentitySourceWriters, require_writable
from sightgate.analytics.directory.model import (
    Group,
    GroupFilterOperator,
    GroupSearchFilter,
    Source,
    name_key,
    parse_enum,
    validate_description,
    validate_group_name,
)
from sightgate.analytics.directory.transactions import unit_of_work
from sightgate.platform.db import Database
from sightgate.platform.errors import ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page
from sightgate.platform.uow import UnitOfWork


class GroupService:
    """The groups of a namespace (memberships: see GroupMembershipService)."""

    def __init__(self, db: Database, writers: IdentitySourceWriters) -> None:
        self.db = db
        self.writers = writers

    def check_writable(self, group: Group, actor: Actor) -> None:
        """Refuse ``actor``'s change to a group (or its members) provisioned from the
        identity source, unless the authorizer's rule lets it."""
        require_writable(group.source, "Group", group.group_name, actor, self.writers)

    def create(
        self,
        account_id: str,
        namespace: str,
        group_name: str,
        *,
        actor: Actor,
        description: str | None = None,
        source: str = Source.QUICKSIGHT_API,
        identity_store_group_id: str | None = None,
        uow: UnitOfWork | None = None,
    ) -> Group:
        """A new group; ``ConflictError`` (field ``GroupName``) when the name is taken in the
        namespace in any letter case. ``identity_store_group_id`` links a provisioned
        group to its identity-store group."""
        name = validate_group_name(group_name)
        valid_description = validate_description(description)
        valid_source = parse_enum(Source, source, "Source")
        with (
            translate_integrity_errors(GroupName=name),
            unit_of_work(self.db, actor, uow) as uow,
        ):
            account = repository.require_account(uow.conn, account_id)
            ns = repository.require_namespace(uow.conn, account_id, namespace, lock=True)
            now = datetime.now(UTC)
            group = Group(
                group_id=str(uuid.uuid4()),
                account_id=account.account_id,
                namespace=ns.name,
                group_name=name,
                arn=arns.group_arn(ns.capacity_region, account.account_id, ns.name, name),
                description=valid_description,
                principal_id=f"group/{account.directory_id}/{uuid.uuid4()}",
                identity_store_group_id=identity_store_group_id,
                source=valid_source,
                created_at=now,
                updated_at=now,
            )
            repository.insert_group(uow.conn, ns, group)
            uow.emit(events.group_event(events.GROUP_CREATED, group))
        return group

    def describe(self, account_id: str, namespace: str, group_name: str) -> Group:
        """A group by name (in any letter case)."""
        with self.db.read() as conn:
            ns = repository.require_namespace(conn, account_id, namespace)
            return repository.require_group(conn, ns, group_name)

    def update(
        self,
        account_id: str,
        namespace: str,
        group_name: str,
        *,
        description: str | None,
        actor: Actor,
    ) -> Group:
        """Set the description (``None`` removes it: it is UpdateGroup's only field)."""
        valid_description = validate_description(description)
        with UnitOfWork(self.db, actor) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            current = repository.require_group(uow.conn, ns, group_name, lock=True)
            self.check_writable(current, uow.actor)
            if current.description == valid_description:
                return current
            updated = replace(current, description=valid_description, updated_at=datetime.now(UTC))
            repository.update_group(uow.conn, updated)
            uow.emit(events.group_event(events.GROUP_UPDATED, updated, ["Description"]))
        return updated

    def delete(
        self,
        account_id: str,
        namespace: str,
        group_name: str,
        *,
        actor: Actor,
        uow: UnitOfWork | None = None,
    ) -> None:
        """Delete a group with its memberships (one event per membership) and tags."""
        with unit_of_work(self.db, actor, uow) as uow:
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            group = repository.require_group(uow.conn, ns, group_name, lock=True)
            self.check_writable(group, uow.actor)
            members = [
                repository.to_user(row, ns)
                for row in uow.conn.execute(repository.members_query(group.group_id)).mappings()
            ]
            repository.delete_all_tags(uow.conn, group.group_id)
            repository.delete_group(uow.conn, group.group_id)
            for user in members:
                uow.emit(
                    events.membership_event(
                        events.GROUP_MEMBERSHIP_DELETED,
                        group,
                        user.user_id,
                        user.user_name,
                        user.arn,
                    )
                )
            uow.emit(events.group_event(events.GROUP_DELETED, group))

    def rename(
        self,
        account_id: str,
        namespace: str,
        group_name: str,
        new_name: str,
        *,
        actor: Actor,
        uow: UnitOfWork | None = None,
    ) -> Group:
        """Give a group a new name, keeping its id, principal id and members (provisioning
        follows renames in the identity store); ``ConflictError`` when the name is taken."""
        name = validate_group_name(new_name)
        with (
            translate_integrity_errors(GroupName=name),
            unit_of_work(self.db, actor, uow) as uow,
        ):
            ns = repository.require_namespace(uow.conn, account_id, namespace)
            current = repository.require_group(uow.conn, ns, group_name, lock=True)
            self.check_writable(current, uow.actor)
            if current.group_name == name:
                return current
            renamed = replace(
                current,
                group_name=name,
                arn=arns.group_arn(ns.capacity_region, account_id, ns.name, name),
                updated_at=datetime.now(UTC),
            )
            repository.update_group(uow.conn, renamed)
            uow.emit(
                events.group_event(
                    events.GROUP_UPDATED,
                    renamed,
                    ["GroupName"],
                    PreviousGroupName=current.group_name,
                )
            )
        return renamed

    def list(
        self, account_id: str, namespace: str, *, limit: int = 100, after: str | None = None
    ) -> Page[Group]:
        """A namespace's groups in name order, a page at a time."""
        return self._page(account_id, namespace, None, limit, after)

    def search(
        self,
        account_id: str,
        namespace: str,
        filters: Sequence[GroupSearchFilter],
        *,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[Group]:
        """Groups whose name starts with (``StartsWith``) or equals (``StringEquals``) a
        value in any letter case; exactly one filter, on ``GROUP_NAME``."""
        if len(filters) != 1:
            raise ValidationError("Filters", "exactly one filter is required")
        (search,) = filters
        if search.name != "GROUP_NAME":
            raise ValidationError("Filters.Name", f"{search.name!r} is not GROUP_NAME")
        operator = parse_enum(GroupFilterOperator, search.operator, "Filters.Operator")
        if not isinstance(search.value, str):
            raise ValidationError("Filters.Value", "must be a string")
        key = name_key(search.value)
        column = t.groups.c.group_name_key
        condition = (
            column.startswith(key, autoescape=True)
            if operator is GroupFilterOperator.STARTS_WITH
            else column == key
        )
        return self._page(account_id, namespace, condition, limit, after)

    def _page(
        self,
        account_id: str,
        namespace: str,
        condition: ColumnElement[bool] | None,
        limit: int,
        after: str | None,
    ) -> Page[Group]:
        with self.db.read() as conn:
            ns = repository.require_namespace(conn, account_id, namespace)
            query = repository.group_query(ns)
            if condition is not None:
                query = query.where(condition)
            rows, next_key = repository.page_rows(
                conn, query, t.groups.c.group_name_key, limit, after
            )
            return Page([repository.to_group(row, ns) for row in rows], next_key)
