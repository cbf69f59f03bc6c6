"""The identity store's use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sightgate.bootstrap import Services
from sightgate.identity import events as ev
from sightgate.identity.model import Email, ExternalId, GroupFields, InstanceType, Name, UserFields
from sightgate.platform.db import Database
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
    ValidationError,
)
from sightgate.platform.events import Actor, StoredEvent, read_events

ACTOR = Actor("test", "alice")


def all_events(db: Database) -> list[StoredEvent]:
    with db.read() as conn:
        return read_events(conn, limit=100_000)


def types_after(db: Database, position: int) -> list[str]:
    with db.read() as conn:
        return [e.type for e in read_events(conn, after=position, limit=100_000)]


def last_position(db: Database) -> int:
    found = all_events(db)
    return found[-1].position if found else 0


def test_create_and_read_a_user(services: Services, store_id: str) -> None:
    draft = UserFields(
        user_name="jdoe",
        display_name="John Doe",
        name=Name(given_name="John", family_name="Doe"),
        emails=(Email("jdoe@example.com", "work", True),),
        external_ids=(ExternalId("okta", "00u1"),),
    )
    created = services.identity.create_user(store_id, draft, ACTOR)
    fetched = services.identity.get_user(store_id, created.user_id)
    assert fetched == created
    assert fetched.user_id.startswith(store_id.removeprefix("d-") + "-")
    assert fetched.version == 1
    assert fetched.emails == (Email("jdoe@example.com", "work", True),)


def test_user_creation_emits_an_event_with_the_actor(
    services: Services, db: Database, store_id: str
) -> None:
    user = services.identity.create_user(store_id, UserFields(user_name="ev"), ACTOR)
    event = all_events(db)[-1]
    assert (event.type, event.aggregate_id, event.scope) == (
        ev.USER_CREATED,
        user.user_id,
        store_id,
    )
    assert event.actor == "test:alice"
    assert event.payload["UserName"] == "ev"


@pytest.mark.parametrize("other_case", ["JDOE", "jDoe", "jdoe"])
def test_user_name_is_unique_in_any_letter_case(
    services: Services, db: Database, store_id: str, other_case: str
) -> None:
    services.identity.create_user(store_id, UserFields(user_name="jdoe"), ACTOR)
    before = last_position(db)
    with pytest.raises(ConflictError) as caught:
        services.identity.create_user(store_id, UserFields(user_name=other_case), ACTOR)
    assert caught.value.field == "UserName"
    assert types_after(db, before) == []  # no event for a change that did not happen
    assert len(services.identity.list_users(store_id).items) == 1


def test_same_user_name_in_two_stores_is_fine(services: Services, store_id: str) -> None:
    other = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="444455556666", actor=ACTOR
    ).identity_store_id
    services.identity.create_user(store_id, UserFields(user_name="same"), ACTOR)
    services.identity.create_user(other, UserFields(user_name="same"), ACTOR)
    assert services.identity.find_user(other, "SAME") is not None


def test_conflicting_external_id_leaves_nothing_behind(services: Services, store_id: str) -> None:
    okta = (ExternalId("okta", "00u1"),)
    services.identity.create_user(store_id, UserFields(user_name="a", external_ids=okta), ACTOR)
    with pytest.raises(ConflictError) as caught:
        services.identity.create_user(
            store_id,
            UserFields(user_name="b", external_ids=okta, emails=(Email("b@example.com"),)),
            ACTOR,
        )
    assert caught.value.field == "ExternalId"
    assert caught.value.value == ""  # "b" is the user name, not the external id that clashed
    assert services.identity.find_user(store_id, "b") is None


def test_invalid_user_is_rejected_before_any_write(
    services: Services, db: Database, store_id: str
) -> None:
    before = last_position(db)
    with pytest.raises(ValidationError):
        services.identity.create_user(store_id, UserFields(user_name=""), ACTOR)
    assert types_after(db, before) == []


def test_unknown_store_is_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError) as caught:
        services.identity.create_user("d-0000000000", UserFields(user_name="x"), ACTOR)
    assert caught.value.resource == "IdentityStore"


def test_unknown_user_is_not_found(services: Services, store_id: str) -> None:
    with pytest.raises(NotFoundError):
        services.identity.get_user(store_id, "nope")


def test_user_of_another_store_is_not_found(services: Services, store_id: str) -> None:
    other = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="444455556666", actor=ACTOR
    ).identity_store_id
    user = services.identity.create_user(other, UserFields(user_name="x"), ACTOR)
    with pytest.raises(NotFoundError):
        services.identity.get_user(store_id, user.user_id)
    with pytest.raises(NotFoundError):
        services.identity.delete_user(store_id, user.user_id, ACTOR)


def test_update_changes_fields_bumps_version_and_says_what_changed(
    services: Services, db: Database, store_id: str
) -> None:
    user = services.identity.create_user(store_id, UserFields(user_name="u"), ACTOR)
    updated = services.identity.update_user(
        store_id, user.user_id, lambda u: replace(u.fields(), display_name="U", active=False), ACTOR
    )
    assert (updated.display_name, updated.active, updated.version) == ("U", False, 2)
    event = all_events(db)[-1]
    assert event.type == ev.USER_UPDATED
    assert event.payload["Changed"] == ["display_name", "active"]
    assert services.identity.get_user(store_id, user.user_id) == updated


def test_update_without_change_is_not_an_event(
    services: Services, db: Database, store_id: str
) -> None:
    user = services.identity.create_user(store_id, UserFields(user_name="u"), ACTOR)
    before = last_position(db)
    same = services.identity.update_user(store_id, user.user_id, lambda u: u.fields(), ACTOR)
    assert same.version == 1
    assert types_after(db, before) == []


def test_rename_to_a_taken_name_is_a_conflict(services: Services, store_id: str) -> None:
    services.identity.create_user(store_id, UserFields(user_name="taken"), ACTOR)
    user = services.identity.create_user(store_id, UserFields(user_name="free"), ACTOR)
    with pytest.raises(ConflictError):
        services.identity.update_user(
            store_id, user.user_id, lambda u: replace(u.fields(), user_name="TAKEN"), ACTOR
        )
    assert services.identity.get_user(store_id, user.user_id).user_name == "free"


def test_stale_expected_version_is_refused(services: Services, store_id: str) -> None:
    user = services.identity.create_user(store_id, UserFields(user_name="u"), ACTOR)
    with pytest.raises(PreconditionFailedError):
        services.identity.update_user(
            store_id, user.user_id, lambda u: u.fields(), ACTOR, expected_version=7
        )


def test_list_users_pages_in_a_stable_order(services: Services, store_id: str) -> None:
    names = {f"user{i:02d}" for i in range(25)}
    for name in names:
        services.identity.create_user(store_id, UserFields(user_name=name), ACTOR)
    seen: list[str] = []
    after: str | None = None
    while True:
        page = services.identity.list_users(store_id, limit=10, after=after)
        seen.extend(u.user_id for u in page.items)
        if page.next_key is None:
            break
        after = page.next_key
    assert len(seen) == 25 == len(set(seen))
    assert seen == sorted(seen)


def test_list_users_filters_by_name_and_external_id(services: Services, store_id: str) -> None:
    services.identity.create_user(
        store_id, UserFields(user_name="Ann", external_ids=(ExternalId("entra", "e1"),)), ACTOR
    )
    services.identity.create_user(store_id, UserFields(user_name="Bob"), ACTOR)
    by_name = services.identity.list_users(store_id, user_name="ann").items
    by_external = services.identity.list_users(store_id, external_id=ExternalId("entra", "e1"))
    assert [u.user_name for u in by_name] == ["Ann"]
    assert [u.user_name for u in by_external.items] == ["Ann"]


def test_group_lifecycle_and_display_name_uniqueness(services: Services, store_id: str) -> None:
    group = services.identity.create_group(
        store_id, GroupFields(display_name="Admins", description="d"), ACTOR
    )
    with pytest.raises(ConflictError) as caught:
        services.identity.create_group(store_id, GroupFields(display_name="ADMINS"), ACTOR)
    assert caught.value.field == "DisplayName"
    renamed = services.identity.update_group(
        store_id, group.group_id, lambda g: replace(g.fields(), display_name="Owners"), ACTOR
    )
    assert renamed.display_name == "Owners"
    assert services.identity.find_group(store_id, "owners") == renamed
    services.identity.delete_group(store_id, group.group_id, ACTOR)
    with pytest.raises(NotFoundError):
        services.identity.get_group(store_id, group.group_id)


def test_memberships_are_set_operations(services: Services, db: Database, store_id: str) -> None:
    group = services.identity.create_group(store_id, GroupFields(display_name="g"), ACTOR)
    users = [
        services.identity.create_user(store_id, UserFields(user_name=f"m{i}"), ACTOR).user_id
        for i in range(4)
    ]
    added = services.identity.add_members(store_id, group.group_id, users[:3], ACTOR)
    again = services.identity.add_members(store_id, group.group_id, users[:3], ACTOR)
    assert len(added) == 3
    assert again == []  # adding present members is a no-op, not an error
    before = last_position(db)
    removed = services.identity.remove_members(
        store_id, group.group_id, [users[0], users[3]], ACTOR
    )
    assert [m.user_id for m in removed] == [users[0]]
    assert types_after(db, before) == [ev.MEMBERSHIP_DELETED]
    added, removed = services.identity.replace_members(
        store_id, group.group_id, [users[2], users[3]], ACTOR
    )
    assert [m.user_id for m in added] == [users[3]]
    assert [m.user_id for m in removed] == [users[1]]
    members = services.identity.list_members(store_id, group.group_id).items
    assert sorted(m.user_id for m in members) == sorted([users[2], users[3]])
    assert services.identity.get_group(store_id, group.group_id).version > group.version


def test_member_from_another_store_is_refused(services: Services, store_id: str) -> None:
    other = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="444455556666", actor=ACTOR
    ).identity_store_id
    outsider = services.identity.create_user(other, UserFields(user_name="o"), ACTOR)
    group = services.identity.create_group(store_id, GroupFields(display_name="g"), ACTOR)
    with pytest.raises(NotFoundError):
        services.identity.add_members(store_id, group.group_id, [outsider.user_id], ACTOR)
    assert services.identity.list_members(store_id, group.group_id).items == []


def test_deleting_a_user_removes_memberships_with_events(
    services: Services, db: Database, store_id: str
) -> None:
    group = services.identity.create_group(store_id, GroupFields(display_name="g"), ACTOR)
    user = services.identity.create_user(store_id, UserFields(user_name="u"), ACTOR)
    services.identity.add_members(store_id, group.group_id, [user.user_id], ACTOR)
    before = last_position(db)
    services.identity.delete_user(store_id, user.user_id, ACTOR)
    assert types_after(db, before) == [ev.MEMBERSHIP_DELETED, ev.USER_DELETED]
    assert services.identity.list_members(store_id, group.group_id).items == []


def test_groups_of_a_user(services: Services, store_id: str) -> None:
    user = services.identity.create_user(store_id, UserFields(user_name="u"), ACTOR)
    groups = [
        services.identity.create_group(store_id, GroupFields(display_name=f"g{i}"), ACTOR)
        for i in range(3)
    ]
    for group in groups[:2]:
        services.identity.add_members(store_id, group.group_id, [user.user_id], ACTOR)
    found = services.identity.list_groups_of_user(store_id, user.user_id)
    assert sorted(m.group_id for m in found) == sorted(g.group_id for g in groups[:2])


def test_large_membership_change_in_one_call(
    services: Services, db: Database, store_id: str
) -> None:
    group = services.identity.create_group(store_id, GroupFields(display_name="big"), ACTOR)
    ids = [
        services.identity.create_user(store_id, UserFields(user_name=f"b{i}"), ACTOR).user_id
        for i in range(300)
    ]
    added = services.identity.add_members(store_id, group.group_id, ids, ACTOR)
    assert len(added) == 300
    page = services.identity.list_members(store_id, group.group_id, limit=1000)
    assert len(page.items) == 300


def test_scim_external_ids_may_repeat_but_other_issuers_may_not(
    services: Services, store_id: str
) -> None:
    """RFC 7643 leaves SCIM's externalId non-unique; IdentityStore issuers stay unique."""
    scim = (ExternalId("scim", "shared"),)
    services.identity.create_user(store_id, UserFields(user_name="a", external_ids=scim), ACTOR)
    services.identity.create_user(store_id, UserFields(user_name="b", external_ids=scim), ACTOR)
    found = services.identity.list_users(store_id, external_id=ExternalId("scim", "shared"))
    assert sorted(u.user_name for u in found.items) == ["a", "b"]
