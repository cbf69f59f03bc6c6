"""Domain errors per service, and the error body each protocol's botocore parser reads."""

from __future__ import annotations

import json

import pytest

from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
    SightgateError,
    ValidationError,
)
from sightgate.protocols.aws import errors, models
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.pagination import PageTokens


def ctx(service: str) -> RequestContext:
    tokens = PageTokens(b"0123456789abcdef")
    return RequestContext(service, "Op", "111122223333", "AKID", "us-east-1", "r", False, tokens)


NOT_FOUND, CONFLICT = "ResourceNotFoundException", "ConflictException"
INVALID = "ValidationException"


@pytest.mark.parametrize(
    ("service", "error", "code", "status", "fields"),
    [
        ("quicksight", NotFoundError("User", "u"), NOT_FOUND, 404, {"ResourceType": "USER"}),
        (
            "identitystore",
            NotFoundError("GroupMembership", "m"),
            NOT_FOUND,
            400,
            {"ResourceType": "GROUP_MEMBERSHIP"},
        ),
        ("sso-admin", NotFoundError("Instance", "i"), NOT_FOUND, 400, {}),
        (
            "quicksight",
            ConflictError("Group", "GroupName", "g"),
            "ResourceExistsException",
            409,
            {"ResourceType": "GROUP"},
        ),
        (
            "identitystore",
            ConflictError("User", "UserName", "u"),
            CONFLICT,
            400,
            {"Reason": "UNIQUENESS_CONSTRAINT_VIOLATION"},
        ),
        ("sso-admin", ConflictError("PermissionSet", "Name", "p"), CONFLICT, 400, {}),
        (
            "quicksight",
            PreconditionFailedError("User", "u"),
            "PreconditionNotMetException",
            400,
            {},
        ),
        (
            "identitystore",
            PreconditionFailedError("User", "u"),
            CONFLICT,
            400,
            {"Reason": "CONCURRENT_MODIFICATION"},
        ),
        ("quicksight", ValidationError("Email", "bad"), "InvalidParameterValueException", 400, {}),
        ("identitystore", ValidationError("Emails", "too many"), INVALID, 400, {}),
        ("sso-admin", SightgateError("anything else"), INVALID, 400, {}),
    ],
)
def test_domain_errors_map_to_each_services_codes(
    service: str, error: SightgateError, code: str, status: int, fields: dict[str, str]
) -> None:
    aws = errors.domain_error(ctx(service), error)
    _, _, body = errors.render(aws, models.service(service).protocol, service, "req")
    rendered = json.loads(body)

    assert (aws.code, aws.status) == (code, status)
    assert aws.message == error.message
    for name, value in fields.items():
        assert rendered[name] == value


def test_rest_json_errors_carry_the_code_in_a_header() -> None:
    status, headers, body = errors.render(
        errors.not_found("quicksight", "gone", "USER"), "rest-json", "quicksight", "req-1"
    )

    assert status == 404
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert headers["x-amzn-RequestId"] == "req-1"
    assert json.loads(body) == {"Message": "gone", "RequestId": "req-1", "ResourceType": "USER"}


def test_json_errors_carry_the_code_as_type_and_only_modeled_members() -> None:
    _, ids_headers, ids_body = errors.render(
        errors.validation_error("identitystore", "bad"), "json", "identitystore", "req-2"
    )
    _, _, sso_body = errors.render(
        errors.validation_error("sso-admin", "bad"), "json", "sso-admin", "req-3"
    )
    _, _, unmodeled = errors.render(errors.unrecognized_client(), "json", "sso-admin", "req-4")

    assert "x-amzn-ErrorType" not in ids_headers
    assert ids_headers["content-type"] == "application/x-amz-json-1.1"
    assert json.loads(ids_body) == {
        "__type": "ValidationException",
        "Message": "bad",
        "RequestId": "req-2",
    }
    assert json.loads(sso_body) == {"__type": "ValidationException", "Message": "bad"}
    assert json.loads(unmodeled)["message"].startswith("The security token")
