"""Identity objects as JSON-ready dicts in the IdentityStore API's shapes.

The CLI prints these, and the IdentityStore-compatible API returns them, so a script
written against one reads the other.
"""

from __future__ import annotations

from typing import Any

from sightgate.identity.model import Group, Instance, Membership, User


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, [], {})}


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    """An instance as ``DescribeInstance`` shows it."""
    return _compact(
        {
            "InstanceArn": instance.instance_arn,
            "IdentityStoreId": instance.identity_store_id,
            "OwnerAccountId": instance.owner_account_id,
            "Type": instance.type.value,
            "Name": instance.name,
            "Status": instance.status.value,
            "CreatedDate": instance.created_at.isoformat(),
            "AccountIds": list(instance.account_ids),
        }
    )


def user_to_dict(user: User) -> dict[str, Any]:
    """A user as ``DescribeUser`` shows it."""
    name = _compact(
        {
            "Formatted": user.name.formatted,
            "FamilyName": user.name.family_name,
            "GivenName": user.name.given_name,
            "MiddleName": user.name.middle_name,
            "HonorificPrefix": user.name.honorific_prefix,
            "HonorificSuffix": user.name.honorific_suffix,
        }
    )
    return _compact(
        {
            "IdentityStoreId": user.identity_store_id,
            "UserId": user.user_id,
            "UserName": user.user_name,
            "Name": name,
            "DisplayName": user.display_name,
            "NickName": user.nick_name,
            "ProfileUrl": user.profile_url,
            "Title": user.title,
            "UserType": user.user_type,
            "PreferredLanguage": user.preferred_language,
            "Locale": user.locale,
            "Timezone": user.timezone,
            "Active": user.active,
            "Emails": [
                _compact({"Value": e.value, "Type": e.type, "Primary": e.primary})
                for e in user.emails
            ],
            "ExternalIds": [{"Issuer": e.issuer, "Id": e.id} for e in user.external_ids],
            "Addresses": [_pascal_keys(a) for a in user.extra.get("addresses", [])],
            "PhoneNumbers": [_pascal_keys(p) for p in user.extra.get("phoneNumbers", [])],
            "UserStatus": "ENABLED" if user.active else "DISABLED",
            "Revision": str(user.version),
            "CreatedAt": user.created_at.isoformat(),
            "UpdatedAt": user.updated_at.isoformat(),
        }
    )


def _pascal_keys(value: dict[str, Any]) -> dict[str, Any]:
    """A SCIM-cased value (``streetAddress``) in the IdentityStore API's case."""
    return {k[:1].upper() + k[1:]: v for k, v in value.items() if v is not None}


def group_to_dict(group: Group) -> dict[str, Any]:
    """A group as ``DescribeGroup`` shows it."""
    return _compact(
        {
            "IdentityStoreId": group.identity_store_id,
            "GroupId": group.group_id,
            "DisplayName": group.display_name,
            "Description": group.description,
            "ExternalIds": [{"Issuer": e.issuer, "Id": e.id} for e in group.external_ids],
            "Revision": str(group.version),
            "CreatedAt": group.created_at.isoformat(),
            "UpdatedAt": group.updated_at.isoformat(),
        }
    )


def membership_to_dict(membership: Membership) -> dict[str, Any]:
    """A membership as ``DescribeGroupMembership`` shows it."""
    return {
        "IdentityStoreId": membership.identity_store_id,
        "MembershipId": membership.membership_id,
        "GroupId": membership.group_id,
        "MemberId": {"UserId": membership.user_id},
    }
