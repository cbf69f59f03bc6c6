"""Domain rules of users and groups, without a store."""

from __future__ import annotations

import pytest

from sightgate.identity.model import (
    Email,
    ExternalId,
    GroupFields,
    Name,
    UserFields,
    unique_key,
    validate_account_id,
)
from sightgate.platform.errors import ValidationError


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


def test_bad_email_names_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        UserFields(user_name="a", emails=(Email("not-an-address"),)).validated()
    assert caught.value.field == "emails.value"


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


@pytest.mark.parametrize("account_id", ["12345678901", "1234567890123", "abcdefghijkl", ""])
def test_account_ids_are_twelve_digits(account_id: str) -> None:
    with pytest.raises(ValidationError):
        validate_account_id(account_id)
