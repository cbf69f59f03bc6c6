"""May this principal act at all? The check every later decision (sharing, embedding,
sign-in) starts with.

Revocation must hold the moment the identity store commits it, in every server process.
Provisioning is asynchronous (a worker applies identity events a little later), so the
analytics user's ``active`` flag alone would leave a window in which a user removed from
their last role group, deactivated or deleted still gets in. For users linked to an
identity-store user the check therefore also asks the identity store *now*, through its
public services: the user must exist, be active, be in one of the account's role groups,
and the rules must still place them in this namespace. Nothing is cached, so there is no
stale window in any process; the price is a handful of indexed reads per decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sightgate.analytics.directory import repository
from sightgate.analytics.directory.model import AccountSubscription, Role, User, name_key
from sightgate.analytics.provisioning.desired import Desired, desired_state
from sightgate.analytics.provisioning.rules import ProvisioningRules
from sightgate.analytics.provisioning.rules_service import RulesService
from sightgate.analytics.provisioning.truth import IdentityTruth
from sightgate.platform.db import Database
from sightgate.platform.errors import SightgateError


@dataclass(frozen=True)
class Decision:
    """An authorization answer and why; ``role``, ``namespace`` and ``groups`` are the
    principal's effective ones when allowed (for identity users: as the identity store
    says now, even before provisioning caught up)."""

    allowed: bool
    reason: str
    role: Role | None = None
    namespace: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def deny(cls, reason: str) -> Decision:
        """A refusal."""
        return cls(False, reason)


class PrincipalAccess:
    """Deny-by-default decisions about analytics users and identity users."""

    def __init__(self, db: Database, truth: IdentityTruth, rules: RulesService) -> None:
        self.db = db
        self.truth = truth
        self.rules = rules

    def check(self, account_id: str, namespace: str, user_name: str) -> Decision:
        """Whether the analytics user ``user_name`` of ``namespace`` may act now."""
        try:
            with self.db.read() as conn:
                account = repository.require_account(conn, account_id)
                ns = repository.require_namespace(conn, account_id, namespace)
                user = repository.require_user(conn, ns, user_name)
                rules = self.rules.get(account_id, conn=conn)
                role_groups = repository.account_role_groups(conn, account_id)
        except SightgateError as error:
            return Decision.deny(error.message)
        if not user.active:
            return Decision.deny(f"user {user.user_name} is deactivated")
        if user.identity_store_user_id is None:
            return Decision(
                True, "an active user managed through the API", user.role, user.namespace
            )
        desired = self._desired(account, user.identity_store_user_id, role_groups, rules, user)
        if not desired.provisioned or desired.namespace is None:
            return Decision.deny(desired.reason)
        if name_key(desired.namespace) != name_key(user.namespace):
            return Decision.deny(
                f"the identity store now places the user in namespace {desired.namespace}"
            )
        return Decision(True, desired.reason, desired.role, user.namespace, desired.groups)

    def check_identity_user(self, account_id: str, identity_store_user_id: str) -> Decision:
        """Whether an identity-store user may use the account now (sign-in asks this),
        and in which namespace with which role."""
        try:
            with self.db.read() as conn:
                account = repository.require_account(conn, account_id)
                rules = self.rules.get(account_id, conn=conn)
                role_groups = repository.account_role_groups(conn, account_id)
                existing = repository.identity_source_users(
                    conn, account_id, identity_store_user_id
                )
        except SightgateError as error:
            return Decision.deny(error.message)
        current = next((u for u in existing if u.active), existing[0] if existing else None)
        desired = self._desired(account, identity_store_user_id, role_groups, rules, current)
        if not desired.provisioned:
            return Decision.deny(desired.reason)
        return Decision(True, desired.reason, desired.role, desired.namespace, desired.groups)

    def _desired(
        self,
        account: AccountSubscription,
        identity_store_user_id: str,
        role_groups: Mapping[Role, set[str]],
        rules: ProvisioningRules,
        current: User | None,
    ) -> Desired:
        store_id = self.truth.store_of(account)
        if store_id is None:
            return Desired.absent(
                "the account is not linked to an existing Identity Center instance"
            )
        snapshot = self.truth.snapshot(store_id, identity_store_user_id)
        return desired_state(
            snapshot.user if snapshot else None,
            snapshot.groups.values() if snapshot else (),
            role_groups,
            rules,
            current.namespace if current else None,
        )
