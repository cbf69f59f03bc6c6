"""SCIM errors (RFC 7644 §3.12) and the translation of domain errors into them."""

from __future__ import annotations

from typing import Any

from sightgate.identity.filtering import FilterError
from sightgate.platform.errors import (
    AccessDeniedError,
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
    QueryTimeoutError,
    SightgateError,
    ValidationError,
)
from sightgate.protocols.scim.schema import ERROR_SCHEMA


class ScimError(Exception):
    """An error the SCIM client gets as an Error resource with ``scimType``."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def to_json(self) -> dict[str, Any]:
        """The Error resource; ``status`` is a string, as RFC 7644 §3.12 shows it."""
        body: dict[str, Any] = {
            "schemas": [ERROR_SCHEMA],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def invalid_value(detail: str) -> ScimError:
    """400 invalidValue: a value of the wrong type, missing or out of range."""
    return ScimError(400, detail, "invalidValue")


def invalid_syntax(detail: str) -> ScimError:
    """400 invalidSyntax: a request body that is not what the schema says."""
    return ScimError(400, detail, "invalidSyntax")


def invalid_path(detail: str) -> ScimError:
    """400 invalidPath: a PATCH path that names nothing we have."""
    return ScimError(400, detail, "invalidPath")


def no_target(detail: str) -> ScimError:
    """400 noTarget: a PATCH path whose filter matched no value."""
    return ScimError(400, detail, "noTarget")


def mutability(detail: str) -> ScimError:
    """400 mutability: an attempt to change a read-only or immutable attribute."""
    return ScimError(400, detail, "mutability")


SCIM_FIELD_NAMES = {
    "UserName": "userName",
    "DisplayName": "displayName",
    "ExternalId": "externalId",
    "MemberId": "members",
}


def from_domain(error: SightgateError) -> ScimError:
    """The SCIM answer to a domain error."""
    if isinstance(error, AccessDeniedError):
        return ScimError(403, error.message)
    if isinstance(error, NotFoundError):
        return ScimError(404, error.message)
    if isinstance(error, ConflictError):
        field = SCIM_FIELD_NAMES.get(error.field, error.field)
        taken = f"{field} {error.value!r}" if error.value else field
        return ScimError(409, f"{taken} is already taken", "uniqueness")
    if isinstance(error, PreconditionFailedError):
        return ScimError(412, f"{error.message}; read it again and retry")
    if isinstance(error, QueryTimeoutError):
        # RFC 7644 §3.12 tooMany: "many more results than the server is willing to
        # calculate or process".
        return ScimError(
            400,
            f"the request needed more than the store's limit of {error.limit_ms} ms per "
            "statement (SIGHTGATE_STATEMENT_TIMEOUT_MS); narrow the filter or ask for fewer "
            "results",
            "tooMany",
        )
    if isinstance(error, FilterError):
        return ScimError(400, error.reason, "invalidFilter")
    if isinstance(error, ValidationError):
        return invalid_value(error.message)
    return ScimError(400, error.message)
