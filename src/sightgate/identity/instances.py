"""Use cases for Identity Center instances (each owns exactly one identity store)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from sightgate.identity import events, repository
from sightgate.identity import tables as t
from sightgate.identity.errors import translate_integrity_errors
from sightgate.identity.model import (
    Instance,
    InstanceStatus,
    InstanceType,
)
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.ids import (
    instance_arn,
    new_identity_store_id,
    new_instance_id,
    validate_account_id,
)
from sightgate.platform.uow import UnitOfWork


class InstanceService:
    """Create, read, list and delete instances; attach accounts to organization instances."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        *,
        type_: InstanceType,
        owner_account_id: str,
        actor: Actor,
        name: str | None = None,
    ) -> Instance:
        """A new instance with an empty identity store.

        An ACCOUNT instance serves exactly its owner account, and an account owns at most
        one of them (the database enforces it); an ORGANIZATION instance starts serving
        its owner (the management account) and can serve more.
        """
        validate_account_id(owner_account_id, "account_id")
        if name is not None and not (0 < len(name.strip()) <= 255):
            raise ValidationError("name", "must be 1 to 255 characters")
        instance_id = new_instance_id()
        instance = Instance(
            instance_id=instance_id,
            instance_arn=instance_arn(instance_id),
            identity_store_id=new_identity_store_id(),
            type=type_,
            owner_account_id=owner_account_id,
            name=name.strip() if name else None,
            status=InstanceStatus.ACTIVE,
            created_at=datetime.now(UTC),
            account_ids=(owner_account_id,),
        )
        with translate_integrity_errors(), UnitOfWork(self.db, actor) as uow:
            repository.insert_instance(uow.conn, instance)
            uow.emit(events.instance_event(events.INSTANCE_CREATED, instance))
        return instance

    def get(self, instance_id: str) -> Instance:
        """The instance with this id (or its ARN)."""
        key = instance_id.rsplit("/", 1)[-1]
        with self.db.read() as conn:
            found = repository.select_instances(conn, t.instances.c.instance_id == key)
        if not found:
            raise NotFoundError("Instance", instance_id)
        return found[0]

    def store_serving(self, instance_id: str, account_id: str) -> str | None:
        """The identity store of the instance with this id (or ARN) if it serves
        ``account_id`` (its owner, or an account attached to it), else None; one statement."""
        i, a = t.instances, t.instance_accounts
        query = (
            select(i.c.identity_store_id)
            .join(a, a.c.instance_id == i.c.instance_id)
            .where(i.c.instance_id == instance_id.rsplit("/", 1)[-1], a.c.account_id == account_id)
        )
        with self.db.read() as conn:
            found: str | None = conn.execute(query).scalar_one_or_none()
        return found

    def get_by_identity_store(self, identity_store_id: str) -> Instance:
        """The instance that owns this identity store."""
        with self.db.read() as conn:
            found = repository.select_instances(
                conn, t.instances.c.identity_store_id == identity_store_id
            )
        if not found:
            raise NotFoundError("IdentityStore", identity_store_id)
        return found[0]

    def list(self, account_id: str | None = None) -> list[Instance]:
        """Every instance, or those serving one account."""
        where = None
        if account_id is not None:
            where = t.instances.c.instance_id.in_(
                t.instance_accounts.select()
                .with_only_columns(t.instance_accounts.c.instance_id)
                .where(t.instance_accounts.c.account_id == account_id)
            )
        with self.db.read() as conn:
            return repository.select_instances(conn, where)

    def add_account(self, instance_id: str, account_id: str, actor: Actor) -> Instance:
        """Let an ORGANIZATION instance serve another account."""
        validate_account_id(account_id, "account_id")
        instance = self.get(instance_id)
        if instance.type is InstanceType.ACCOUNT:
            raise ValidationError("account_id", "an ACCOUNT instance serves only its own account")
        with UnitOfWork(self.db, actor) as uow:
            if repository.add_instance_account(uow.conn, instance.instance_id, account_id):
                instance = repository.select_instances(
                    uow.conn, t.instances.c.instance_id == instance.instance_id
                )[0]
                uow.emit(events.instance_event(events.INSTANCE_UPDATED, instance))
        return instance

    def rename(self, instance_id: str, name: str, actor: Actor) -> Instance:
        """Give an instance a new display name."""
        if not (0 < len(name.strip()) <= 255):
            raise ValidationError("name", "must be 1 to 255 characters")
        instance = self.get(instance_id)
        with UnitOfWork(self.db, actor) as uow:
            uow.conn.execute(
                t.instances.update()
                .where(t.instances.c.instance_id == instance.instance_id)
                .values(name=name.strip())
            )
            renamed = repository.select_instances(
                uow.conn, t.instances.c.instance_id == instance.instance_id
            )[0]
            uow.emit(events.instance_event(events.INSTANCE_UPDATED, renamed))
        return renamed

    def delete(self, instance_id: str, actor: Actor) -> None:
        """Delete an instance and its identity store's users, groups and memberships."""
        instance = self.get(instance_id)
        with UnitOfWork(self.db, actor) as uow:
            repository.delete_instance(uow.conn, instance.instance_id)
            uow.emit(events.instance_event(events.INSTANCE_DELETED, instance))
