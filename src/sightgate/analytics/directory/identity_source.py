"""Which IAM Identity Center instance may be an account's identity source.

An instance ARN is an identifier, not a secret: it appears in events and in
DescribeAccountSubscription. So naming one proves nothing; an account may use an instance
only when the identity context says the instance serves that account (an ACCOUNT
instance its owner, an ORGANIZATION instance the accounts attached to it). Linking to any
other would let one tenant copy another tenant's users and groups.
"""

from __future__ import annotations

from typing import Protocol

from sightgate.identity.model import Instance
from sightgate.platform.errors import AccessDeniedError, NotFoundError


class InstanceReader(Protocol):
    """The identity context's read of instances (``InstanceService`` is one)."""

    def get(self, instance_id: str) -> Instance:
        """The instance with this id or ARN; ``NotFoundError`` when there is none."""
        ...

    def get_by_identity_store(self, identity_store_id: str) -> Instance:
        """The instance owning an identity store; ``NotFoundError`` when there is none."""
        ...


def serving_instance(instances: InstanceReader, instance_arn: str, account_id: str) -> Instance:
    """The instance ``instance_arn`` if it serves ``account_id``.

    ``AccessDeniedError`` otherwise, with the same answer whether the instance exists or
    not, so the check is no oracle for other tenants' instance ARNs.
    """
    try:
        instance = instances.get(instance_arn)
    except NotFoundError:
        instance = None
    if instance is None or account_id not in instance.account_ids:
        raise AccessDeniedError(
            f"the IAM Identity Center instance {instance_arn} does not serve account {account_id}"
        )
    return instance
