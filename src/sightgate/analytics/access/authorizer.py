"""The authorizer: the one place that decides "may this principal do this action on this
resource", and says why.

Principals are access-key holders (an account's root on the AWS API), SCIM clients (one
identity store) and analytics users (their grants, through their groups and namespace).
Every adapter asks here; deny is the default. Answers about analytics users are cached
per process and reused only while the epochs of the scopes they depend on are unchanged
(``epoch.py``), so a change that takes access away is seen by the very next request in
every process.
"""

from __future__ import annotations

from dataclasses import dataclass

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.epoch import EpochCache
from sightgate.analytics.access.permissions import (
    ArnStatement,
    Grant,
    Grantee,
    PermissionService,
    Resource,
    distinct_arns,
)
from sightgate.analytics.directory.identity_source import InstanceReader, serving_instance
from sightgate.analytics.principals.model import AccountCaller, ScimClient, UserPrincipal
from sightgate.analytics.principals.reader import PrincipalReader
from sightgate.platform.db import Database
from sightgate.platform.errors import AccessDeniedError, NotFoundError
from sightgate.platform.events import PROVISIONING, Actor


@dataclass(frozen=True)
class Decision:
    """An answer and why: ``via`` is the chain that decided it, principal first
    (``user …`` → ``group …`` → ``grant on …``), for logs, the audit trail and explain."""

    allowed: bool
    reason: str
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountResource:
    """Anything of one account that is not an asset with permissions (its directory)."""

    account_id: str


@dataclass(frozen=True)
class IdentityStoreResource:
    """An identity store: its users, groups and memberships."""

    identity_store_id: str


@dataclass(frozen=True)
class IdentitySource:
    """An Identity Center instance as an account's identity source."""

    instance_arn: str


@dataclass(frozen=True)
class InstanceResource:
    """An Identity Center instance itself (SSO Admin's Describe/Update/DeleteInstance)."""

    instance_arn: str


Principal = AccountCaller | ScimClient | UserPrincipal
Target = AccountResource | IdentityStoreResource | IdentitySource | InstanceResource | Resource


def may_change_identity_source_records(actor: Actor) -> bool:
    """Only the provisioning worker changes users, groups and memberships provisioned from
    the identity source: the identity provider is their truth, and a change made through
    the API or the CLI would be undone (or silently diverge) at the next provisioning run.
    The directory is built with this rule and applies it to each unit of work's actor."""
    return actor == PROVISIONING


def _allow(reason: str, *via: str) -> Decision:
    return Decision(True, reason, via)


def _deny(reason: str, *via: str) -> Decision:
    return Decision(False, reason, via)


