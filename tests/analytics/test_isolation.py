"""Isolation: nothing of one namespace is visible or changeable from another namespace,
and nothing of one account from another account."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sightgate.analytics.directory.model import AccountSubscription, Tag, UserUpdate
from sightgate.analytics.directory.services import Directory
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    last_position,
    register,
    subscribe,
    types_after,
)


@pytest.fixture
def tenants(directory: Directory, account: AccountSubscription) -> None:
    """Account 1 with namespaces a and b, account 2 with a namespace a; in account 1's
    namespace a: user alice, group team (alice in it), role membership, tags."""
    subscribe(directory, OTHER_ACCOUNT, name="other")
    directory.namespaces.create(ACCOUNT, "a", actor=ACTOR)
    directory.namespaces.create(ACCOUNT, "b", actor=ACTOR)
    directory.namespaces.create(OTHER_ACCOUNT, "a", actor=ACTOR)
    alice = register(directory, "alice", "a", tags=(Tag("k", "v"),))
    directory.groups.create(ACCOUNT, "a", "team", actor=ACTOR)
    directory.memberships.create(ACCOUNT, "a", "team", "alice", actor=ACTOR)
    directory.roles.create(ACCOUNT, "a", "READER", "idp-readers", actor=ACTOR)
    assert alice.principal_id


def _attempts(directory: Directory, account_id: str, namespace: str) -> list[Callable[[], object]]:
    """Every read and write of account 1's namespace-a things, aimed at another place."""
    users, groups, members = directory.users, directory.groups, directory.memberships
    principal = directory.users.describe(ACCOUNT, "a", "alice").principal_id
    return [
        lambda: users.describe(account_id, namespace, "alice"),
        lambda: users.update(
            account_id, namespace, "alice", UserUpdate("x@example.com", "ADMIN"), actor=ACTOR
        ),
        lambda: users.delete(account_id, namespace, "alice", actor=ACTOR),
        lambda: users.delete_by_principal_id(account_id, namespace, principal, actor=ACTOR),
        lambda: users.list_groups(account_id, namespace, "alice"),
        lambda: groups.describe(account_id, namespace, "team"),
        lambda: groups.update(account_id, namespace, "team", description="x", actor=ACTOR),
        lambda: groups.delete(account_id, namespace, "team", actor=ACTOR),
        lambda: members.list(account_id, namespace, "team"),
        lambda: members.describe(account_id, namespace, "team", "alice"),
        lambda: members.delete(account_id, namespace, "team", "alice", actor=ACTOR),
        lambda: directory.roles.delete(account_id, namespace, "READER", "idp-readers", actor=ACTOR),
    ]


@pytest.mark.usefixtures("tenants")
@pytest.mark.parametrize(
    ("account_id", "namespace"), [(ACCOUNT, "b"), (ACCOUNT, "default"), (OTHER_ACCOUNT, "a")]
)
def test_nothing_is_visible_or_changeable_from_elsewhere(
    directory: Directory, db: Database, account_id: str, namespace: str
) -> None:
    before = last_position(db)
    for attempt in _attempts(directory, account_id, namespace):
        with pytest.raises(NotFoundError):
            attempt()
    assert types_after(db, before) == []
    assert directory.users.list(account_id, namespace).items == []
    assert directory.groups.list(account_id, namespace).items == []
    assert directory.roles.list(account_id, namespace, "READER").items == []
    # Everything is still there, unchanged, where it lives.
    alice = directory.users.describe(ACCOUNT, "a", "alice")
    assert alice.role.value == "READER"
    assert [m.member_name for m in directory.memberships.list(ACCOUNT, "a", "team").items] == [
        "alice"
    ]
    assert directory.roles.list(ACCOUNT, "a", "READER").items == ["idp-readers"]


@pytest.mark.usefixtures("tenants")
def test_a_user_of_another_namespace_cannot_join_a_group(directory: Directory) -> None:
    directory.groups.create(ACCOUNT, "b", "team", actor=ACTOR)
    with pytest.raises(NotFoundError):
        directory.memberships.create(ACCOUNT, "b", "team", "alice", actor=ACTOR)
    directory.groups.create(OTHER_ACCOUNT, "a", "team", actor=ACTOR)
    with pytest.raises(NotFoundError):
        directory.memberships.create(OTHER_ACCOUNT, "a", "team", "alice", actor=ACTOR)


@pytest.mark.usefixtures("tenants")
def test_tags_of_another_account_are_not_found(directory: Directory, db: Database) -> None:
    alice = directory.users.describe(ACCOUNT, "a", "alice")
    before = last_position(db)
    with pytest.raises(NotFoundError):
        directory.tags.list_tags_for_resource(OTHER_ACCOUNT, alice.arn)
    with pytest.raises(NotFoundError):
        directory.tags.tag_resource(OTHER_ACCOUNT, alice.arn, [Tag("x", "y")], actor=ACTOR)
    with pytest.raises(NotFoundError):
        directory.tags.untag_resource(OTHER_ACCOUNT, alice.arn, ["k"], actor=ACTOR)
    assert types_after(db, before) == []
    assert directory.tags.list_tags_for_resource(ACCOUNT, alice.arn) == [Tag("k", "v")]


@pytest.mark.usefixtures("tenants")
def test_the_same_names_live_side_by_side(directory: Directory) -> None:
    for account_id, namespace in ((ACCOUNT, "b"), (OTHER_ACCOUNT, "a")):
        user = register(directory, "alice", namespace, account_id=account_id)
        directory.groups.create(account_id, namespace, "team", actor=ACTOR)
        directory.memberships.create(account_id, namespace, "team", "alice", actor=ACTOR)
        assert user.arn.endswith(f"{account_id}:user/{namespace}/alice")
    ids = {
        directory.users.describe(a, n, "alice").user_id
        for a, n in ((ACCOUNT, "a"), (ACCOUNT, "b"), (OTHER_ACCOUNT, "a"))
    }
    assert len(ids) == 3
