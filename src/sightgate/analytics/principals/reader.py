"""Reading who an analytics user is now, in a bounded number of statements.

For a user managed through the API the directory is the truth. For a user linked to the
identity store (``IAM_IDENTITY_CENTER``), provisioning applies identity changes a little
later, so the directory alone would leave a window in which a user removed from their last
role group, deactivated or deleted still gets in. The reader therefore also asks the
identity store now: the user must exist, be active, be in one of the account's role
groups, and the rules must still place them in this namespace; and the identity-source
groups that count are the ones the identity store says they are in now.

Statements: 4 for an API user (account, namespace, user, groups); at most 10 for an
identity user, whatever the number of groups (adds rules, role groups, the instance that
serves the account, the identity user's name and active flag, their identity groups).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, or_, select

from sightgate.analytics.directory import repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.model import (
    AccountSubscription,
    Namespace,
    Role,
    Source,
    User,
    name_key,
)
from sightgate.analytics.mapping.desired import Desired, desired_state
from sightgate.analytics.mapping.rules import ProvisioningRules
from sightgate.analytics.mapping.rules_service import RulesService
from sightgate.analytics.mapping.truth import IdentityTruth
from sightgate.analytics.principals.model import GroupRef, IdentityStanding, UserPrincipal
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError

NOT_LINKED = "the account is not linked to an Identity Center instance that serves it"


class PrincipalReader:
    """Loads ``UserPrincipal``s; ``NotFoundError`` for an unknown account, namespace or user."""

    def __init__(self, db: Database, truth: IdentityTruth, rules: RulesService) -> None:
        self.db = db
        self.truth = truth
        self.rules = rules

    def user(self, account_id: str, namespace: str, user_name: str) -> UserPrincipal:
        """The analytics user ``user_name`` of ``namespace`` as they are now."""
        with self.db.read() as conn:
            account = repository.require_account(conn, account_id)
            ns = repository.require_namespace(conn, account_id, namespace)
            user = repository.require_user(conn, ns, user_name)
            if user.identity_store_user_id is None:
                groups = _api_groups(conn, ns, user, ())
                reason = "an active user managed through the API"
                if not user.active:
                    reason = f"user {user.user_name} is deactivated"
                return _principal(
                    account, ns, user, user.role, groups, user.active, reason, (account_id,)
                )
            rules = self.rules.get(account_id, conn=conn)
            role_groups = repository.account_role_groups(conn, account_id)
        store_id = self.truth.store_of(account)
        scopes = (account_id,) if store_id is None else (account_id, store_id)
        desired = self._desired(
            store_id, user.identity_store_user_id, role_groups, rules, user.namespace
        )
        allowed, reason = _standing(user, desired)
        with self.db.read() as conn:
            groups = _api_groups(conn, ns, user, desired.groups if allowed else ())
        role = desired.role if allowed and desired.role is not None else user.role
        return _principal(account, ns, user, role, groups, allowed, reason, scopes)

    def identity_user(self, account_id: str, identity_store_user_id: str) -> IdentityStanding:
        """Whether an identity-store user may use the account now, in which namespace and
        with which role, whether or not provisioning has registered them yet."""
        try:
            with self.db.read() as conn:
                account = repository.require_account(conn, account_id)
                rules = self.rules.get(account_id, conn=conn)
                role_groups = repository.account_role_groups(conn, account_id)
                existing = repository.identity_source_users(
                    conn, account_id, identity_store_user_id
                )
        except NotFoundError as error:
            return IdentityStanding(False, error.message)
        current = next((u for u in existing if u.active), existing[0] if existing else None)
        desired = self._desired(
            self.truth.store_of(account),
            identity_store_user_id,
            role_groups,
            rules,
            current.namespace if current else None,
        )
        if not desired.provisioned or desired.namespace is None:
            return IdentityStanding(False, desired.reason)
        return IdentityStanding(True, desired.reason, desired.namespace, desired.role)

    def _desired(
        self,
        store_id: str | None,
        identity_store_user_id: str,
        role_groups: Mapping[Role, set[str]],
        rules: ProvisioningRules,
        current_namespace: str | None,
    ) -> Desired:
        """What the identity store and the rules say of the user now."""
        if store_id is None:
            return Desired.absent(NOT_LINKED)
        snapshot = self.truth.standing(store_id, identity_store_user_id)
        return desired_state(
            snapshot.user if snapshot else None,
            snapshot.groups.values() if snapshot else (),
            role_groups,
            rules,
            current_namespace,
        )


def _standing(user: User, desired: Desired) -> tuple[bool, str]:
    """Whether an identity user may act now, and why (the identity store decides; a user
    deactivated here stays out until provisioning reactivates them)."""
    if not user.active:
        return False, f"user {user.user_name} is deactivated"
    if not desired.provisioned or desired.namespace is None:
        return False, desired.reason
    if name_key(desired.namespace) != name_key(user.namespace):
        return False, f"the identity store now places the user in namespace {desired.namespace}"
    return True, desired.reason


def _api_groups(
    conn: Connection, ns: Namespace, user: User, identity_group_names: frozenset[str] | tuple[()]
) -> tuple[GroupRef, ...]:
    """The groups that count: API-made groups the user is a member of, and the namespace's
    identity-source groups named by the identity store now (one statement)."""
    g, m = t.groups, t.group_memberships
    member_of = select(m.c.group_id).where(m.c.user_id == user.user_id)
    conditions = [g.c.group_id.in_(member_of) & (g.c.source == Source.QUICKSIGHT_API.value)]
    keys = sorted({name_key(name) for name in identity_group_names})
    if keys:
        conditions.append(
            (g.c.source == Source.IDENTITY_SOURCE.value) & g.c.group_name_key.in_(keys)
        )
    rows = conn.execute(
        repository.group_query(ns).where(or_(*conditions)).order_by(g.c.group_name_key)
    ).mappings()
    groups = (repository.to_group(row, ns) for row in rows)
    return tuple(GroupRef(group.group_id, group.group_name, group.arn) for group in groups)


def _principal(
    account: AccountSubscription,
    ns: Namespace,
    user: User,
    role: Role,
    groups: tuple[GroupRef, ...],
    allowed: bool,
    reason: str,
    scopes: tuple[str, ...],
) -> UserPrincipal:
    return UserPrincipal(
        account_id=account.account_id,
        region=ns.capacity_region,
        namespace=ns.name,
        namespace_id=ns.namespace_id,
        namespace_arn=ns.arn,
        user_id=user.user_id,
        user_name=user.user_name,
        arn=user.arn,
        role=role,
        identity_store_user_id=user.identity_store_user_id,
        groups=groups,
        allowed=allowed,
        reason=reason,
        scopes=scopes,
    )
