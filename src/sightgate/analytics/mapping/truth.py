"""The identity store as provisioning sees it, read through the identity context's
public services (never its tables): users, their groups, and which store an account uses.

Reads happen at the moment they are made, so they see the latest committed state, not
the state at the time of the event being handled: provisioning is state-based.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sightgate.analytics.directory.identity_source import serving_instance
from sightgate.analytics.directory.model import AccountSubscription, AuthenticationMethod
from sightgate.analytics.mapping.desired import IdentityUserView
from sightgate.identity.directory import IdentityStoreService
from sightgate.identity.instances import InstanceService
from sightgate.identity.model import Group, User, is_email_address
from sightgate.platform.errors import AccessDeniedError, NotFoundError

PLACEHOLDER_EMAIL_DOMAIN = "no-email.sightgate.example"
"""Analytics users need an e-mail; a user without one gets ``<user id>@`` this domain."""


@dataclass(frozen=True)
class IdentitySnapshot:
    """One identity user and the groups they are in (id -> display name)."""

    user: IdentityUserView
    groups: dict[str, str]


def view_of(user: User) -> IdentityUserView:
    """The provisioning view of an identity-store user.

    Its e-mail is the first primary e-mail that is an address, else the first address,
    else the placeholder: the identity store keeps any string an IdP sends as an e-mail
    (RFC 7643 only says it SHOULD be an address), analytics users need a real one.
    """
    addresses = [e for e in user.emails if is_email_address(e.value)]
    chosen = next((e for e in addresses if e.primary), addresses[0] if addresses else None)
    email = chosen.value if chosen else f"{user.user_id}@{PLACEHOLDER_EMAIL_DOMAIN}"
    return IdentityUserView(user.user_id, user.user_name, user.active, email)


class IdentityTruth:
    """Current identity-store facts for provisioning and access decisions."""

    def __init__(self, identity: IdentityStoreService, instances: InstanceService) -> None:
        self.identity = identity
        self.instances = instances

    def store_of(self, account: AccountSubscription) -> str | None:
        """The identity store an account is linked to, or None (not Identity Center, or
        its instance is gone or does not serve the account: a link that predates the
        check, or an account detached from an organization instance, reads nothing)."""
        arn = account.iam_identity_center_instance_arn
        if account.authentication_method is not AuthenticationMethod.IAM_IDENTITY_CENTER or not arn:
            return None
        try:
            return serving_instance(self.instances, arn, account.account_id)
        except AccessDeniedError:
            return None

    def instance_arn_of(self, store_id: str) -> str | None:
        """The ARN of the instance owning a store, or None when it is gone."""
        try:
            return self.instances.get_by_identity_store(store_id).instance_arn
        except NotFoundError:
            return None

    def snapshot(self, store_id: str, user_id: str) -> IdentitySnapshot | None:
        """The user and their groups now; None when the user (or store) does not exist."""
        try:
            user = self.identity.get_user(store_id, user_id)
        except NotFoundError:
            return None
        return IdentitySnapshot(view_of(user), self.identity.group_names_of_user(store_id, user_id))

    def standing(self, store_id: str, user_id: str) -> IdentitySnapshot | None:
        """Like ``snapshot`` for access decisions: the user's e-mail is left out (its view
        has an empty ``email``), which saves the statements that read e-mails."""
        found = self.identity.standing(store_id, user_id)
        if found is None:
            return None
        return IdentitySnapshot(
            IdentityUserView(user_id, found.user_name, found.active, ""), found.groups
        )

    def group(self, store_id: str, group_id: str) -> Group | None:
        """A group, or None when it does not exist."""
        try:
            return self.identity.get_group(store_id, group_id)
        except NotFoundError:
            return None

    def member_ids(self, store_id: str, group_id: str) -> list[str]:
        """The ids of a group's members (empty when the group is gone)."""
        found: list[str] = []
        after: str | None = None
        try:
            while True:
                page = self.identity.list_members(store_id, group_id, limit=1000, after=after)
                found.extend(m.user_id for m in page.items)
                if page.next_key is None:
                    return found
                after = page.next_key
        except NotFoundError:
            return found

    def everything(self, store_id: str) -> tuple[dict[str, IdentitySnapshot], dict[str, str]]:
        """Every user with their groups, and every group (id -> name), for reconcile."""
        try:
            groups = {g.group_id: g.display_name for g in self._all_groups(store_id)}
            users = list(self._all_users(store_id))
        except NotFoundError:
            return {}, {}
        user_groups: dict[str, dict[str, str]] = {u.user_id: {} for u in users}
        ids = list(groups)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for group_id, members in self.identity.members_of(store_id, chunk).items():
                for member in members:
                    if member.user_id in user_groups:
                        user_groups[member.user_id][group_id] = groups[group_id]
        snapshots = {u.user_id: IdentitySnapshot(view_of(u), user_groups[u.user_id]) for u in users}
        return snapshots, groups

    def _all_users(self, store_id: str) -> Iterator[User]:
        after: str | None = None
        while True:
            page = self.identity.list_users(store_id, limit=1000, after=after)
            yield from page.items
            if page.next_key is None:
                return
            after = page.next_key

    def _all_groups(self, store_id: str) -> Iterator[Group]:
        after: str | None = None
        while True:
            page = self.identity.list_groups(store_id, limit=1000, after=after)
            yield from page.items
            if page.next_key is None:
                return
            after = page.next_key
