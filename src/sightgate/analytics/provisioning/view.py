"""Loading what the planner looks at, in a few statements whatever the number of groups.

The account (with its rules), its namespaces (with their role groups), then for one
identity user: the analytics users that matter and the groups that matter (with the
linked users' memberships) — one statement each, in the caller's transaction, so the
plan sees what the account's provisioning lock protects.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, select

from sightgate.analytics.directory import repository
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.analytics.mapping.rules import DEFAULT_RULES, ProvisioningRules, parse_rules
from sightgate.analytics.mapping.tables import provisioning_rules
from sightgate.analytics.mapping.truth import IdentitySnapshot
from sightgate.analytics.provisioning.planner import AccountView, DirectoryView
from sightgate.platform.errors import NotFoundError
from sightgate.platform.ids import validate_account_id


def read_account(
    conn: Connection, account_id: str
) -> tuple[AccountSubscription, ProvisioningRules]:
    """The account and its rules (the defaults when it never set any), in one statement;
    ``NotFoundError`` for an unknown account."""
    a, r = t.accounts, provisioning_rules
    row = (
        conn.execute(
            select(a, r.c.document.label("rules_document"), r.c.version.label("rules_version"))
            .select_from(a.outerjoin(r, r.c.account_id == a.c.account_id))
            .where(a.c.account_id == validate_account_id(account_id))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError("AccountSubscription", account_id)
    rules = DEFAULT_RULES
    if row["rules_document"] is not None:
        rules = replace(parse_rules(row["rules_document"]), version=int(row["rules_version"]))
    return repository.to_account(row), rules


def account_view(
    conn: Connection,
    account: AccountSubscription,
    rules: ProvisioningRules,
    store_id: str | None,
) -> AccountView:
    """The account's view: ``store_id`` is the store it reads (None: not linked)."""
    namespaces, role_groups = repository.namespaces_and_role_groups(conn, account.account_id)
    return AccountView(account.account_id, store_id, rules, role_groups, tuple(namespaces))


def with_fresh_namespaces(conn: Connection, account: AccountView) -> AccountView:
    """``account`` with its namespaces read again (after a plan created one)."""
    namespaces, _ = repository.namespaces_and_role_groups(conn, account.account_id)
    return replace(account, namespaces=tuple(namespaces))


def directory_view(
    conn: Connection,
    account: AccountView,
    identity_user_id: str,
    snapshot: IdentitySnapshot | None,
) -> DirectoryView:
    """What one identity user's plan looks at (``DirectoryView``), in two statements."""
    names = [snapshot.user.user_name] if snapshot else []
    groups = snapshot.groups if snapshot else {}
    users = repository.users_linked_or_named(conn, account.namespaces, identity_user_id, names)
    found, memberships = repository.groups_matching(
        conn,
        account.namespaces,
        identity_store_group_ids=list(groups),
        group_names=list(groups.values()),
        members_linked_to=identity_user_id,
    )
    return DirectoryView(tuple(users), tuple(found), frozenset(memberships))
