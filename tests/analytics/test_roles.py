"""Role memberships: identity-source groups that grant a role in a namespace."""

from __future__ import annotations

import pytest

from sightgate.analytics.directory import events as ev
from sightgate.analytics.directory.model import AccountSubscription
from sightgate.analytics.directory.services import Directory
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError, ValidationError
from tests.analytics.conftest import ACCOUNT, ACTOR, events_after, last_position, types_after


def test_create_list_and_delete_role_memberships(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    before = last_position(db)
    for name in ("BI-Authors", "bi-authors", "Analysts", "Zeta"):  # one name in two cases
        directory.roles.create(ACCOUNT, "default", "AUTHOR", name, actor=ACTOR)
    directory.roles.create(ACCOUNT, "default", "READER", "Analysts", actor=ACTOR)
    events = events_after(db, before)
    assert [e.type for e in events] == [ev.ROLE_MEMBERSHIP_CREATED] * 4
    assert events[0].payload == {
        "Namespace": "default",
        "Role": "AUTHOR",
        "MemberName": "BI-Authors",
    }

    first = directory.roles.list(ACCOUNT, "default", "AUTHOR", limit=2)
    assert first.items == ["Analysts", "BI-Authors"]
    rest = directory.roles.list(ACCOUNT, "default", "AUTHOR", after=first.next_key)
    assert (rest.items, rest.next_key) == (["Zeta"], None)
    assert directory.roles.list(ACCOUNT, "default", "READER").items == ["Analysts"]

    directory.roles.delete(ACCOUNT, "default", "AUTHOR", "bi-AUTHORS", actor=ACTOR)
    assert events_after(db, before)[-1].payload["MemberName"] == "BI-Authors"
    assert directory.roles.list(ACCOUNT, "default", "AUTHOR").items == ["Analysts", "Zeta"]
    position = last_position(db)
    with pytest.raises(NotFoundError) as caught:
        directory.roles.delete(ACCOUNT, "default", "AUTHOR", "BI-Authors", actor=ACTOR)
    assert caught.value.resource == "RoleMembership"
    assert types_after(db, position) == []


@pytest.mark.parametrize(
    ("role", "member", "field"),
    [
        ("OWNER", "g", "Role"),
        ("RESTRICTED_READER", "g", "Role"),
        ("READER", "", "MemberName"),
        ("READER", "Ω", "MemberName"),
    ],
)
def test_invalid_role_memberships_are_refused(
    directory: Directory, account: AccountSubscription, role: str, member: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        directory.roles.create(ACCOUNT, "default", role, member, actor=ACTOR)
    assert caught.value.field == field


def test_role_memberships_are_per_namespace(
    directory: Directory, account: AccountSubscription
) -> None:
    directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    directory.roles.create(ACCOUNT, "tenant-a", "READER", "tenant-a-readers", actor=ACTOR)
    assert directory.roles.list(ACCOUNT, "default", "READER").items == []
    with pytest.raises(NotFoundError):
        directory.roles.delete(ACCOUNT, "default", "READER", "tenant-a-readers", actor=ACTOR)
    with pytest.raises(NotFoundError):
        directory.roles.list(ACCOUNT, "tenant-b", "READER")
