"""Reading and replacing an account's provisioning rules (validated on write)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from sightgate.analytics.directory import repository
from sightgate.analytics.mapping import events
from sightgate.analytics.mapping.rules import (
    DEFAULT_RULES,
    ProvisioningRules,
    parse_rules,
    parse_rules_text,
    rules_to_json,
)
from sightgate.analytics.mapping.tables import provisioning_rules
from sightgate.platform.db import Database
from sightgate.platform.events import Actor
from sightgate.platform.uow import UnitOfWork


class RulesService:
    """Per-account provisioning rules; an account without rules gets ``DEFAULT_RULES``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, account_id: str, *, conn: Connection | None = None) -> ProvisioningRules:
        """The account's rules (``NotFoundError`` for an unknown account).

        ``conn`` reads inside a caller's transaction (provisioning's own unit of work).
        """
        if conn is not None:
            return _load(conn, account_id)
        with self.db.read() as own:
            return _load(own, account_id)

    def set(self, account_id: str, rules: ProvisioningRules, *, actor: Actor) -> ProvisioningRules:
        """Replace the account's rules; an event (and a reconcile by the worker) only when
        they changed."""
        document = json.loads(rules_to_json(rules))
        with UnitOfWork(self.db, actor) as uow:
            repository.require_account(uow.conn, account_id, lock=True)
            row = (
                uow.conn.execute(
                    select(provisioning_rules).where(provisioning_rules.c.account_id == account_id)
                )
                .mappings()
                .first()
            )
            now = datetime.now(UTC)
            if row is None:
                version = 1
                uow.conn.execute(
                    insert(provisioning_rules).values(
                        account_id=account_id, document=document, version=version, updated_at=now
                    )
                )
            else:
                if row["document"] == document:
                    return _from_row(row["document"], row["version"])
                version = int(row["version"]) + 1
                uow.conn.execute(
                    update(provisioning_rules)
                    .where(provisioning_rules.c.account_id == account_id)
                    .values(document=document, version=version, updated_at=now)
                )
            uow.emit(events.rules_set_event(account_id, version, document))
        return _from_row(document, version)

    def set_text(self, account_id: str, text: str, *, actor: Actor) -> ProvisioningRules:
        """Parse, validate and store a rules file (``ValidationError`` naming the problem)."""
        return self.set(account_id, parse_rules_text(text), actor=actor)


def _load(conn: Connection, account_id: str) -> ProvisioningRules:
    repository.require_account(conn, account_id)
    row = (
        conn.execute(
            select(provisioning_rules.c.document, provisioning_rules.c.version).where(
                provisioning_rules.c.account_id == account_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return DEFAULT_RULES
    return _from_row(row["document"], row["version"])


def _from_row(document: object, version: int) -> ProvisioningRules:
    rules = parse_rules(document)
    return ProvisioningRules(
        namespace_rules=rules.namespace_rules,
        unmatched_users=rules.unmatched_users,
        just_in_time_provisioning=rules.just_in_time_provisioning,
        version=int(version),
    )
