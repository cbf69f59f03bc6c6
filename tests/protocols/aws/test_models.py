"""The service models and the per-service conventions built on them."""

from __future__ import annotations

import pytest

from sightgate.protocols.aws import models


def test_the_three_services_and_their_protocols() -> None:
    qs, ids, sso = (models.service(n) for n in ("quicksight", "identitystore", "sso-admin"))

    assert (qs.protocol, qs.signing_name, qs.target_prefix) == ("rest-json", "quicksight", None)
    assert (ids.protocol, ids.signing_name, ids.target_prefix) == (
        "json",
        "identitystore",
        "AWSIdentityStore",
    )
    assert (sso.protocol, sso.signing_name, sso.target_prefix) == (
        "json",
        "sso",
        "SWBExternalService",
    )
    assert ids.model.metadata["jsonVersion"] == sso.model.metadata["jsonVersion"] == "1.1"
    assert models.by_target_prefix("SWBExternalService") is sso
    assert models.by_target_prefix("DynamoDB_20120810") is None


@pytest.mark.parametrize("name", models.SERVICE_NAMES)
def test_every_convention_code_is_a_modeled_error_of_its_service(name: str) -> None:
    spec = models.service(name)

    for code in (
        spec.validation_error,
        spec.invalid_token_error,
        spec.exists_error,
        spec.precondition_error,
        spec.internal_error,
        "ResourceNotFoundException",
        "AccessDeniedException",
    ):
        assert spec.error_shape(code) is not None, code


def test_error_statuses_come_from_the_model_or_the_json_default() -> None:
    qs, ids = models.service("quicksight"), models.service("identitystore")

    assert qs.error_status("ResourceExistsException", 400) == 409
    assert qs.error_status("AccessDeniedException", 403) == 401
    assert ids.error_status("ConflictException", 409) == 400
    assert ids.error_status("ResourceNotFoundException", 404) == 400
    assert ids.error_status("InternalServerException", 500) == 500
    assert qs.error_status("NoSuchCode", 418) == 418


def test_java_patterns_compile_leniently() -> None:
    assert models.compiled_pattern("^[0-9]{12}$") is not None
    end = models.compiled_pattern(r"\A[a-z]+\z")
    assert end is not None and end.search("abc") and not end.search("abc1")
    assert models.compiled_pattern(r"[\p{L}\p{N}]+") is None  # Java-only: check skipped


def test_unknown_services_are_refused() -> None:
    with pytest.raises(KeyError):
        models.service("s3")
