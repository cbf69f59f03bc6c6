"""Groups, group search and group memberships."""

from __future__ import annotations

import re

import pytest

from sightgate.analytics.directory import events as ev
from sightgate.analytics.directory.errors import ManagedByIdentitySourceError
from sightgate.analytics.directory.model import (
    AccountSubscription,
    GroupMember,
    GroupSearchFilter,
    Source,
    Tag,
)
from sightgate.analytics.directory.services import Directory
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import PROVISIONING, Actor
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    REGION,
    events_after,
    last_position,
    register,
    types_after,
)


def test_create_describe_and_update_a_group(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    before = last_position(db)
    group = directory.groups.create(
        ACCOUNT, "default", "Sales Team ü", actor=ACTOR, description="sales"
    )
    assert group.arn == f"arn:aws:quicksight:{REGION}:{ACCOUNT}:group/default/Sales Team ü"
    assert re.fullmatch(rf"group/{account.directory_id}/[0-9a-f-]{{36}}", group.principal_id)
    assert group.source is Source.QUICKSIGHT_API
    assert directory.groups.describe(ACCOUNT, "default", "SALES TEAM Ü") == group

    updated = directory.groups.update(
        ACCOUNT, "default", "sales team ü", description="all of sales", actor=ACTOR
    )
    assert updated.description == "all of sales"
    cleared = directory.groups.update(
        ACCOUNT, "default", "sales team ü", description=None, actor=ACTOR
    )
    assert cleared.description is None
    directory.groups.update(ACCOUNT, "default", "sales team ü", description=None, actor=ACTOR)
    events = events_after(db, before)
    assert [e.type for e in events] == [ev.GROUP_CREATED, ev.GROUP_UPDATED, ev.GROUP_UPDATED]
    assert events[1].payload["Changed"] == ["Description"]
    assert {e.aggregate_id for e in events} == {group.group_id}


@pytest.mark.parametrize(
    ("name", "description", "field"),
    [
        ("", None, "GroupName"),
        ("Ω-team", None, "GroupName"),
        ("tab\tname", None, "GroupName"),
        ("x" * 129, None, "GroupName"),
        ("ok", "", "Description"),
        ("ok", "d" * 513, "Description"),
    ],
)
def test_invalid_groups_are_refused(
    directory: Directory,
    db: Database,
    account: AccountSubscription,
    name: str,
    description: str | None,
    field: str,
) -> None:
    before = last_position(db)
    with pytest.raises(ValidationError) as caught:
        directory.groups.create(ACCOUNT, "default", name, actor=ACTOR, description=description)
    assert caught.value.field == field
    assert types_after(db, before) == []


@pytest.mark.parametrize("other_case", ["sales", "SALES", "Sales"])
def test_group_names_are_unique_per_namespace_in_any_case(
    directory: Directory, db: Database, account: AccountSubscription, other_case: str
) -> None:
    directory.groups.create(ACCOUNT, "default", "Sales", actor=ACTOR)
    before = last_position(db)
    with pytest.raises(ConflictError) as caught:
        directory.groups.create(ACCOUNT, "default", other_case, actor=ACTOR)
    assert (caught.value.field, caught.value.value) == ("GroupName", other_case)
    assert types_after(db, before) == []
    directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    directory.groups.create(ACCOUNT, "tenant-a", other_case, actor=ACTOR)  # another namespace


def test_unknown_groups_are_not_found(directory: Directory, account: AccountSubscription) -> None:
    for call in (
        lambda: directory.groups.describe(ACCOUNT, "default", "nope"),
        lambda: directory.groups.update(ACCOUNT, "default", "nope", description="x", actor=ACTOR),
        lambda: directory.groups.delete(ACCOUNT, "default", "nope", actor=ACTOR),
        lambda: directory.groups.create(ACCOUNT, "nope", "g", actor=ACTOR),
        lambda: directory.memberships.list(ACCOUNT, "default", "nope"),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_list_and_search_groups(directory: Directory, account: AccountSubscription) -> None:
    for name in ["Sales EU", "sales US", "Salesforce admins", "Marketing", "50%_off"]:
        directory.groups.create(ACCOUNT, "default", name, actor=ACTOR)
    listed = directory.groups.list(ACCOUNT, "default", limit=4)
    assert [g.group_name for g in listed.items] == ["50%_off", "Marketing", "Sales EU", "sales US"]
    rest = directory.groups.list(ACCOUNT, "default", after=listed.next_key)
    assert [g.group_name for g in rest.items] == ["Salesforce admins"]

    def search(operator: str, value: str, limit: int = 100) -> list[str]:
        page = directory.groups.search(
            ACCOUNT, "default", [GroupSearchFilter(operator, "GROUP_NAME", value)], limit=limit
        )
        return [g.group_name for g in page.items]

    assert search("StartsWith", "SALES ") == ["Sales EU", "sales US"]
    assert search("StartsWith", "sales") == ["Sales EU", "sales US", "Salesforce admins"]
    assert search("StartsWith", "sales", limit=1) == ["Sales EU"]
    assert search("StartsWith", "50%") == ["50%_off"]
    assert search("StartsWith", "5_") == []  # wildcards are literal
    assert search("StringEquals", "marketing") == ["Marketing"]
    assert search("StringEquals", "market") == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ([], "Filters"),
        (
            [GroupSearchFilter("StartsWith", "GROUP_NAME", "a")] * 2,
            "Filters",
        ),
        ([GroupSearchFilter("Contains", "GROUP_NAME", "a")], "Filters.Operator"),
        ([GroupSearchFilter("StartsWith", "DESCRIPTION", "a")], "Filters.Name"),
    ],
)
def test_invalid_searches_are_refused(
    directory: Directory,
    account: AccountSubscription,
    filters: list[GroupSearchFilter],
    field: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        directory.groups.search(ACCOUNT, "default", filters)
    assert caught.value.field == field


def test_memberships(directory: Directory, db: Database, account: AccountSubscription) -> None:
    jdoe = register(directory, "jdoe")
    register(directory, "Amy")
    group = directory.groups.create(ACCOUNT, "default", "team", actor=ACTOR)
    before = last_position(db)

    member = directory.memberships.create(ACCOUNT, "default", "TEAM", "JDoe", actor=ACTOR)
    assert member == GroupMember("jdoe", jdoe.arn)
    again = directory.memberships.create(ACCOUNT, "default", "team", "jdoe", actor=ACTOR)
    assert again == member
    directory.memberships.create(ACCOUNT, "default", "team", "amy", actor=ACTOR)
    events = events_after(db, before)
    assert [e.type for e in events] == [ev.GROUP_MEMBERSHIP_CREATED] * 2  # no duplicate
    assert (events[0].aggregate_id, events[0].payload["MemberName"]) == (group.group_id, "jdoe")
    assert events[0].payload["UserId"] == jdoe.user_id

    assert directory.memberships.describe(ACCOUNT, "default", "team", "jdoe") == member
    page = directory.memberships.list(ACCOUNT, "default", "team", limit=1)
    assert [m.member_name for m in page.items] == ["Amy"]
    rest = directory.memberships.list(ACCOUNT, "default", "team", after=page.next_key)
    assert rest.items == [member]

    directory.memberships.delete(ACCOUNT, "default", "team", "JDOE", actor=ACTOR)
    assert events_after(db, before)[-1].type == ev.GROUP_MEMBERSHIP_DELETED
    position = last_position(db)
    with pytest.raises(NotFoundError) as caught:
        directory.memberships.delete(ACCOUNT, "default", "team", "jdoe", actor=ACTOR)
    assert caught.value.resource == "GroupMembership"
    with pytest.raises(NotFoundError):
        directory.memberships.describe(ACCOUNT, "default", "team", "jdoe")
    with pytest.raises(NotFoundError) as caught:
        directory.memberships.create(ACCOUNT, "default", "team", "nobody", actor=ACTOR)
    assert caught.value.resource == "User"
    assert types_after(db, position) == []


def test_a_member_from_another_namespace_is_not_found(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    register(directory, "alice", "tenant-a")
    directory.groups.create(ACCOUNT, "default", "team", actor=ACTOR)
    before = last_position(db)
    with pytest.raises(NotFoundError) as caught:
        directory.memberships.create(ACCOUNT, "default", "team", "alice", actor=ACTOR)
    assert caught.value.resource == "User"
    assert types_after(db, before) == []


def test_deleting_a_group_ends_its_memberships_with_events(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    register(directory, "a")
    register(directory, "b")
    group = directory.groups.create(ACCOUNT, "default", "team", actor=ACTOR)
    for name in ("a", "b"):
        directory.memberships.create(ACCOUNT, "default", "team", name, actor=ACTOR)
    directory.tags.tag_resource(ACCOUNT, group.arn, [Tag("k", "v")], actor=ACTOR)
    before = last_position(db)
    directory.groups.delete(ACCOUNT, "default", "TEAM", actor=ACTOR)
    events = events_after(db, before)
    assert [e.type for e in events] == [
        ev.GROUP_MEMBERSHIP_DELETED,
        ev.GROUP_MEMBERSHIP_DELETED,
        ev.GROUP_DELETED,
    ]
    assert directory.users.list_groups(ACCOUNT, "default", "a").items == []
    recreated = directory.groups.create(ACCOUNT, "default", "team", actor=ACTOR)
    assert directory.memberships.list(ACCOUNT, "default", "team").items == []
    assert directory.tags.list_tags_for_resource(ACCOUNT, recreated.arn) == []


def test_groups_from_the_identity_source_are_read_only_through_the_api(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    register(directory, "jdoe")
    group = directory.groups.create(
        ACCOUNT,
        "default",
        "Okta Sales",
        actor=ACTOR,
        source=Source.IDENTITY_SOURCE,
        identity_store_group_id="0123456789-g",
    )
    assert group.identity_store_group_id == "0123456789-g"
    before = last_position(db)
    impostor = Actor("api", "provisioning")  # the right goes with the actor, not a name
    for call in (
        lambda actor: directory.groups.update(
            ACCOUNT, "default", "okta sales", description="x", actor=actor
        ),
        lambda actor: directory.memberships.create(
            ACCOUNT, "default", "okta sales", "jdoe", actor=actor
        ),
        lambda actor: directory.memberships.delete(
            ACCOUNT, "default", "okta sales", "jdoe", actor=actor
        ),
        lambda actor: directory.groups.delete(ACCOUNT, "default", "okta sales", actor=actor),
    ):
        for refused in (ACTOR, impostor):
            with pytest.raises(ManagedByIdentitySourceError, match="identity provider"):
                call(refused)
            assert types_after(db, before) == []
        call(PROVISIONING)
        before = last_position(db)
