"""The SCIM provider in-process: what it reads and how it maps resources, on both stores."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event

from sightgate.bootstrap import Services
from sightgate.identity.model import GroupFields, UserFields
from sightgate.platform.errors import PreconditionFailedError, QueryTimeoutError
from sightgate.platform.events import Actor
from sightgate.protocols.scim.bulk import run_bulk
from sightgate.protocols.scim.errors import ScimError, from_domain
from sightgate.protocols.scim.projection import Projection
from sightgate.protocols.scim.provider import ListQuery, ScimProvider, search_query

ACTOR = Actor("test", "scim")


@pytest.fixture
def provider(services: Services, store_id: str) -> ScimProvider:
    return ScimProvider(services.identity, store_id, "http://sg/scim/x/v2", ACTOR)


@pytest.fixture
def statements(services: Services) -> Iterator[list[str]]:
    """Every SQL statement the store runs while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(services.db.engine, "before_cursor_execute", record)


def test_excluding_members_never_reads_the_membership_table(
    services: Services, store_id: str, provider: ScimProvider, statements: list[str]
) -> None:
    user = services.identity.create_user(store_id, UserFields(user_name="m"), ACTOR)
    group = services.identity.create_group(
        store_id, GroupFields(display_name="g"), ACTOR, member_ids=[user.user_id]
    )
    statements.clear()
    slim = provider.get_group(group.group_id, Projection(excluded=("members",)))
    assert slim.body is not None and "members" not in slim.body
    listed = provider.list_groups(
        ListQuery(filter='displayName eq "G"', projection=Projection(excluded=("members",)))
    )
    assert listed.body is not None and listed.body["totalResults"] == 1
    assert not any("identity_group_memberships" in s for s in statements)

    statements.clear()
    full = provider.get_group(group.group_id, Projection())
    assert full.body is not None
    assert [m["value"] for m in full.body["members"]] == [user.user_id]
    assert any("identity_group_memberships" in s for s in statements)


def test_user_round_trips_through_its_scim_form(provider: ScimProvider) -> None:
    body = {
        "userName": "round@example.com",
        "name": {"givenName": "R", "familyName": "T", "formatted": "R T"},
        "displayName": "R T",
        "nickName": "rt",
        "title": "Dev",
        "active": True,
        "emails": [
            {"value": "round@example.com", "type": "work", "primary": True, "display": "Work"}
        ],
        "phoneNumbers": [{"value": "+1 555", "type": "work"}],
        "addresses": [{"locality": "Oslo", "country": "NO", "type": "work"}],
        "x509Certificates": [{"value": "TUlJQw=="}],
        "externalId": "ext-1",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "7",
            "manager": {"value": "boss-id"},
        },
    }
    created = provider.create_user(body).body
    assert created is not None
    fetched = provider.get_user(created["id"], Projection()).body
    assert fetched == created
    for key, value in body.items():
        if key != "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            assert fetched[key] == value, key
    enterprise = fetched["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert enterprise["employeeNumber"] == "7" and enterprise["manager"]["value"] == "boss-id"


def test_entra_spellings_are_normalised(provider: ScimProvider) -> None:
    created = provider.create_user(
        {
            "UserName": "caps@example.com",
            "Active": "False",
            "Emails": [{"Value": "caps@example.com", "Primary": "True", "Type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {
                "Department": "D",
                "Manager": "m-1",
            },
            "unknownAttribute": "ignored",
        }
    ).body
    assert created is not None
    assert created["userName"] == "caps@example.com"
    assert created["active"] is False
    assert created["emails"] == [{"value": "caps@example.com", "type": "work", "primary": True}]
    enterprise = created["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert enterprise["department"] == "D" and enterprise["manager"]["value"] == "m-1"
    assert "unknownAttribute" not in created


# -- DELETE with If-Match: checked in the deleting transaction ---------------------------


@pytest.mark.parametrize("kind", ["user", "group"])
def test_a_delete_if_match_loses_to_a_change_committed_while_it_waited(
    services: Services, store_id: str, provider: ScimProvider, kind: str
) -> None:
    """A change that holds the lock while the DELETE (If-Match: the version read before)
    starts commits first: the DELETE must see the new version under its own lock and
    answer 412, not delete what it never saw (the old check ran in a transaction of its own)."""
    identity = services.identity
    if kind == "user":
        resource_id = identity.create_user(store_id, UserFields(user_name="raced"), ACTOR).user_id
    else:
        resource_id = identity.create_group(
            store_id, GroupFields(display_name="raced"), ACTOR
        ).group_id
    locked, done = threading.Event(), threading.Event()

    def retitle(current: Any) -> Any:
        locked.set()
        time.sleep(0.3)  # the DELETE starts meanwhile and waits for the lock
        return replace(current.fields(), display_name="changed")

    def change() -> None:
        if kind == "user":
            identity.update_user(store_id, resource_id, retitle, ACTOR)
        else:
            identity.update_group(store_id, resource_id, retitle, ACTOR)
        done.set()

    changer = threading.Thread(target=change)
    changer.start()
    locked.wait()
    delete = provider.delete_user if kind == "user" else provider.delete_group
    with pytest.raises(PreconditionFailedError):
        delete(resource_id, 'W/"1"')
    changer.join()
    assert done.is_set()
    current = (identity.get_user if kind == "user" else identity.get_group)(store_id, resource_id)
    assert current.version == 2
    assert delete(resource_id, 'W/"2"').status == 204


def test_a_statement_past_the_time_limit_is_400_too_many() -> None:
    error = from_domain(QueryTimeoutError(50))
    assert (error.status, error.scim_type) == (400, "tooMany")
    assert "50 ms" in error.detail and "SIGHTGATE_STATEMENT_TIMEOUT_MS" in error.detail


@pytest.mark.parametrize("schemas", [0, False, -1, True, {}, "urn:x", None])
def test_search_and_bulk_refuse_schemas_that_are_no_list_of_urns(
    provider: ScimProvider, schemas: Any
) -> None:
    body = {"schemas": schemas} if schemas is not None else {"schemas": ["urn:other"]}
    with pytest.raises(ScimError) as searched:
        search_query(body)
    with pytest.raises(ScimError) as bulked:
        run_bulk(provider, {**body, "Operations": []}, lambda _: None)
    for error in (searched.value, bulked.value):
        assert (error.status, error.scim_type) == (400, "invalidSyntax")
