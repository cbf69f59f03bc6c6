"""The directory's domain events: what provisioning, access and embedding react to.

Every event's ``scope`` is the account id. Deleting a namespace or an account emits one
event only: it implies that everything inside (users, groups, memberships, role
memberships, tags) is gone, so a 100,000-user namespace does not flood the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sightgate.analytics.directory.model import (
    AccountSubscription,
    Group,
    Namespace,
    Role,
    Tag,
    User,
)
from sightgate.platform.events import DomainEvent

ACCOUNT_SUBSCRIPTION_CREATED = "analytics.AccountSubscriptionCreated"
ACCOUNT_SETTINGS_UPDATED = "analytics.AccountSettingsUpdated"
ACCOUNT_IDENTITY_SOURCE_CHANGED = "analytics.AccountIdentitySourceChanged"
ACCOUNT_SUBSCRIPTION_DELETED = "analytics.AccountSubscriptionDeleted"
NAMESPACE_CREATED = "analytics.NamespaceCreated"
NAMESPACE_DELETED = "analytics.NamespaceDeleted"
USER_REGISTERED = "analytics.UserRegistered"
USER_UPDATED = "analytics.UserUpdated"
USER_DELETED = "analytics.UserDeleted"
USER_MOVED = "analytics.UserMoved"
GROUP_CREATED = "analytics.GroupCreated"
GROUP_UPDATED = "analytics.GroupUpdated"
GROUP_DELETED = "analytics.GroupDeleted"
GROUP_MEMBERSHIP_CREATED = "analytics.GroupMembershipCreated"
GROUP_MEMBERSHIP_DELETED = "analytics.GroupMembershipDeleted"
ROLE_MEMBERSHIP_CREATED = "analytics.RoleMembershipCreated"
ROLE_MEMBERSHIP_DELETED = "analytics.RoleMembershipDeleted"
RESOURCE_TAGGED = "analytics.ResourceTagged"
RESOURCE_UNTAGGED = "analytics.ResourceUntagged"


def account_event(
    type_: str, account: AccountSubscription, changed: list[str] | None = None
) -> DomainEvent:
    """An event about an account subscription; ``changed`` names what an update changed."""
    payload: dict[str, Any] = {
        "AwsAccountId": account.account_id,
        "AccountName": account.account_name,
        "Edition": account.edition.value,
        "AuthenticationMethod": account.authentication_method.value,
        "IAMIdentityCenterInstanceArn": account.iam_identity_center_instance_arn,
        "Region": account.region,
        "DefaultNamespace": account.default_namespace,
        "TerminationProtectionEnabled": account.termination_protection_enabled,
    }
    if changed is not None:
        payload["Changed"] = changed
    return DomainEvent(
        type_, "AccountSubscription", account.account_id, account.account_id, payload
    )


def namespace_event(type_: str, namespace: Namespace) -> DomainEvent:
    """An event about a namespace."""
    return DomainEvent(
        type_,
        "Namespace",
        namespace.namespace_id,
        namespace.account_id,
        {"Namespace": namespace.name, "Arn": namespace.arn},
    )


def user_event(
    type_: str, user: User, changed: list[str] | None = None, **extra: Any
) -> DomainEvent:
    """An event about a user; ``changed`` names the fields an update changed; ``extra``
    adds members (a move's ``FromNamespace``, a rename's ``PreviousUserName``)."""
    payload: dict[str, Any] = {
        "Namespace": user.namespace,
        "UserName": user.user_name,
        "Arn": user.arn,
        "PrincipalId": user.principal_id,
        "Email": user.email,
        "Role": user.role.value,
        "IdentityType": user.identity_type.value,
        "Active": user.active,
        "IdentityStoreUserId": user.identity_store_user_id,
        "Source": user.source.value,
        **extra,
    }
    if changed is not None:
        payload["Changed"] = changed
    return DomainEvent(type_, "User", user.user_id, user.account_id, payload)


def group_event(
    type_: str, group: Group, changed: list[str] | None = None, **extra: Any
) -> DomainEvent:
    """An event about a group; ``changed`` names the fields an update changed; ``extra``
    adds members (a rename's ``PreviousGroupName``)."""
    payload: dict[str, Any] = {
        "Namespace": group.namespace,
        "GroupName": group.group_name,
        "Arn": group.arn,
        "PrincipalId": group.principal_id,
        "Description": group.description,
        "IdentityStoreGroupId": group.identity_store_group_id,
        "Source": group.source.value,
        **extra,
    }
    if changed is not None:
        payload["Changed"] = changed
    return DomainEvent(type_, "Group", group.group_id, group.account_id, payload)


def membership_event(
    type_: str, group: Group, user_id: str, member_name: str, member_arn: str
) -> DomainEvent:
    """An event about one group membership; its aggregate is the group."""
    return DomainEvent(
        type_,
        "Group",
        group.group_id,
        group.account_id,
        {
            "Namespace": group.namespace,
            "GroupName": group.group_name,
            "UserId": user_id,
            "MemberName": member_name,
            "MemberArn": member_arn,
        },
    )


def role_membership_event(
    type_: str, namespace: Namespace, role: Role, member_name: str
) -> DomainEvent:
    """An event about one role membership (an identity-source group given a role)."""
    return DomainEvent(
        type_,
        "Namespace",
        namespace.namespace_id,
        namespace.account_id,
        {"Namespace": namespace.name, "Role": role.value, "MemberName": member_name},
    )


def tags_event(
    type_: str,
    account_id: str,
    resource_type: str,
    resource_id: str,
    arn: str,
    tags: Sequence[Tag] = (),
    keys: Sequence[str] = (),
) -> DomainEvent:
    """Tags set on (``tags``) or removed from (``keys``) one resource."""
    payload: dict[str, Any] = {"ResourceArn": arn}
    if type_ == RESOURCE_TAGGED:
        payload["Tags"] = {tag.key: tag.value for tag in tags}
    else:
        payload["TagKeys"] = list(keys)
    return DomainEvent(type_, resource_type, resource_id, account_id, payload)
