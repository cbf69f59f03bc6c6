"""Provisioning's own events (the directory services emit theirs for each change).

``ProvisioningApplied`` and ``ProvisioningConflict`` say *why*: together with the
directory events of the same transaction they are the audit trail of what happened to a
user (``sightgate events tail``). Their aggregate is the identity-store user, so one
user's history is one aggregate id.
"""

from __future__ import annotations

from collections.abc import Sequence

from sightgate.platform.events import DomainEvent

PROVISIONING_APPLIED = "analytics.ProvisioningApplied"
PROVISIONING_CONFLICT = "analytics.ProvisioningConflict"


def applied_event(
    account_id: str,
    identity_store_user_id: str,
    user_name: str | None,
    namespace: str | None,
    role: str | None,
    provisioned: bool,
    reason: str,
    changes: Sequence[str],
) -> DomainEvent:
    """Provisioning changed the analytics side of one identity user, and why."""
    return DomainEvent(
        PROVISIONING_APPLIED,
        "IdentityUser",
        identity_store_user_id,
        account_id,
        {
            "AwsAccountId": account_id,
            "IdentityStoreUserId": identity_store_user_id,
            "UserName": user_name,
            "Namespace": namespace,
            "Role": role,
            "Provisioned": provisioned,
            "Reason": reason,
            "Changes": list(changes),
        },
    )


def conflict_event(
    account_id: str,
    identity_store_user_id: str,
    user_name: str | None,
    current_namespace: str | None,
    candidates: Sequence[str],
    reason: str,
) -> DomainEvent:
    """A user was not provisioned or not moved as the rules would have it, and why."""
    return DomainEvent(
        PROVISIONING_CONFLICT,
        "IdentityUser",
        identity_store_user_id,
        account_id,
        {
            "AwsAccountId": account_id,
            "IdentityStoreUserId": identity_store_user_id,
            "UserName": user_name,
            "CurrentNamespace": current_namespace,
            "Namespaces": list(candidates),
            "Reason": reason,
        },
    )
