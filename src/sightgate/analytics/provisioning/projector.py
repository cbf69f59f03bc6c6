"""The provisioning subscriber: turns outbox events into ``sync_user`` calls.

Each event is reduced to the identity users (or accounts) it may affect; provisioning
then compares current states, so the subscriber never relies on an event's payload being
the latest truth, and a redelivered event does nothing.

- identity.UserCreated / UserUpdated / UserDeleted, GroupMembershipCreated / Deleted:
  that user, in each linked account (a GroupDeleted's membership events come first);
- identity.GroupUpdated with a new DisplayName: the analytics groups linked to it are
  renamed, then every member is synced (rules match group names);
- identity.GroupDeleted: the analytics groups linked to it are deleted;
- identity.InstanceDeleted: every account linked to it is reconciled (its identity
  users are gone, so they are deactivated);
- analytics role memberships, rules, namespaces, identity source, new subscription:
  that account is reconciled.

Directory events that provisioning itself caused (actor ``system:provisioning``) are
skipped, so provisioning never feeds on its own output.
"""

from __future__ import annotations

import contextlib

from sightgate.analytics.directory import events as directory_events
from sightgate.analytics.mapping import events as mapping_events
from sightgate.analytics.provisioning.sync import ProvisioningService
from sightgate.identity import events as identity_events
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import PROVISIONING, StoredEvent
from sightgate.platform.uow import UnitOfWork

SUBSCRIBER_NAME = "analytics.provisioning"

_USER_EVENTS = frozenset(
    {
        identity_events.USER_CREATED,
        identity_events.USER_UPDATED,
        identity_events.USER_DELETED,
        identity_events.MEMBERSHIP_CREATED,
        identity_events.MEMBERSHIP_DELETED,
    }
)
_ACCOUNT_EVENTS = frozenset(
    {
        directory_events.ACCOUNT_SUBSCRIPTION_CREATED,
        directory_events.ACCOUNT_IDENTITY_SOURCE_CHANGED,
        directory_events.NAMESPACE_CREATED,
        directory_events.NAMESPACE_DELETED,
        directory_events.ROLE_MEMBERSHIP_CREATED,
        directory_events.ROLE_MEMBERSHIP_DELETED,
        mapping_events.RULES_SET,
    }
)


class ProvisioningSubscriber:
    """Implements ``platform.dispatch.Subscriber``; run by ``sightgate worker``."""

    name = SUBSCRIBER_NAME

    def __init__(self, provisioning: ProvisioningService) -> None:
        self.provisioning = provisioning

    def handle(self, event: StoredEvent, uow: UnitOfWork) -> None:
        """Provision whatever ``event`` may have changed, inside the delivery's
        transaction (so the changes and the cursor commit together)."""
        if event.actor == str(PROVISIONING):
            return
        uow.actor = PROVISIONING  # the directory events of this delivery are ours
        payload = event.payload
        store_id = event.scope
        if event.type in _USER_EVENTS:
            for account_id in self.provisioning.linked_accounts(store_id, uow.conn):
                self.provisioning.sync_user(account_id, store_id, payload["UserId"], uow=uow)
        elif event.type == identity_events.GROUP_UPDATED:
            if {"display_name", "DisplayName"} & set(payload.get("Changed", ["display_name"])):
                self._group_renamed(store_id, payload["GroupId"], uow)
        elif event.type == identity_events.GROUP_DELETED:
            for account_id in self.provisioning.linked_accounts(store_id, uow.conn):
                self.provisioning.sync_group(account_id, store_id, payload["GroupId"], uow=uow)
        elif event.type == identity_events.INSTANCE_DELETED:
            for account_id in self.provisioning.accounts_of_instance(
                payload["InstanceArn"], uow.conn
            ):
                self.provisioning.reconcile(account_id, uow=uow)
        elif event.type in _ACCOUNT_EVENTS:
            with contextlib.suppress(NotFoundError):  # the account was deleted since
                self.provisioning.reconcile(event.scope, uow=uow)

    def _group_renamed(self, store_id: str, group_id: str, uow: UnitOfWork) -> None:
        accounts = self.provisioning.linked_accounts(store_id, uow.conn)
        if not accounts:
            return
        members = self.provisioning.truth.member_ids(store_id, group_id)
        for account_id in accounts:
            self.provisioning.sync_group(account_id, store_id, group_id, uow=uow)
            for user_id in members:
                self.provisioning.sync_user(account_id, store_id, user_id, uow=uow)
