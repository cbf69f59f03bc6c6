"""The principals access decisions are about (plain values, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from sightgate.analytics.directory.model import Role


@dataclass(frozen=True)
class GroupRef:
    """One analytics group a user belongs to."""

    group_id: str
    name: str
    arn: str


@dataclass(frozen=True)
class UserPrincipal:
    """An analytics user as they are now.

    ``allowed`` False (with ``reason``) when the user may not act at all: deactivated, or
    for a user linked to the identity store, no longer let in by it (deleted, deactivated,
    out of every role group, or placed in another namespace by the rules). ``groups`` are
    the groups that count now: the user's API-made groups, and the identity-source groups
    the identity store says they are in (even before provisioning has caught up).
    ``scopes`` are the outbox scopes (account, identity store) whose changes can change
    this answer: see ``sightgate.analytics.access.epoch``.
    """

    account_id: str
    region: str
    namespace: str
    namespace_id: str
    namespace_arn: str
    user_id: str
    user_name: str
    arn: str
    role: Role
    identity_store_user_id: str | None
    groups: tuple[GroupRef, ...]
    allowed: bool
    reason: str
    scopes: tuple[str, ...]

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The ids of the groups that count now."""
        return tuple(group.group_id for group in self.groups)


@dataclass(frozen=True)
class IdentityStanding:
    """Whether an identity-store user may use an account now (what sign-in asks), and
    where: the namespace and role the identity store and the rules give them."""

    allowed: bool
    reason: str
    namespace: str | None = None
    role: Role | None = None


@dataclass(frozen=True)
class AccountCaller:
    """The holder of an access key: acts as its account's root (IAM) on the AWS API."""

    account_id: str


@dataclass(frozen=True)
class ScimClient:
    """The holder of a SCIM bearer token: acts on one identity store."""

    identity_store_id: str
    token_id: str
