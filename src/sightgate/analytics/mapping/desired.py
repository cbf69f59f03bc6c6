"""What the analytics directory should hold for one identity user: a pure function.

Everything provisioning does is "make the directory look like ``desired_state`` says",
so the rules of who gets in, with which role and where, live here and nowhere else, and
are tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sightgate.analytics.directory.model import (
    DEFAULT_NAMESPACE,
    Role,
    name_key,
    validate_group_name,
    validate_user_name,
)
from sightgate.analytics.mapping.rules import ProvisioningRules, UnmatchedPolicy
from sightgate.platform.errors import ValidationError

ROLE_ORDER: tuple[Role, ...] = (
    Role.ADMIN_PRO,
    Role.ADMIN,
    Role.AUTHOR_PRO,
    Role.AUTHOR,
    Role.READER_PRO,
    Role.READER,
)
"""Highest first: a member of several role groups gets the highest of their roles."""


@dataclass(frozen=True)
class IdentityUserView:
    """What provisioning needs to know about an identity-store user."""

    user_id: str
    user_name: str
    active: bool
    email: str
    """The primary (else the first) e-mail, or a placeholder when the user has none."""


@dataclass(frozen=True)
class Desired:
    """The analytics side of one identity user, as it should be.

    ``provisioned`` False means "no active analytics user": an existing one is
    deactivated (never deleted, so reactivation restores them with their assets).
    ``conflict`` lists the namespaces the user's groups map to when they are several;
    the user then stays where they are (or is not provisioned when they are nowhere).
    """

    provisioned: bool
    namespace: str | None
    role: Role | None
    groups: frozenset[str]
    active: bool
    reason: str
    conflict: tuple[str, ...] | None = None
    create_namespace: bool = False

    @classmethod
    def absent(cls, reason: str, conflict: tuple[str, ...] | None = None) -> Desired:
        """Not provisioned, because of ``reason``."""
        return cls(False, None, None, frozenset(), False, reason, conflict)


def highest_role(
    group_names: Iterable[str], role_groups: Mapping[Role, Iterable[str]]
) -> Role | None:
    """The highest role any of ``group_names`` grants (names compared in any letter case)."""
    keys = {name_key(name) for name in group_names}
    for role in ROLE_ORDER:
        if keys & {name_key(name) for name in role_groups.get(role, ())}:
            return role
    return None


def desired_state(
    user: IdentityUserView | None,
    group_names: Iterable[str],
    role_groups: Mapping[Role, Iterable[str]],
    rules: ProvisioningRules,
    current_namespace: str | None,
) -> Desired:
    """Whether, where, with which role and in which groups ``user`` should be.

    ``user`` None means the identity user no longer exists. ``group_names`` are the
    display names of the identity-store groups the user is a member of;
    ``role_groups`` the account's role groups; ``current_namespace`` where the user's
    analytics user is now (None when there is none).
    """
    if user is None:
        return Desired.absent("deleted from the identity store")
    if not user.active:
        return Desired.absent("deactivated in the identity store")
    names = sorted(set(group_names), key=name_key)
    role = highest_role(names, role_groups)
    if role is None:
        return Desired.absent("not a member of any of the account's role groups")
    try:
        validate_user_name(user.user_name)
    except ValidationError as error:
        return Desired.absent(f"the user name cannot be an analytics user name: {error.reason}")
    groups = frozenset(name for name in names if _valid_group_name(name))
    role_reason = f"{role} from role group membership"

    targets: dict[str, tuple[str, bool, list[str]]] = {}
    for name in names:
        found = rules.match(name)
        if found is None:
            continue
        namespace, create = found
        key = name_key(namespace)
        spelled, creates, via = targets.get(key, (namespace, False, []))
        targets[key] = (spelled, creates or create, [*via, name])

    if not targets:
        if rules.unmatched_users is UnmatchedPolicy.SKIP:
            return Desired.absent("no namespace rule matches the user's groups (unmatched: skip)")
        return Desired(
            True,
            DEFAULT_NAMESPACE,
            role,
            groups,
            True,
            f"{role_reason}; no namespace rule matches: {DEFAULT_NAMESPACE}",
        )
    if len(targets) == 1:
        ((namespace, create, via),) = targets.values()
        return Desired(
            True,
            namespace,
            role,
            groups,
            True,
            f"{role_reason}; namespace {namespace} from group(s) {', '.join(via)}",
            create_namespace=create,
        )
    candidates = tuple(sorted((spelled for spelled, _, _ in targets.values()), key=name_key))
    detail = ", ".join(
        f"{spelled} (from {', '.join(via)})" for spelled, _, via in sorted(targets.values())
    )
    if current_namespace is None:
        return Desired.absent(
            f"the user's groups map to several namespaces: {detail}; not provisioned",
            conflict=candidates,
        )
    return Desired(
        True,
        current_namespace,
        role,
        groups,
        True,
        f"{role_reason}; the user's groups map to several namespaces: {detail}; "
        f"stays in {current_namespace}",
        conflict=candidates,
    )


def _valid_group_name(name: str) -> bool:
    """Identity group names an analytics group can carry (Latin-1, at most 128)."""
    try:
        validate_group_name(name)
    except ValidationError:
        return False
    return True
