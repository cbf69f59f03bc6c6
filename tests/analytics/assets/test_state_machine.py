"""Who may see what, as a stateful property: random histories of accounts, namespaces,
users, groups, memberships, nested folders, dashboards and grants, and after every step
the authorizer's answers compared with a reference model written in plain Python.

The questions, for every user of every namespace of every account: may they view each
dashboard id (``authorize_user`` with DescribeDashboard), which dashboards and which
folders may they see (``visible``), and does ``explain`` agree; a name no user has is
refused. Operations are drawn with weights from ``OPERATIONS``, mostly on entities that
exist (``Machine.pick``), so histories grow deep enough to matter. The
model knows nothing of SQL, caches or epochs: it keeps sets, and a dashboard is visible
when a grant to the user, one of their groups (of their namespace) or their namespace
holds the viewer set on it, or a folder role is granted on a folder holding it or on
any folder above that one. Operations the model says must fail (a taken id, a missing
parent, deleting a non-empty folder, a grant to a principal that does not exist) must
fail and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from sightgate.analytics.access.actions import PREFIX, STANDARD, ResourceType
from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.access.explain import Explainer
from sightgate.analytics.access.permissions import Resource, ResourcePermission
from sightgate.analytics.directory.model import AccountSettingsUpdate
from sightgate.analytics.directory.services import Directory
from sightgate.bootstrap import Services
from sightgate.platform.errors import NotFoundError, SightgateError
from tests.analytics.conftest import ACTOR, REGION, register, subscribe

ACCOUNTS = ("111122223333", "444455556666")
NAMESPACES = ("default", "ns1")
USERS = ("u0", "u1", "u2")
GROUPS = ("g0", "g1")
FOLDERS = ("f0", "f1", "f2", "f3")
DASHBOARDS = ("d0", "d1", "d2")
VIEW = PREFIX + "DescribeDashboard"
SEE_FOLDER = PREFIX + "DescribeFolder"

FOLDER_SETS = STANDARD[ResourceType.FOLDER]
DASHBOARD_SETS = STANDARD[ResourceType.DASHBOARD]
assert FOLDER_SETS.contributor is not None
FOLDER_ROLES: dict[str, frozenset[str]] = {
    "viewer": FOLDER_SETS.viewer,
    "contributor": FOLDER_SETS.contributor,
    "owner": FOLDER_SETS.owner,
    "rename-only": frozenset({PREFIX + "UpdateFolder"}),  # holds no role in full
}
DASHBOARD_ROLES: dict[str, frozenset[str]] = {
    "viewer": DASHBOARD_SETS.viewer,
    "owner": DASHBOARD_SETS.owner,
    "query-only": frozenset({PREFIX + "QueryDashboard"}),  # may query, not describe
}
SEES_FOLDER = {"viewer", "contributor", "owner"}
"""Folder roles whose actions include DescribeFolder (and so pass a dashboard viewer down)."""
SEES_DASHBOARD = {"viewer", "owner"}

Principal = tuple[str, str, str]
"""(``user`` | ``group`` | ``namespace``, namespace, name; the namespace's own name)."""
T = TypeVar("T")

OPERATIONS = (
    *("dashboard_grant", "folder_grant", "membership", "folder_member") * 3,
    *("dashboard_lifecycle", "folder_lifecycle") * 2,
    *("user_lifecycle", "group_lifecycle", "namespace_lifecycle", "account_lifecycle"),
)
"""The machine's operations, each as often as it appears."""

POOL_NAMESPACES = list(product(ACCOUNTS, NAMESPACES))
POOL_USERS = list(product(ACCOUNTS, NAMESPACES, USERS))
POOL_GROUPS = list(product(ACCOUNTS, NAMESPACES, GROUPS))
POOL_FOLDERS = list(product(ACCOUNTS, FOLDERS))
POOL_DASHBOARDS = list(product(ACCOUNTS, DASHBOARDS))
POOL_HOLDS = list(product(ACCOUNTS, FOLDERS, DASHBOARDS))
POOL_PRINCIPALS: list[Principal] = [
    *(("user", n, u) for n, u in product(NAMESPACES, USERS)),
    *(("group", n, g) for n, g in product(NAMESPACES, GROUPS)),
    *(("namespace", n, n) for n in NAMESPACES),
    ("user", "default", "g0"),  # a name no user has
]
"""Everything the rules may name: the existing entities are drawn more often."""


def arn(account: str, kind: str, *parts: str) -> str:
    return f"arn:aws:quicksight:{REGION}:{account}:{kind}/{'/'.join(parts)}"


def dashboard(account: str, dashboard_id: str) -> Resource:
    return Resource(account, ResourceType.DASHBOARD, arn(account, "dashboard", dashboard_id))


def principal_arn(account: str, principal: Principal) -> str:
    kind, namespace, name = principal
    if kind == "namespace":
        return f"arn:aws:quicksight:{REGION}:{account}:namespace/{namespace}"
    return arn(account, kind, namespace, name)


def close(directory: Directory, account: str) -> None:
    """Turn termination protection off (it is on for a new account), then unsubscribe."""
    directory.accounts.update_settings(
        account,
        AccountSettingsUpdate("default", termination_protection_enabled=False),
        actor=ACTOR,
    )
    directory.accounts.delete_subscription(account, actor=ACTOR)


@dataclass
class Model:
    """The reference: plain sets, per account."""

    accounts: set[str] = field(default_factory=set)
    namespaces: set[tuple[str, str]] = field(default_factory=set)
    users: set[tuple[str, str, str]] = field(default_factory=set)
    groups: set[tuple[str, str, str]] = field(default_factory=set)
    members: set[tuple[str, str, str, str]] = field(default_factory=set)
    """(account, namespace, group, user)."""
    folders: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(account, folder) -> parent folder."""
    dashboards: set[tuple[str, str]] = field(default_factory=set)
    holds: set[tuple[str, str, str]] = field(default_factory=set)
    """(account, folder, dashboard)."""
    grants: dict[tuple[str, str, str, Principal], str] = field(default_factory=dict)
    """(account, ``folder`` | ``dashboard``, id, principal) -> role."""

    def exists(self, account: str, principal: Principal) -> bool:
        kind, namespace, name = principal
        if kind == "namespace":
            return (account, namespace) in self.namespaces
        found = self.users if kind == "user" else self.groups
        return (account, namespace, name) in found

    def drop_principals(self, gone: Any) -> None:
        """Forget the grants and memberships of principals for which ``gone`` is true."""
        self.grants = {k: v for k, v in self.grants.items() if not gone(k[0], k[3])}
        self.members = {
            (a, n, g, u)
            for a, n, g, u in self.members
            if not gone(a, ("group", n, g)) and not gone(a, ("user", n, u))
        }

    def above(self, account: str, folder: str) -> list[str]:
        """The folder and its ancestors."""
        chain: list[str] = []
        current: str | None = folder
        while current is not None:
            chain.append(current)
            current = self.folders[(account, current)]
        return chain

    def reaching(self, account: str, namespace: str, user: str) -> set[Principal]:
        """The principals whose grants count for the user."""
        if (account, namespace, user) not in self.users:
            return set()
        groups = {
            ("group", namespace, g)
            for a, n, g, u in self.members
            if (a, n, u) == (account, namespace, user)
        }
        return {("user", namespace, user), ("namespace", namespace, namespace), *groups}

    def folder_visible(self, account: str, namespace: str, user: str) -> set[str]:
        whom = self.reaching(account, namespace, user)
        return {
            folder
            for (a, folder) in self.folders
            if a == account
            and any(
                self.grants.get((account, "folder", f, p)) in SEES_FOLDER
                for f in self.above(account, folder)
                for p in whom
            )
        }

    def dashboard_visible(self, account: str, namespace: str, user: str) -> set[str]:
        whom = self.reaching(account, namespace, user)
        folders = self.folder_visible(account, namespace, user)
        found = set()
        for a, dashboard in self.dashboards:
            if a != account:
                continue
            direct = any(
                self.grants.get((account, "dashboard", dashboard, p)) in SEES_DASHBOARD
                for p in whom
            )
            held = any((account, folder, dashboard) in self.holds for folder in folders)
            if direct or held:
                found.add(dashboard)
        return found


def dashboard_request(account: str, folder: str | None) -> dict[str, Any]:
    """CreateDashboard's input: a definition over a dataset the account does not have
    (LENIENT reports it rather than refusing), in ``folder`` if one is named."""
    return {
        "Name": "dashboard",
        "Definition": {
            "DataSetIdentifierDeclarations": [
                {"Identifier": "sales", "DataSetArn": arn(account, "dataset", "sales")}
            ]
        },
        "ValidationStrategy": {"Mode": "LENIENT"},
        "FolderArns": [arn(account, "folder", folder)] if folder else [],
    }


class Machine(RuleBasedStateMachine):
    """Random histories through the real services (module docstring)."""

    services: Services

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.explainer = Explainer(self.services.access.authorizer)

    # -- how an operation is checked -----------------------------------------------------

    def attempt(self, valid: bool, operation: Any) -> bool:
        """Run ``operation``; it must succeed exactly when the model says it is valid."""
        try:
            operation()
        except SightgateError as error:
            assert not valid, f"refused although valid: {error}"
            return False
        assert valid, "accepted although the model says it must fail"
        return True

    def pick(self, data: st.DataObject, existing: Iterable[T], pool: Sequence[T]) -> T:
        """Mostly one of ``existing`` (so histories grow), sometimes anything of ``pool``
        (so refusals are tried too)."""
        known = sorted(existing)  # type: ignore[type-var]
        if known and data.draw(st.integers(0, 4), label="existing?") < 4:
            return data.draw(st.sampled_from(known))
        return data.draw(st.sampled_from(pool))

    def pick_account(self, data: st.DataObject) -> str:
        return self.pick(data, self.model.accounts, ACCOUNTS)

    # -- the one rule: an operation, drawn with weights ----------------------------------

    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        """One operation of ``OPERATIONS`` (one rule, so the weights are ours: grants,
        memberships and folders often, whole accounts rarely)."""
        getattr(self, data.draw(st.sampled_from(OPERATIONS), label="operation"))(data)

    def dashboard_lifecycle(self, data: st.DataObject) -> None:
        create = data.draw(st.booleans(), label="create")
        if create:
            account = self.pick_account(data)
            folder = self.pick(data, self.folders_of(account), [*FOLDERS, None])
            self.create_dashboard(account, data.draw(st.sampled_from(DASHBOARDS)), folder)
        else:
            self.delete_dashboard(*self.pick(data, self.model.dashboards, POOL_DASHBOARDS))

    def folder_lifecycle(self, data: st.DataObject) -> None:
        create = data.draw(st.booleans(), label="create")
        if create:
            account = self.pick_account(data)
            parent = self.pick(data, self.folders_of(account), [*FOLDERS, None])
            self.create_folder(account, data.draw(st.sampled_from(FOLDERS)), parent)
        else:
            self.delete_folder(*self.pick(data, self.model.folders, POOL_FOLDERS))

    def user_lifecycle(self, data: st.DataObject) -> None:
        create = data.draw(st.booleans(), label="create")
        if create:
            account, namespace = self.pick(data, self.model.namespaces, POOL_NAMESPACES)
            self.create_user(account, namespace, data.draw(st.sampled_from(USERS)))
        else:
            self.delete_user(*self.pick(data, self.model.users, POOL_USERS))

    def group_lifecycle(self, data: st.DataObject) -> None:
        create = data.draw(st.booleans(), label="create")
        if create:
            account, namespace = self.pick(data, self.model.namespaces, POOL_NAMESPACES)
            self.create_group(account, namespace, data.draw(st.sampled_from(GROUPS)))
        else:
            self.delete_group(*self.pick(data, self.model.groups, POOL_GROUPS))

    def namespace_lifecycle(self, data: st.DataObject) -> None:
        account = data.draw(st.sampled_from(ACCOUNTS))
        create = data.draw(st.booleans(), label="create")
        if create:
            self.create_namespace(account)
        else:
            self.delete_namespace(account, "ns1")

    def account_lifecycle(self, data: st.DataObject) -> None:
        account = data.draw(st.sampled_from(ACCOUNTS))
        create = data.draw(st.booleans(), label="create")
        if create:
            self.create_account(account)
        else:
            self.delete_account(account)

    # -- accounts, namespaces, users, groups, memberships --------------------------------

    @initialize()
    def two_accounts(self) -> None:
        """Both accounts, with a user and a group in each namespace to start from."""
        for account in ACCOUNTS:
            self.create_account(account)
        self.create_namespace(ACCOUNTS[0])
        for account, namespace in sorted(self.model.namespaces):
            self.create_user(account, namespace, USERS[0])
            self.create_group(account, namespace, GROUPS[0])
        account = ACCOUNTS[0]
        folders, dashboards = self.services.folders, self.services.dashboards
        folders.create(account, FOLDERS[0], actor=ACTOR, name=FOLDERS[0])
        dashboards.create(
            account, DASHBOARDS[0], dashboard_request(account, FOLDERS[0]), actor=ACTOR
        )
        self.model.folders[(account, FOLDERS[0])] = None
        self.model.dashboards.add((account, DASHBOARDS[0]))
        self.model.holds.add((account, FOLDERS[0], DASHBOARDS[0]))

    def create_account(self, account: str) -> None:
        m = self.model
        valid = account not in m.accounts
        if self.attempt(
            valid, lambda: subscribe(self.services.directory, account, name=f"acct-{account}")
        ):
            m.accounts.add(account)
            m.namespaces.add((account, "default"))

    def delete_account(self, account: str) -> None:
        m = self.model
        directory = self.services.directory
        if self.attempt(account in m.accounts, lambda: close(directory, account)):
            m.accounts.discard(account)
            m.namespaces = {x for x in m.namespaces if x[0] != account}
            m.users = {x for x in m.users if x[0] != account}
            m.groups = {x for x in m.groups if x[0] != account}
            m.members = {x for x in m.members if x[0] != account}
            m.folders = {k: v for k, v in m.folders.items() if k[0] != account}
            m.dashboards = {x for x in m.dashboards if x[0] != account}
            m.holds = {x for x in m.holds if x[0] != account}
            m.grants = {k: v for k, v in m.grants.items() if k[0] != account}

    def create_namespace(self, account: str) -> None:
        m = self.model
        valid = account in m.accounts and (account, "ns1") not in m.namespaces
        namespaces = self.services.directory.namespaces
        if self.attempt(valid, lambda: namespaces.create(account, "ns1", actor=ACTOR)):
            m.namespaces.add((account, "ns1"))

    def delete_namespace(self, account: str, namespace: str) -> None:
        m = self.model
        valid = (account, namespace) in m.namespaces and namespace != "default"
        namespaces = self.services.directory.namespaces
        if self.attempt(valid, lambda: namespaces.delete(account, namespace, actor=ACTOR)):
            m.namespaces.discard((account, namespace))
            m.users = {x for x in m.users if x[:2] != (account, namespace)}
            m.groups = {x for x in m.groups if x[:2] != (account, namespace)}
            m.drop_principals(lambda a, p: a == account and p[1] == namespace)

    def create_user(self, account: str, namespace: str, user: str) -> None:
        m = self.model
        valid = (account, namespace) in m.namespaces and (account, namespace, user) not in m.users
        directory = self.services.directory
        if self.attempt(
            valid, lambda: register(directory, user, namespace=namespace, account_id=account)
        ):
            m.users.add((account, namespace, user))

    def delete_user(self, account: str, namespace: str, user: str) -> None:
        m = self.model
        valid = (account, namespace, user) in m.users
        users = self.services.directory.users
        if self.attempt(valid, lambda: users.delete(account, namespace, user, actor=ACTOR)):
            m.users.discard((account, namespace, user))
            m.drop_principals(lambda a, p: a == account and p == ("user", namespace, user))

    def create_group(self, account: str, namespace: str, group: str) -> None:
        m = self.model
        valid = (account, namespace) in m.namespaces and (account, namespace, group) not in m.groups
        groups = self.services.directory.groups
        if self.attempt(valid, lambda: groups.create(account, namespace, group, actor=ACTOR)):
            m.groups.add((account, namespace, group))

    def delete_group(self, account: str, namespace: str, group: str) -> None:
        m = self.model
        valid = (account, namespace, group) in m.groups
        groups = self.services.directory.groups
        if self.attempt(valid, lambda: groups.delete(account, namespace, group, actor=ACTOR)):
            m.groups.discard((account, namespace, group))
            m.drop_principals(lambda a, p: a == account and p == ("group", namespace, group))

    def membership(self, data: st.DataObject) -> None:
        join = data.draw(st.booleans(), label="join")
        m = self.model
        account, namespace, group = self.pick(data, m.groups, POOL_GROUPS)
        user = self.pick(data, [u for a, n, u in m.users if (a, n) == (account, namespace)], USERS)
        key = (account, namespace, group, user)
        both = (account, namespace, group) in m.groups and (account, namespace, user) in m.users
        memberships = self.services.directory.memberships
        if join:  # joining twice changes nothing (CreateGroupMembership is idempotent)
            if self.attempt(
                both, lambda: memberships.create(account, namespace, group, user, actor=ACTOR)
            ):
                m.members.add(key)
        else:
            if self.attempt(
                key in m.members,
                lambda: memberships.delete(account, namespace, group, user, actor=ACTOR),
            ):
                m.members.discard(key)

    # -- folders and dashboards ----------------------------------------------------------

    def folders_of(self, account: str) -> list[str]:
        return [f for a, f in self.model.folders if a == account]

    def create_folder(self, account: str, folder: str, parent: str | None) -> None:
        m = self.model
        valid = (
            account in m.accounts
            and (account, folder) not in m.folders
            and (parent is None or (account, parent) in m.folders)
        )
        parent_arn = arn(account, "folder", parent) if parent else None
        folders = self.services.folders
        if self.attempt(
            valid,
            lambda: folders.create(
                account, folder, actor=ACTOR, name=folder, parent_arn=parent_arn
            ),
        ):
            m.folders[(account, folder)] = parent

    def delete_folder(self, account: str, folder: str) -> None:
        m = self.model
        valid = (
            (account, folder) in m.folders
            and folder not in {p for (a, _), p in m.folders.items() if a == account}
            and not any(h[:2] == (account, folder) for h in m.holds)
        )
        folders = self.services.folders
        if self.attempt(valid, lambda: folders.delete(account, folder, actor=ACTOR)):
            del m.folders[(account, folder)]
            m.grants = {k: v for k, v in m.grants.items() if k[:3] != (account, "folder", folder)}

    def create_dashboard(self, account: str, dashboard: str, folder: str | None) -> None:
        m = self.model
        valid = (
            account in m.accounts
            and (account, dashboard) not in m.dashboards
            and (folder is None or (account, folder) in m.folders)
        )
        request = dashboard_request(account, folder)
        dashboards = self.services.dashboards
        if self.attempt(valid, lambda: dashboards.create(account, dashboard, request, actor=ACTOR)):
            m.dashboards.add((account, dashboard))
            if folder:
                m.holds.add((account, folder, dashboard))

    def delete_dashboard(self, account: str, dashboard: str) -> None:
        m = self.model
        valid = (account, dashboard) in m.dashboards
        dashboards = self.services.dashboards
        if self.attempt(valid, lambda: dashboards.delete(account, dashboard, actor=ACTOR)):
            m.dashboards.discard((account, dashboard))
            m.holds = {h for h in m.holds if (h[0], h[2]) != (account, dashboard)}
            m.grants = {
                k: v for k, v in m.grants.items() if k[:3] != (account, "dashboard", dashboard)
            }

    def folder_member(self, data: st.DataObject) -> None:
        add = data.draw(st.booleans(), label="add")
        m = self.model
        folders = self.services.folders
        if add:
            account, dashboard = self.pick(data, m.dashboards, POOL_DASHBOARDS)
            folder = self.pick(data, self.folders_of(account), FOLDERS)
            key = (account, folder, dashboard)
            exists = (account, folder) in m.folders and (account, dashboard) in m.dashboards
            valid = exists and key not in m.holds  # a folder holds only what exists
            if self.attempt(
                valid,
                lambda: folders.add_member(account, folder, "DASHBOARD", dashboard, actor=ACTOR),
            ):
                m.holds.add(key)
        else:
            account, folder, dashboard = self.pick(data, m.holds, POOL_HOLDS)
            key = (account, folder, dashboard)
            if self.attempt(
                key in m.holds,
                lambda: folders.remove_member(account, folder, "DASHBOARD", dashboard, actor=ACTOR),
            ):
                m.holds.discard(key)

    # -- grants --------------------------------------------------------------------------

    def pick_principal(self, data: st.DataObject, account: str) -> Principal:
        """A user, group or namespace of the account, mostly one that exists."""
        m = self.model
        existing: list[Principal] = [
            *(("user", n, u) for a, n, u in m.users if a == account),
            *(("group", n, g) for a, n, g in m.groups if a == account),
            *(("namespace", n, n) for a, n in m.namespaces if a == account),
        ]
        return self.pick(data, existing, POOL_PRINCIPALS)

    def folder_grant(self, data: st.DataObject) -> None:
        """Give a principal exactly ``role`` on a folder (None: revoke everything);
        folders are never granted to namespaces."""
        m = self.model
        account, folder = self.pick(data, m.folders, POOL_FOLDERS)
        principal = self.pick_principal(data, account)
        role = data.draw(st.sampled_from([*sorted(FOLDER_ROLES), None]), label="role")
        key = (account, "folder", folder, principal)
        grantable = principal[0] != "namespace" and m.exists(account, principal)
        valid = (account, folder) in m.folders and (role is None or grantable)
        entry = principal_arn(account, principal)
        revoke = [ResourcePermission(entry, FOLDER_SETS.owner)]
        grant = [ResourcePermission(entry, FOLDER_ROLES[role])] if role else []
        folders = self.services.folders
        if self.attempt(
            valid,
            lambda: folders.update_permissions(
                account, folder, grant=grant, revoke=revoke, actor=ACTOR
            ),
        ):
            if role:
                m.grants[key] = role
            else:
                m.grants.pop(key, None)

    def dashboard_grant(self, data: st.DataObject) -> None:
        """Give a principal exactly ``role`` on a dashboard (None: revoke everything)."""
        m = self.model
        account, dashboard = self.pick(data, m.dashboards, POOL_DASHBOARDS)
        principal = self.pick_principal(data, account)
        role = data.draw(st.sampled_from([*sorted(DASHBOARD_ROLES), None]), label="role")
        key = (account, "dashboard", dashboard, principal)
        valid = (account, dashboard) in m.dashboards and (
            role is None or m.exists(account, principal)
        )
        entry = principal_arn(account, principal)
        revoke = [ResourcePermission(entry, DASHBOARD_SETS.owner).to_json()]
        grant = [ResourcePermission(entry, DASHBOARD_ROLES[role]).to_json()] if role else []
        dashboards = self.services.dashboards
        if self.attempt(
            valid,
            lambda: dashboards.update_permissions(
                account, dashboard, grant=grant, revoke=revoke, actor=ACTOR
            ),
        ):
            if role:
                m.grants[key] = role
            else:
                m.grants.pop(key, None)

    # -- the property --------------------------------------------------------------------

    @invariant()
    def the_authorizer_agrees_with_the_model(self) -> None:
        """Every user of the model fully; each name no user has, on one dashboard id."""
        authorizer = self.services.access.authorizer
        m = self.model
        for account in sorted(m.accounts):
            for namespace, user in product(NAMESPACES, USERS):
                if (account, namespace, user) in m.users:
                    self._check_user(authorizer, m, account, namespace, user)
                    continue
                absent = authorizer.authorize_user(
                    account, namespace, user, VIEW, dashboard(account, DASHBOARDS[0])
                )
                assert not absent.allowed, (account, namespace, user)
                with pytest.raises(NotFoundError):
                    authorizer.user(account, namespace, user)

    def _check_user(
        self, authorizer: Authorizer, m: Model, account: str, namespace: str, user: str
    ) -> None:
        who = f"{user} of {account}/{namespace}"
        dashboards = m.dashboard_visible(account, namespace, user)
        for dashboard_id in DASHBOARDS:
            target = dashboard(account, dashboard_id)
            decision = authorizer.authorize_user(account, namespace, user, VIEW, target)
            assert decision.allowed == (dashboard_id in dashboards), (who, dashboard_id, decision)
        principal = authorizer.user(account, namespace, user)
        seen = authorizer.visible(principal, ResourceType.DASHBOARD, VIEW)
        assert seen == sorted(arn(account, "dashboard", d) for d in dashboards), who
        folders = authorizer.visible(principal, ResourceType.FOLDER, SEE_FOLDER)
        wanted = m.folder_visible(account, namespace, user)
        assert folders == sorted(arn(account, "folder", f) for f in wanted), who
        for dashboard_id in sorted(dashboards)[:1]:
            explained = self.explainer.explain(
                account, namespace, user, arn(account, "dashboard", dashboard_id)
            )
            assert explained.allowed and explained.deciding is not None, (who, dashboard_id)
            assert explained.deciding.steps[-1].arn == arn(account, "dashboard", dashboard_id)

    def teardown(self) -> None:
        """Every account goes, whatever the model thinks (the next example starts empty)."""
        for account in ACCOUNTS:
            try:
                close(self.services.directory, account)
            except NotFoundError:
                continue


EXAMPLES = {"sqlite": 25, "postgresql": 12}
"""Histories per backend: about a minute each on a busy two-core machine (PostgreSQL's
round trips cost more per step)."""


def test_the_authorizer_never_departs_from_the_model(services: Services) -> None:
    class Bound(Machine):
        pass

    Bound.services = services
    run_state_machine_as_test(
        Bound,
        settings=settings(
            max_examples=EXAMPLES[services.db.engine.dialect.name],
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
