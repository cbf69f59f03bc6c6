"""The identity store's domain events: what subscribers such as provisioning react to.

Every event's ``scope`` is the identity store id, and its payload carries enough for a
subscriber to act without reading the identity store's tables.
"""

from __future__ import annotations

from typing import Any

from sightgate.identity.model import Group, Instance, Membership, User
from sightgate.platform.events import DomainEvent

INSTANCE_CREATED = "identity.InstanceCreated"
INSTANCE_UPDATED = "identity.InstanceUpdated"
INSTANCE_DELETED = "identity.InstanceDeleted"
USER_CREATED = "identity.UserCreated"
USER_UPDATED = "identity.UserUpdated"
USER_DELETED = "identity.UserDeleted"
GROUP_CREATED = "identity.GroupCreated"
GROUP_UPDATED = "identity.GroupUpdated"
GROUP_DELETED = "identity.GroupDeleted"
MEMBERSHIP_CREATED = "identity.GroupMembershipCreated"
MEMBERSHIP_DELETED = "identity.GroupMembershipDeleted"


def instance_event(type_: str, instance: Instance) -> DomainEvent:
    """An event about an instance."""
    return DomainEvent(
        type=type_,
        aggregate_type="Instance",
        aggregate_id=instance.instance_id,
        scope=instance.identity_store_id,
        payload={
            "InstanceArn": instance.instance_arn,
            "IdentityStoreId": instance.identity_store_id,
            "Type": instance.type.value,
            "OwnerAccountId": instance.owner_account_id,
            "AccountIds": list(instance.account_ids),
            "Name": instance.name,
        },
    )


def user_event(type_: str, user: User, changed: list[str] | None = None) -> DomainEvent:
    """An event about a user; ``changed`` names the fields an update changed."""
    payload: dict[str, Any] = {
        "UserId": user.user_id,
        "UserName": user.user_name,
        "DisplayName": user.display_name,
        "Active": user.active,
        "Emails": [e.value for e in user.emails],
    }
    if changed is not None:
        payload["Changed"] = changed
    return DomainEvent(type_, "User", user.user_id, user.identity_store_id, payload)


def group_event(type_: str, group: Group, changed: list[str] | None = None) -> DomainEvent:
    """An event about a group; ``changed`` names the fields an update changed."""
    payload: dict[str, Any] = {"GroupId": group.group_id, "DisplayName": group.display_name}
    if changed is not None:
        payload["Changed"] = changed
    return DomainEvent(type_, "Group", group.group_id, group.identity_store_id, payload)


def membership_event(type_: str, membership: Membership) -> DomainEvent:
    """An event about one membership; its aggregate is the group."""
    return DomainEvent(
        type_,
        "Group",
        membership.group_id,
        membership.identity_store_id,
        {
            "MembershipId": membership.membership_id,
            "GroupId": membership.group_id,
            "UserId": membership.user_id,
        },
    )
