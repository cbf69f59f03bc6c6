"""The identity source's hold on the directory: which IAM Identity Center instance may be
an account's identity source, and who may change the records provisioned from it.

An instance ARN is an identifier, not a secret: it appears in events and in
DescribeAccountSubscription. So naming one proves nothing; an account may use an instance
only when the identity context says the instance serves that account (an ACCOUNT
instance its owner, an ORGANIZATION instance the accounts attached to it). Linking to any
other would let one tenant copy another tenant's users and groups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sightgate.analytics.directory.errors import ManagedByIdentitySourceError
from sightgate.analytics.directory.model import Source
from sightgate.identity.model import Instance
from sightgate.platform.errors import AccessDeniedError
from sightgate.platform.events import Actor

IdentitySourceWriters = Callable[[Actor], bool]
"""Whether an actor may change users, groups and memberships provisioned from the identity
source. The authorizer decides (``access.authorizer.may_change_identity_source_records``);
the directory is handed that rule when it is built and applies it to each unit of work's
actor, so no caller can claim the right with an argument."""


def require_writable(
    source: Source, resource: str, name: str, actor: Actor, writers: IdentitySourceWriters
) -> None:
    """Refuse ``actor``'s change to a record provisioned from the identity source
    (``ManagedByIdentitySourceError``) unless ``writers`` lets it make it."""
    if source is Source.IDENTITY_SOURCE and not writers(actor):
        raise ManagedByIdentitySourceError(resource, name)


class InstanceReader(Protocol):
    """The identity context's read of instances (``InstanceService`` is one)."""

    def store_serving(self, instance_id: str, account_id: str) -> str | None:
        """The identity store of the instance (id or ARN) if it serves the account."""
        ...

    def get_by_identity_store(self, identity_store_id: str) -> Instance:
        """The instance owning an identity store; ``NotFoundError`` when there is none."""
        ...


def serving_instance(instances: InstanceReader, instance_arn: str, account_id: str) -> str:
    """The identity store of the instance ``instance_arn`` if it serves ``account_id``.

    ``AccessDeniedError`` otherwise, with the same answer whether the instance exists or
    not, so the check is no oracle for other tenants' instance ARNs.
    """
    store_id = instances.store_serving(instance_arn, account_id)
    if store_id is None:
        raise AccessDeniedError(
            f"the IAM Identity Center instance {instance_arn} does not serve account {account_id}"
        )
    return store_id
