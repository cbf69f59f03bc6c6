"""Domain rules of users and groups, without a store."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sightgate.identity.model import (
    Email,
    Enterprise,
    ExternalId,
    GroupFields,
    Name,
    UserFields,
    is_email_address,
    unique_key,
)
from sightgate.platform.errors import ValidationError
from sightgate.platform.ids import validate_account_id


def test_user_name_is_trimmed_and_kept() -> None:
    assert UserFields(user_name="  Alice  ").validated().user_name == "Alice"


@pytest.mark.parametrize(
    ("user_name", "reason"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 129, "at most 128"),
        ("bad\x00name", "control characters"),
        ("tab\tname", "control characters"),
    ],
)
def test_invalid_user_names_are_rejected(user_name: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        UserFields(user_name=user_name).validated()
    assert caught.value.field == "user_name"
    assert reason in caught.value.reason


def test_user_name_of_128_characters_is_accepted() -> None:
    assert len(UserFields(user_name="x" * 128).validated().user_name) == 128


def test_an_email_value_need_not_be_an_address() -> None:
    """RFC 7643 §4.1.2: the value SHOULD be an address; conformance suites send others."""
    user = UserFields(user_name="a", emails=(Email("emailName357", "work"),)).validated()
    assert user.emails == (Email("emailName357", "work"),)
    assert not is_email_address("emailName357")
    assert is_email_address("a@example.com")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "must not be empty"),
        ("x" * 1025, "at most 1024"),
        ("a\nb", "control characters"),
        ("a\ud800b", "lone surrogates"),
    ],
)
def test_an_email_value_is_still_a_bounded_storable_string(value: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        UserFields(user_name="a", emails=(Email(value),)).validated()
    assert caught.value.field == "emails.value"
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"user_name": "al\udc80ice"}, "user_name"),
        ({"display_name": "\ud800"}, "display_name"),
        ({"title": "t\udfff"}, "title"),
        ({"name": Name(family_name="\ud800x")}, "name.family_name"),
        ({"emails": (Email("a@example.com", type="\ud800"),)}, "emails.type"),
        ({"emails": (Email("a@example.com", display="\ud800"),)}, "emails.display"),
        ({"external_ids": (ExternalId("scim", "\ud800"),)}, "external_ids.id"),
        ({"external_ids": (ExternalId("\ud800", "1"),)}, "external_ids.issuer"),
        ({"enterprise": Enterprise(department="\ud800")}, "enterprise.department"),
        ({"extra": {"phoneNumbers": [{"value": "\ud800"}]}}, "extra"),
    ],
)
def test_lone_surrogates_are_refused_in_every_text_field(
    fields: dict[str, Any], field: str
) -> None:
    """The CLI can pass them (surrogateescape); no database can store them."""
    with pytest.raises(ValidationError) as caught:
        replace(UserFields(user_name="a"), **fields).validated()
    assert caught.value.field == field


def test_lone_surrogates_are_refused_in_group_fields() -> None:
    for fields, field in (
        (GroupFields(display_name="g\ud800"), "display_name"),
        (GroupFields(display_name="g", description="\udbff"), "description"),
    ):
        with pytest.raises(ValidationError) as caught:
            fields.validated()
        assert caught.value.field == field


@pytest.mark.parametrize(
    ("name", "code_point"),
    [
        ("al\u200bice", "U+200B (ZERO WIDTH SPACE)"),
        ("alice\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("a\u2066lice", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("al\u00adice", "U+00AD (SOFT HYPHEN)"),
        ("\ufeffalice", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
        ("al\u2028ice", "U+2028 (LINE SEPARATOR)"),
        ("al\ue000ice", "U+E000 (Co)"),  # private use
        ("al\u0378ice", "U+0378 (Cn)"),  # unassigned
    ],
)
def test_user_and_group_names_refuse_invisible_characters(name: str, code_point: str) -> None:
    """RFC 8264's IdentifierClass disallows format characters (Cf): look-alike names."""
    with pytest.raises(ValidationError) as caught:
        UserFields(user_name=name).validated()
    assert caught.value.field == "user_name"
    assert f"must not contain {code_point}" in caught.value.reason
    with pytest.raises(ValidationError) as caught:
        GroupFields(display_name=name).validated()
    assert caught.value.field == "display_name"
    assert f"must not contain {code_point}" in caught.value.reason


@pytest.mark.parametrize(
    "name", ["Alice Smith", "José", "李小龙", "ناصر", "o'brien+test@x.io", "🙂"]
)
def test_printable_names_in_any_script_are_accepted(name: str) -> None:
    assert UserFields(user_name=name).validated().user_name == name
    assert GroupFields(display_name=name).validated().display_name == name


def test_other_text_fields_may_hold_format_characters() -> None:
    """Only names people tell apart by sight are identifiers; a title may carry a ZWJ."""
    assert UserFields(user_name="a", title="a\u200db").validated().title == "a\u200db"


def test_good_email_is_kept() -> None:
    user = UserFields(user_name="a", emails=(Email("a@example.com", "work", True),)).validated()
    assert user.emails == (Email("a@example.com", "work", True),)


def test_blank_optional_strings_become_none() -> None:
    user = UserFields(user_name="a", display_name="  ", name=Name(given_name="")).validated()
    assert user.display_name is None
    assert user.name.given_name is None


def test_over_long_optional_string_is_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        UserFields(user_name="a", title="t" * 1025).validated()
    assert caught.value.field == "title"


def test_duplicate_external_ids_are_rejected() -> None:
    twice = (ExternalId("okta", "1"), ExternalId("okta", "1"))
    with pytest.raises(ValidationError):
        UserFields(user_name="a", external_ids=twice).validated()


def test_too_many_emails_are_rejected() -> None:
    emails = tuple(Email(f"u{i}@example.com") for i in range(101))
    with pytest.raises(ValidationError) as caught:
        UserFields(user_name="a", emails=emails).validated()
    assert caught.value.field == "emails"


def test_group_display_name_is_required() -> None:
    with pytest.raises(ValidationError) as caught:
        GroupFields(display_name=" ").validated()
    assert caught.value.field == "display_name"


def test_unique_key_ignores_letter_case_and_compatibility_forms() -> None:
    assert unique_key("Alice") == unique_key("ALICE") == unique_key("alice")
    assert unique_key("Straße") == unique_key("STRASSE")
    assert unique_key("ﬁle") == unique_key("FILE")  # the ligature folds to two letters


@pytest.mark.parametrize(
    "account_id",
    [
        "12345678901",
        "1234567890123",
        "abcdefghijkl",
        "",
        "123456789012\n",  # re.match with $ accepted a trailing newline
        " 123456789012",
        "١٢٣٤٥٦٧٨٩٠١٢",  # Arabic-Indic digits are \d too
    ],
)
def test_account_ids_are_twelve_digits(account_id: str) -> None:
    with pytest.raises(ValidationError):
        validate_account_id(account_id)
