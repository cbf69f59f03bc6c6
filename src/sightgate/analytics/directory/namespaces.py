"""Use cases of namespaces: isolated sets of users and groups inside one account.

A namespace is created synchronously (its status is ``CREATED`` at once). Deleting one
deletes its users, groups, memberships, role memberships and tags with it, as QuickSight
does; the ``default`` namespace, and whichever one the account settings name as default,
cannot be deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sightgate.analytics.directory import arns, events, repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.errors import LimitExceededError, translate_integrity_errors
from sightgate.analytics.directory.model import (
    DEFAULT_NAMESPACE,
    AccountSubscription,
    IdentityStore,
    Namespace,
    NamespaceStatus,
    Tag,
    name_key,
    parse_enum,
    validate_namespace_name,
    validate_tags,
)
from sightgate.analytics.directory.tags import apply_tags
from sightgate.analytics.directory.transactions import unit_of_work
from sightgate.platform.db import Database
from sightgate.platform.errors import ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page
from sightgate.platform.uow import UnitOfWork

DEFAULT_NAMESPACE_LIMIT = 10_000


def new_namespace(account: AccountSubscription, name: str) -> Namespace:
    """A new namespace of ``account`` in the account's region."""
    return Namespace(
        namespace_id=str(uuid.uuid4()),
        account_id=account.account_id,
        name=name,
        arn=arns.namespace_arn(account.region, account.account_id, name),
        capacity_region=account.region,
        creation_status=NamespaceStatus.CREATED,
        identity_store=IdentityStore.QUICKSIGHT,
        created_at=datetime.now(UTC),
    )


class NamespaceService:
    """CreateNamespace, DescribeNamespace, ListNamespaces, DeleteNamespace."""

    def __init__(self, db: Database, *, namespace_limit: int = DEFAULT_NAMESPACE_LIMIT) -> None:
        self.db = db
        self.namespace_limit = namespace_limit

    def create(
        self,
        account_id: str,
        name: str,
        *,
        actor: Actor,
        identity_store: str = IdentityStore.QUICKSIGHT,
        tags: Sequence[Tag] = (),
        uow: UnitOfWork | None = None,
    ) -> Namespace:
        """A new namespace; ``ConflictError`` (field ``Namespace``) when the name is taken in
        any letter case, ``LimitExceededError`` when the account has ``namespace_limit``."""
        validate_namespace_name(name)
        parse_enum(IdentityStore, identity_store, "IdentityStore")
        valid_tags = validate_tags(list(tags))
        with (
            translate_integrity_errors(Namespace=name),
            unit_of_work(self.db, actor, uow) as uow,
        ):
            # The account row lock serialises creations, so the count cannot go stale.
            account = repository.require_account(uow.conn, account_id, lock=True)
            if repository.count_namespaces(uow.conn, account_id) >= self.namespace_limit:
                raise LimitExceededError("namespace", self.namespace_limit, "account")
            namespace = new_namespace(account, name)
            repository.insert_namespace(uow.conn, namespace)
            uow.emit(events.namespace_event(events.NAMESPACE_CREATED, namespace))
            apply_tags(
                uow, namespace, "Namespace", namespace.namespace_id, namespace.arn, valid_tags
            )
        return namespace

    def describe(self, account_id: str, name: str) -> Namespace:
        """A namespace by name (in any letter case)."""
        with self.db.read() as conn:
            return repository.require_namespace(conn, account_id, name)

    def list(
        self, account_id: str, *, limit: int = 100, after: str | None = None
    ) -> Page[Namespace]:
        """An account's namespaces in name order, a page at a time."""
        ns = t.namespaces
        with self.db.read() as conn:
            repository.require_account(conn, account_id)
            query = ns.select().where(ns.c.account_id == account_id)
            rows, next_key = repository.page_rows(conn, query, ns.c.name_key, limit, after)
        return Page([repository.to_namespace(row) for row in rows], next_key)

    def delete(self, account_id: str, name: str, *, actor: Actor) -> None:
        """Delete a namespace with its users, groups, role memberships and tags."""
        with UnitOfWork(self.db, actor) as uow:
            account = repository.require_account(uow.conn, account_id, lock=True)
            namespace = repository.require_namespace(uow.conn, account_id, name)
            if name_key(namespace.name) in {
                DEFAULT_NAMESPACE,
                name_key(account.default_namespace),
            }:
                raise ValidationError(
                    "Namespace", f"{namespace.name!r} is the account's default namespace"
                )
            repository.delete_namespace(uow.conn, namespace.namespace_id)
            uow.emit(events.namespace_event(events.NAMESPACE_DELETED, namespace))
