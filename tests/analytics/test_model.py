"""The directory's pure domain rules: ARNs, name keys, principal ids, validation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sightgate.analytics.directory import arns
from sightgate.analytics.directory.model import (
    Role,
    Tag,
    UserRegistration,
    iam_principal_id,
    name_key,
    parse_external_login,
    parse_role,
    validate_account_name,
    validate_description,
    validate_email_address,
    validate_namespace_name,
    validate_tag_key,
    validate_tags,
)
from sightgate.platform.errors import ValidationError


def test_arns_round_trip() -> None:
    arn = arns.user_arn("eu-west-1", "111122223333", "tenant-a", "Role/alice@example.com")
    assert arn == "arn:aws:quicksight:eu-west-1:111122223333:user/tenant-a/Role/alice@example.com"
    assert arns.parse_arn(arn) == arns.ResourceArn(
        "eu-west-1", "111122223333", arns.ResourceType.USER, "tenant-a", "Role/alice@example.com"
    )
    group = arns.parse_arn(arns.group_arn("us-east-1", "111122223333", "default", "Sales EU"))
    assert (group.type, group.namespace, group.name) == (
        arns.ResourceType.GROUP,
        "default",
        "Sales EU",
    )
    namespace = arns.parse_arn(arns.namespace_arn("us-east-1", "111122223333", "a.b_c-d"))
    assert (namespace.type, namespace.namespace, namespace.name) == (
        arns.ResourceType.NAMESPACE,
        "a.b_c-d",
        None,
    )


def test_name_keys_fold_case_and_compatibility_forms() -> None:
    assert name_key("Straße") == name_key("STRASSE")
    assert name_key("JDoe") == "jdoe"


def test_iam_principal_ids_are_stable_per_identity() -> None:
    role = "arn:aws:iam::111122223333:role/Embed"
    assert iam_principal_id(role, "alice") == iam_principal_id(role, "alice")
    assert iam_principal_id(role, "alice") != iam_principal_id(role, "bob")
    assert iam_principal_id("arn:aws:iam::111122223333:user/Pat", None).startswith(
        "federated/iam/AIDA"
    )


def test_roles_refuse_the_restricted_ones() -> None:
    assert parse_role("ADMIN_PRO", "Role") is Role.ADMIN_PRO
    with pytest.raises(ValidationError, match="not available"):
        parse_role("RESTRICTED_AUTHOR", "Role")
    with pytest.raises(ValidationError, match="ADMIN \\| AUTHOR"):
        parse_role(None, "Role")


@pytest.mark.parametrize("name", ["acme", "Acme-1", "a--b", "A" * 62])
def test_valid_account_names(name: str) -> None:
    assert validate_account_name(name) == name


@pytest.mark.parametrize("name", ["", "-acme", "acme-", "D-acme", "acme corp", "A" * 63])
def test_invalid_account_names(name: str) -> None:
    with pytest.raises(ValidationError):
        validate_account_name(name)


def test_namespace_names() -> None:
    assert validate_namespace_name("Tenant_1.eu-west") == "Tenant_1.eu-west"
    with pytest.raises(ValidationError):
        validate_namespace_name(None)


def test_an_iam_registration_resolves_its_user_name() -> None:
    registration = UserRegistration(
        "IAM",
        "a@example.com",
        "READER",
        user_name="ignored",
        iam_arn="arn:aws:iam::111122223333:role/path/to/Embed",
        session_name="alice",
    ).validated("111122223333")
    assert (registration.user_name, registration.identity_type) == ("Embed/alice", "IAM")


def test_an_iam_registration_without_an_iam_arn_is_the_iam_user_of_that_name() -> None:
    registration = UserRegistration(
        "IAM", "a@example.com", "READER", user_name="tfacctest"
    ).validated("111122223333")
    assert (registration.user_name, registration.iam_arn) == ("tfacctest", None)

    for invalid, field in (
        (UserRegistration("IAM", "a@example.com", "READER"), "UserName"),
        (
            UserRegistration("IAM", "a@example.com", "READER", user_name="u", session_name="s1"),
            "SessionName",
        ),
    ):
        with pytest.raises(ValidationError) as caught:
            invalid.validated("111122223333")
        assert caught.value.field == field


LONE_SURROGATE = "bad\ud800text"


@pytest.mark.parametrize(
    ("check", "field"),
    [
        (lambda: validate_description(LONE_SURROGATE), "Description"),
        (lambda: validate_tag_key(LONE_SURROGATE), "TagKeys"),
        (lambda: validate_tags((Tag("k", LONE_SURROGATE),)), "Tags"),
        (lambda: validate_email_address(f"{LONE_SURROGATE}@example.com", "Email"), "Email"),
        (
            lambda: parse_external_login(
                "CUSTOM_OIDC", f"https://idp.example/{LONE_SURROGATE}", None
            ),
            "CustomFederationProviderUrl",
        ),
        (
            lambda: parse_external_login("COGNITO", None, LONE_SURROGATE),
            "ExternalLoginId",
        ),
    ],
)
def test_text_with_a_lone_surrogate_is_refused(check: Callable[[], object], field: str) -> None:
    # The CLI and YAML rules can carry lone surrogates; no store can hold one.
    with pytest.raises(ValidationError) as caught:
        check()
    assert caught.value.field == field
