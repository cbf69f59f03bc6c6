"""Just-in-time provisioning: what sign-in calls to get the analytics user of an
identity user, creating it on demand when the account's rules allow it.

The worker provisions everyone ahead of time; JIT covers the moment between an identity
change and the worker catching up. QuickSight does JIT only into ``default``
(``default-only``, our default too); the forum thread's customers want it off so users
are only ever pre-registered in their own namespace (``off``).
"""

from __future__ import annotations

from sightgate.analytics.directory import repository
from sightgate.analytics.directory.model import User, name_key
from sightgate.analytics.mapping.rules_service import RulesService
from sightgate.analytics.principals.reader import PrincipalReader
from sightgate.analytics.provisioning.errors import NotProvisionedError
from sightgate.analytics.provisioning.sync import ProvisioningService
from sightgate.platform.db import Database
from sightgate.platform.errors import AccessDeniedError


class JitProvisioning:
    """Sign-in's view of provisioning."""

    def __init__(
        self,
        db: Database,
        provisioning: ProvisioningService,
        principals: PrincipalReader,
        rules: RulesService,
    ) -> None:
        self.db = db
        self.provisioning = provisioning
        self.principals = principals
        self.rules = rules

    def sign_in(self, account_id: str, identity_store_user_id: str) -> User:
        """The active analytics user of an identity user, provisioned now if allowed.

        ``AccessDeniedError`` when the identity store does not let the user in (not in a
        role group, deactivated, deleted, ...); ``NotProvisionedError`` when they may use
        the account but are not provisioned and JIT is off for their namespace.
        """
        decision = self.principals.identity_user(account_id, identity_store_user_id)
        if not decision.allowed or decision.namespace is None:
            raise AccessDeniedError(decision.reason)
        found = self._current(account_id, identity_store_user_id, decision.namespace)
        if found is not None:
            return found
        rules = self.rules.get(account_id)
        if not rules.allows_jit(decision.namespace):
            raise NotProvisionedError(
                identity_store_user_id,
                f"just-in-time provisioning is {rules.just_in_time_provisioning} and the "
                f"user belongs in namespace {decision.namespace}",
            )
        account = self.provisioning.directory.accounts.describe(account_id)
        store_id = self.provisioning.truth.store_of(account)
        if store_id is None:
            raise AccessDeniedError("the account is not linked to an Identity Center instance")
        result = self.provisioning.sync_user(account_id, store_id, identity_store_user_id)
        found = self._current(account_id, identity_store_user_id, decision.namespace)
        if found is None:
            raise NotProvisionedError(
                identity_store_user_id, "; ".join(result.conflicts) or result.desired.reason
            )
        return found

    def _current(self, account_id: str, identity_store_user_id: str, namespace: str) -> User | None:
        """The user's active analytics user in ``namespace``, if provisioned there."""
        with self.db.read() as conn:
            users = repository.identity_source_users(conn, account_id, identity_store_user_id)
        return next(
            (u for u in users if u.active and name_key(u.namespace) == name_key(namespace)),
            None,
        )
