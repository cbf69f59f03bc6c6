"""IdentityStore attribute operations on a user's fields: paths, removal, values in the
API's case, and the identity model's validation."""

from __future__ import annotations

from typing import Any

import pytest

from sightgate.identity.model import Email, Enterprise, ExternalId, Name, UserFields
from sightgate.identity.user_updates import (
    AttributeOperation,
    apply_operations,
    fields_from_members,
)
from sightgate.platform.errors import ValidationError

CURRENT = UserFields(
    user_name="jdoe",
    display_name="John Doe",
    name=Name(given_name="John", family_name="Doe"),
    title="Analyst",
    active=False,
    emails=(Email("jdoe@example.com", "work", True),),
    external_ids=(ExternalId("okta", "00u1"),),
    enterprise=Enterprise(department="Sales"),
    extra={"addresses": [{"locality": "Berlin"}], "ims": [{"value": "jd"}]},
)


def apply(*operations: tuple[str, Any] | tuple[str]) -> UserFields:
    return apply_operations(CURRENT, [AttributeOperation(*op) for op in operations])


def test_scalar_paths_replace_and_a_missing_value_removes() -> None:
    updated = apply(
        ("displayName", "Johnny Doe"),
        ("nickName", "JD"),
        ("profileUrl", "https://example.com/jd"),
        ("userType", "Employee"),
        ("preferredLanguage", "de-DE"),
        ("locale", "de-DE"),
        ("timezone", "Europe/Berlin"),
        ("title",),
    )

    assert updated.display_name == "Johnny Doe"
    assert (updated.nick_name, updated.profile_url, updated.user_type) == (
        "JD",
        "https://example.com/jd",
        "Employee",
    )
    assert (updated.preferred_language, updated.locale, updated.timezone) == (
        "de-DE",
        "de-DE",
        "Europe/Berlin",
    )
    assert updated.title is None


def test_name_parts_and_the_whole_name() -> None:
    part = apply(("name.givenName", "Johnny"), ("name.middleName", "Q"))
    whole = apply(("name", {"FamilyName": "Roe", "honorificPrefix": "Dr."}))
    removed = apply(("name",))

    assert part.name == Name(given_name="Johnny", family_name="Doe", middle_name="Q")
    assert whole.name == Name(family_name="Roe", honorific_prefix="Dr.")
    assert removed.name == Name()


def test_multi_valued_attributes_take_the_apis_shapes() -> None:
    updated = apply(
        ("emails", [{"Value": "johnny@example.com", "Type": "work", "Primary": True}]),
        ("addresses", [{"StreetAddress": "1 Main St", "Locality": "Paris", "Primary": True}]),
        ("phoneNumbers", [{"Value": "+1 555 0100", "Type": "mobile"}]),
    )

    assert updated.emails == (Email("johnny@example.com", "work", True),)
    assert updated.extra["addresses"] == [
        {"streetAddress": "1 Main St", "locality": "Paris", "primary": True}
    ]
    assert updated.extra["phoneNumbers"] == [{"value": "+1 555 0100", "type": "mobile"}]
    assert updated.extra["ims"] == [{"value": "jd"}]  # not named: kept


def test_removing_multi_valued_attributes_empties_them() -> None:
    updated = apply(("emails",), ("addresses",), ("phoneNumbers", []))

    assert updated.emails == ()
    assert "addresses" not in updated.extra and "phoneNumbers" not in updated.extra


def test_what_no_operation_names_is_kept() -> None:
    updated = apply(("displayName", "Other"))

    assert updated.active is False  # an update never re-activates a user
    assert updated.external_ids == CURRENT.external_ids
    assert updated.enterprise == CURRENT.enterprise
    assert updated.emails == CURRENT.emails


def test_paths_and_keys_match_in_any_letter_case() -> None:
    updated = apply(("DisplayName", "Upper"), ("NAME.GIVENNAME", "J"), ("Emails", [{"value": "x"}]))

    assert (updated.display_name, updated.name.given_name) == ("Upper", "J")
    assert updated.emails == (Email("x"),)


def test_an_e_mail_value_is_stored_as_sent() -> None:
    """IdentityStore's ``Email.Value`` is a plain string, as RFC 7643 only says SHOULD."""
    assert apply(("emails", [{"Value": "not-an-email"}])).emails == (Email("not-an-email"),)


@pytest.mark.parametrize(
    ("operation", "field"),
    [
        (("nonsense", "x"), "AttributePath"),
        (("active", True), "AttributePath"),
        (("name.nickname", "x"), "AttributePath"),
        (("userName",), "userName"),
        (("displayName", 42), "displayName"),
        (("name", "John"), "name"),
        (("name", {"Nick": "J"}), "name"),
        (("emails", {"Value": "a@example.com"}), "emails"),
        (("emails", ["a@example.com"]), "emails[0]"),
        (("emails", [{"Value": "a@example.com", "Primary": "yes"}]), "emails[0].primary"),
        (("addresses", [{"Locality": 7}]), "addresses[0].locality"),
        (("phoneNumbers", [{"Number": "1"}]), "phoneNumbers[0]"),
    ],
)
def test_unknown_paths_and_wrong_values_are_validation_errors(
    operation: tuple[str, Any] | tuple[str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        apply(operation)

    assert caught.value.field == field


def test_the_result_passes_the_identity_models_validation() -> None:
    with pytest.raises(ValidationError) as caught:
        apply(("userName", "al\u200bice"))
    assert caught.value.field == "user_name"

    with pytest.raises(ValidationError) as empty:
        apply(("emails", [{"Type": "work"}]))
    assert empty.value.field == "emails.value"

    assert apply(("displayName", "  padded  ")).display_name == "padded"


def test_create_user_members_make_the_same_fields() -> None:
    fields = fields_from_members(
        {
            "IdentityStoreId": "d-1234567890",
            "UserName": "jdoe",
            "DisplayName": "John Doe",
            "Name": {"GivenName": "John", "FamilyName": "Doe"},
            "Emails": [{"Value": "jdoe@example.com", "Type": "work", "Primary": True}],
            "PhoneNumbers": [{"Value": "+1 555 0100"}],
            "Title": "Analyst",
        }
    )

    assert fields == UserFields(
        user_name="jdoe",
        display_name="John Doe",
        name=Name(given_name="John", family_name="Doe"),
        title="Analyst",
        emails=(Email("jdoe@example.com", "work", True),),
        extra={"phoneNumbers": [{"value": "+1 555 0100"}]},
    )
    with pytest.raises(ValidationError):
        fields_from_members({"DisplayName": "No Name"})
