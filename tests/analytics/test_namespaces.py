"""Namespaces: creation, listing, the per-account limit, deletion."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sightgate.analytics.directory import events as ev
from sightgate.analytics.directory import tables as t
from sightgate.analytics.directory.errors import LimitExceededError
from sightgate.analytics.directory.model import (
    AccountSettingsUpdate,
    AccountSubscription,
    IdentityStore,
    NamespaceStatus,
    Tag,
)
from sightgate.analytics.directory.namespaces import NamespaceService
from sightgate.analytics.directory.services import Directory
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    REGION,
    events_after,
    last_position,
    register,
    types_after,
)


def test_create_and_describe_a_namespace(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    before = last_position(db)
    created = directory.namespaces.create(
        ACCOUNT, "tenant-a.eu_1", actor=ACTOR, tags=[Tag("customer", "a")]
    )
    assert created.arn == f"arn:aws:quicksight:{REGION}:{ACCOUNT}:namespace/tenant-a.eu_1"
    assert created.capacity_region == REGION
    assert created.creation_status is NamespaceStatus.CREATED
    assert created.identity_store is IdentityStore.QUICKSIGHT
    assert directory.namespaces.describe(ACCOUNT, "TENANT-A.eu_1") == created
    assert directory.tags.list_tags_for_resource(ACCOUNT, created.arn) == [Tag("customer", "a")]
    events = events_after(db, before)
    assert [e.type for e in events] == [ev.NAMESPACE_CREATED, ev.RESOURCE_TAGGED]
    assert events[0].aggregate_id == created.namespace_id
    assert events[0].payload == {"Namespace": "tenant-a.eu_1", "Arn": created.arn}


@pytest.mark.parametrize("name", ["", "a/b", "tenant a", "ü", "x" * 65])
def test_invalid_names_are_refused(
    directory: Directory, account: AccountSubscription, name: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        directory.namespaces.create(ACCOUNT, name, actor=ACTOR)
    assert caught.value.field == "Namespace"


def test_only_the_quicksight_identity_store_is_offered(
    directory: Directory, account: AccountSubscription
) -> None:
    with pytest.raises(ValidationError) as caught:
        directory.namespaces.create(ACCOUNT, "t", actor=ACTOR, identity_store="AD")
    assert caught.value.field == "IdentityStore"


@pytest.mark.parametrize("other_case", ["tenant-a", "TENANT-A", "Tenant-A"])
def test_names_are_unique_per_account_in_any_case(
    directory: Directory, db: Database, account: AccountSubscription, other_case: str
) -> None:
    directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    before = last_position(db)
    with pytest.raises(ConflictError) as caught:
        directory.namespaces.create(ACCOUNT, other_case, actor=ACTOR, tags=[Tag("k", "v")])
    assert (caught.value.field, caught.value.value) == ("Namespace", other_case)
    assert types_after(db, before) == []


def test_a_namespace_needs_a_subscribed_account(directory: Directory, db: Database) -> None:
    with pytest.raises(NotFoundError) as caught:
        directory.namespaces.create(OTHER_ACCOUNT, "tenant-a", actor=ACTOR)
    assert caught.value.resource == "AccountSubscription"
    with pytest.raises(NotFoundError):
        directory.namespaces.list(OTHER_ACCOUNT)
    assert types_after(db, 0) == []


def test_unknown_namespaces_are_not_found(
    directory: Directory, account: AccountSubscription
) -> None:
    with pytest.raises(NotFoundError) as caught:
        directory.namespaces.describe(ACCOUNT, "nope")
    assert (caught.value.resource, caught.value.resource_id) == ("Namespace", "nope")
    with pytest.raises(NotFoundError):
        directory.namespaces.delete(ACCOUNT, "nope", actor=ACTOR)


def test_list_pages_in_name_order(directory: Directory, account: AccountSubscription) -> None:
    for name in ["b", "C", "a", "d"]:
        directory.namespaces.create(ACCOUNT, name, actor=ACTOR)
    first = directory.namespaces.list(ACCOUNT, limit=3)
    assert [n.name for n in first.items] == ["a", "b", "C"]
    assert first.next_key is not None
    second = directory.namespaces.list(ACCOUNT, limit=3, after=first.next_key)
    assert [n.name for n in second.items] == ["d", "default"]
    assert second.next_key is None


def test_the_namespace_limit_is_enforced(
    db: Database, directory: Directory, account: AccountSubscription
) -> None:
    limited = NamespaceService(db, namespace_limit=3)  # "default" is one of them
    limited.create(ACCOUNT, "one", actor=ACTOR)
    limited.create(ACCOUNT, "two", actor=ACTOR)
    before = last_position(db)
    with pytest.raises(LimitExceededError) as caught:
        limited.create(ACCOUNT, "three", actor=ACTOR)
    assert (caught.value.resource, caught.value.limit) == ("namespace", 3)
    assert types_after(db, before) == []
    limited.delete(ACCOUNT, "two", actor=ACTOR)
    limited.create(ACCOUNT, "three", actor=ACTOR)


def test_the_default_namespaces_cannot_be_deleted(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    directory.accounts.update_settings(
        ACCOUNT, AccountSettingsUpdate(default_namespace="tenant-a"), actor=ACTOR
    )
    before = last_position(db)
    for name in ("default", "Tenant-A"):
        with pytest.raises(ValidationError) as caught:
            directory.namespaces.delete(ACCOUNT, name, actor=ACTOR)
        assert caught.value.field == "Namespace"
    assert types_after(db, before) == []


def test_deleting_a_namespace_deletes_its_contents_with_one_event(
    directory: Directory, db: Database, account: AccountSubscription
) -> None:
    namespace = directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR, tags=[Tag("k", "v")])
    user = register(directory, "jdoe", "tenant-a", tags=(Tag("k", "v"),))
    directory.groups.create(ACCOUNT, "tenant-a", "team", actor=ACTOR)
    directory.memberships.create(ACCOUNT, "tenant-a", "team", "jdoe", actor=ACTOR)
    directory.roles.create(ACCOUNT, "tenant-a", "AUTHOR", "idp-authors", actor=ACTOR)
    register(directory, "jdoe")  # the same name in the default namespace stays
    before = last_position(db)

    directory.namespaces.delete(ACCOUNT, "tenant-a", actor=ACTOR)
    (event,) = events_after(db, before)
    assert (event.type, event.aggregate_id) == (ev.NAMESPACE_DELETED, namespace.namespace_id)
    with pytest.raises(NotFoundError):
        directory.users.describe(ACCOUNT, "tenant-a", user.user_name)
    with db.read() as conn:
        for table, remaining in (
            (t.users, 1),
            (t.groups, 0),
            (t.group_memberships, 0),
            (t.role_memberships, 0),
            (t.tags, 0),
        ):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == remaining
    assert directory.users.describe(ACCOUNT, "default", "jdoe").namespace == "default"
    # The name can be used again, for a new and empty namespace.
    again = directory.namespaces.create(ACCOUNT, "tenant-a", actor=ACTOR)
    assert again.namespace_id != namespace.namespace_id
    assert directory.users.list(ACCOUNT, "tenant-a").items == []
