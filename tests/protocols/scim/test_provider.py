"""The SCIM provider in-process: what it reads and how it maps resources, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from sightgate.bootstrap import Services
from sightgate.identity.model import GroupFields, UserFields
from sightgate.platform.events import Actor
from sightgate.protocols.scim.projection import Projection
from sightgate.protocols.scim.provider import ListQuery, ScimProvider

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