class Authorizer:
    """``authorize`` / ``require`` for every principal and resource kind."""

    def __init__(
        self,
        db: Database,
        principals: PrincipalReader,
        permissions: PermissionService,
        instances: InstanceReader,
        *,
        cache_entries: int = 10_000,
    ) -> None:
        self.db = db
        self.principals = principals
        self.permissions = permissions
        self.instances = instances
        self._principals: EpochCache[tuple[str, str, str], UserPrincipal] = EpochCache(
            db, cache_entries
        )
        self._decisions: EpochCache[tuple[str, str, str, str, str], Decision] = EpochCache(
            db, cache_entries
        )

    # -- principals ----------------------------------------------------------------------

    def user(self, account_id: str, namespace: str, user_name: str) -> UserPrincipal:
        """The analytics user as they are now (cached while nothing they depend on moved);
        ``NotFoundError`` when there is no such user."""
        key = (account_id, namespace.casefold(), user_name.casefold())

        def load() -> tuple[UserPrincipal, tuple[str, ...]]:
            principal = self.principals.user(account_id, namespace, user_name)
            return principal, principal.scopes

        return self._principals.get(key, load)

    # -- decisions -----------------------------------------------------------------------

    def authorize_user(
        self, account_id: str, namespace: str, user_name: str, action: str, target: Resource
    ) -> Decision:
        """``authorize`` for the analytics user named, cached: warm, it costs one statement
        (the epochs of the scopes the answer depends on). A first decision about a user
        already known is stored ready for reuse: it depends on the user's scopes."""
        user_key = (account_id, namespace.casefold(), user_name.casefold())
        key = (*user_key, action, target.arn)

        def decide() -> tuple[Decision, tuple[str, ...]]:
            try:
                principal = self.user(account_id, namespace, user_name)
            except NotFoundError as error:
                return _deny(error.message), (account_id,)
            return self._user(principal, action, target), principal.scopes

        return self._decisions.get(key, decide, self._principals.scopes(user_key))

    def require(self, principal: Principal, action: str, target: Target) -> Decision:
        """``authorize``, raising ``AccessDeniedError`` (with the reason) on a denial."""
        decision = self.authorize(principal, action, target)
        if not decision.allowed:
            raise AccessDeniedError(decision.reason)
        return decision

    def authorize(self, principal: Principal, action: str, target: Target) -> Decision:
        """May ``principal`` do ``action`` on ``target``, and why."""
        if isinstance(principal, AccountCaller):
            return self._account_caller(principal, target)
        if isinstance(principal, ScimClient):
            return self._scim_client(principal, target)
        return self._user(principal, action, target)

    def _account_caller(self, caller: AccountCaller, target: Target) -> Decision:
        via = f"access key of account {caller.account_id}"
        if isinstance(target, AccountResource | Resource):
            if target.account_id == caller.account_id:
                return _allow("the access key's own account", via)
            return _deny(
                f"an access key of account {caller.account_id} cannot act on account "
                f"{target.account_id}",
                via,
            )
        if isinstance(target, IdentitySource | InstanceResource):
            # An instance serves its owner (ACCOUNT) or the accounts attached to it
            # (ORGANIZATION): those may link it as their identity source and manage it.
            try:
                serving_instance(self.instances, target.instance_arn, caller.account_id)
            except AccessDeniedError as error:
                return _deny(error.reason, via)
            return _allow("the instance serves the access key's account", via)
        return self._store_serves(caller, target, via)

    def _store_serves(
        self, caller: AccountCaller, target: IdentityStoreResource, via: str
    ) -> Decision:
        try:
            instance = self.instances.get_by_identity_store(target.identity_store_id)
        except NotFoundError:
            instance = None
        if instance is None or caller.account_id not in instance.account_ids:
            return _deny(
                f"identity store {target.identity_store_id} does not serve account "
                f"{caller.account_id}",
                via,
            )
        return _allow("the identity store serves the access key's account", via)

    @staticmethod
    def _scim_client(client: ScimClient, target: Target) -> Decision:
        via = f"SCIM token {client.token_id}"
        if (
            isinstance(target, IdentityStoreResource)
            and target.identity_store_id == client.identity_store_id
        ):
            return _allow("the token's own identity store", via)
        return _deny(f"the token acts on identity store {client.identity_store_id} only", via)

    def _user(self, user: UserPrincipal, action: str, target: Target) -> Decision:
        who = f"user {user.arn}"
        if not user.allowed:
            return _deny(user.reason, who)
        if not isinstance(target, Resource):
            return _deny(f"{action} is not an action analytics users can take", who)
        if target.account_id != user.account_id:
            return _deny(f"{target.arn} is in another account", who)
        with self.db.read() as conn:
            grants = self.permissions.effective(conn, Grantee.of(user), target)
        for grant in grants:
            if action in grant.actions:
                return _allow(
                    f"{action} granted on {grant.folder or target.arn} to {grant.principal}",
                    who,
                    *_path(user, grant.principal),
                    *_grant_chain(target, grant),
                )
        return _deny(
            f"no permission grants {action} on {target.arn} to {user.user_name}, "
            "their groups or their namespace, nor on a folder above it",
            who,
        )

    def visible(self, user: UserPrincipal, resource_type: ResourceType, action: str) -> list[str]:
        """The ARNs of the ``resource_type`` resources on which ``user`` has ``action``,
        granted on them or passed down by folders."""
        with self.db.read() as conn:
            reached = self.visible_statement(user, resource_type, action)
            return sorted(conn.scalars(distinct_arns(reached)))

    def visible_statement(
        self, user: UserPrincipal, resource_type: ResourceType, action: str
    ) -> ArnStatement:
        """``visible`` as a statement, for a search to filter, order and page in SQL; a
        user who may not act now is granted nothing (a grantee with no principal)."""
        grantee = Grantee.of(user) if user.allowed else Grantee(user.account_id)
        return self.reachable_statement(grantee, resource_type, action)

    def reachable(
        self,
        grantee: Grantee,
        resource_type: ResourceType,
        action: str,
        *,
        inherited: bool = True,
    ) -> list[str]:
        """The ARNs of the ``resource_type`` resources on which the grants to ``grantee``
        give ``action``: a group's reach, or (without ``inherited``) only what is granted
        on the resources themselves, as SearchFolders' ``DIRECT_*`` filters ask."""
        with self.db.read() as conn:
            return self.permissions.visible(
                conn, grantee, resource_type, action, inherited=inherited
            )

    def reachable_statement(
        self,
        grantee: Grantee,
        resource_type: ResourceType,
        action: str,
        *,
        inherited: bool = True,
    ) -> ArnStatement:
        """``reachable`` as a statement (its ARNs unordered, perhaps more than once)."""
        return self.permissions.visible_statement(
            grantee, resource_type, action, inherited=inherited
        )


def _grant_chain(target: Resource, grant: Grant) -> tuple[str, ...]:
    """The grant that decided, and for an inherited one, what it passes down."""
    if grant.folder is None:
        return (f"grant on {target.arn}: {', '.join(sorted(grant.actions))}",)
    return (
        f"grant on {grant.folder}: {', '.join(sorted(grant.folder_actions))}",
        f"inherited by {target.arn} (in {grant.folder} or a folder below it): "
        f"{', '.join(sorted(grant.actions))}",
    )


def _path(user: UserPrincipal, principal_arn: str) -> tuple[str, ...]:
    """How a grant's principal reaches the user: themselves, a group, or the namespace."""
    if principal_arn == user.arn:
        return ()
    for group in user.groups:
        if group.arn == principal_arn:
            return (f"group {group.arn}",)
    return (f"namespace {user.namespace_arn}",)
