"""AWS-shaped errors: the exception handlers raise and its rendering per wire protocol.

botocore reads an error's code from the ``x-amzn-ErrorType`` header (rest-json) or the
body's ``__type`` (json 1.1), and its message from ``message`` or ``Message``
(``botocore/parsers.py``); a wrong shape shows up in a client as a bare HTTP status, so
every failure path here, including ones before routing, renders through ``render``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sightgate.platform.errors import (
    AccessDeniedError,
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
    QuotaExceededError,
    SightgateError,
    StateConflictError,
)
from sightgate.protocols.aws import models

if TYPE_CHECKING:
    from sightgate.protocols.aws.context import RequestContext

JSON_11 = "application/x-amz-json-1.1"
REST_JSON = "application/json"


class AwsError(Exception):
    """An error a client sees as ``ClientError`` with ``code``; ``fields`` are extra members
    of the modeled error shape (``ResourceType``, ``Reason``, ...), sent only if the service's
    shape for ``code`` declares them."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields: dict[str, Any] = dict(fields or {})


def _modeled(service: str, code: str, message: str, default: int, **fields: Any) -> AwsError:
    spec = models.service(service)
    return AwsError(code, message, spec.error_status(code, default), fields=fields)


# -- protocol-level errors (the same for every service) ----------------------------------


def missing_authentication_token() -> AwsError:
    """No SigV4 ``Authorization`` header at all."""
    return AwsError(
        "MissingAuthenticationTokenException", "Request is missing Authentication Token", 403
    )


def incomplete_signature(message: str) -> AwsError:
    """An ``Authorization`` header that is not a complete SigV4 header."""
    return AwsError("IncompleteSignatureException", message, 403)


def unrecognized_client() -> AwsError:
    """The access key id is not known."""
    return AwsError(
        "UnrecognizedClientException", "The security token included in the request is invalid.", 403
    )


def invalid_signature(message: str | None = None) -> AwsError:
    """The signature does not verify, or the signed date is too far from now."""
    return AwsError(
        "InvalidSignatureException",
        message
        or (
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        ),
        403,
    )


def unknown_operation(message: str) -> AwsError:
    """No operation of any service matches the request."""
    return AwsError("UnknownOperationException", message, 404)


def not_implemented(service: str, operation: str) -> AwsError:
    """A modeled operation no handler serves yet. 501 is not retried by botocore."""
    label = models.service(service).model.service_id
    return AwsError(
        "NotImplementedException",
        f"sightgate does not implement {label}:{operation} yet",
        501,
    )


def serialization_error(message: str) -> AwsError:
    """The body is not the JSON document the protocol requires."""
    return AwsError("SerializationException", message, 400)


def request_too_large(limit: int) -> AwsError:
    """The body is larger than the server accepts."""
    return AwsError(
        "RequestEntityTooLargeException", f"the request body is larger than {limit} bytes", 413
    )


# -- modeled errors (codes and statuses differ per service) ------------------------------


def validation_error(service: str, message: str) -> AwsError:
    """Input that breaks a model constraint or a domain rule."""
    return _modeled(service, models.service(service).validation_error, message, 400)


def invalid_next_token(service: str) -> AwsError:
    """A NextToken we did not issue (forged, garbled, or for another request)."""
    spec = models.service(service)
    return _modeled(service, spec.invalid_token_error, "The NextToken is not valid.", 400)


def access_denied(service: str, message: str) -> AwsError:
    """The caller may not act on the resource (QuickSight models this as 401)."""
    return _modeled(service, "AccessDeniedException", message, 403)


def not_found(service: str, message: str, resource_type: str | None = None) -> AwsError:
    """The named resource does not exist."""
    fields = {"ResourceType": resource_type} if resource_type else {}
    return _modeled(service, "ResourceNotFoundException", message, 404, **fields)


def internal_error(service: str) -> AwsError:
    """A bug on our side; details are in the server log, never in the response."""
    spec = models.service(service)
    return _modeled(service, spec.internal_error, "internal error; see the server log", 500)


def domain_error(ctx: RequestContext, error: SightgateError) -> AwsError:
    """The AWS error for a domain error raised by a handler of ``ctx.service``.

    A not-found is ResourceNotFoundException everywhere; a taken name is QuickSight's
    ResourceExistsException (409) or Identity Center's ConflictException (400, Reason
    UNIQUENESS_CONSTRAINT_VIOLATION); a stale version is QuickSight's
    PreconditionNotMetException or ConflictException (Reason CONCURRENT_MODIFICATION); an
    invalid value is the service's validation error. ``ResourceType`` is filled in when the
    error shape's enum has the domain resource (``GroupMembership`` -> ``GROUP_MEMBERSHIP``).
    """
    service = ctx.service
    spec = models.service(service)
    if isinstance(error, AccessDeniedError):
        return access_denied(service, error.message)
    if isinstance(error, NotFoundError):
        resource_type = _resource_type(spec, "ResourceNotFoundException", error.resource)
        return not_found(service, error.message, resource_type)
    if isinstance(error, ConflictError):
        fields: dict[str, Any] = {"Reason": "UNIQUENESS_CONSTRAINT_VIOLATION"}
        resource_type = _resource_type(spec, spec.exists_error, error.resource)
        if resource_type:
            fields["ResourceType"] = resource_type
        return _modeled(service, spec.exists_error, error.message, 400, **fields)
    if isinstance(error, StateConflictError):
        return _modeled(service, spec.precondition_error, error.message, 400)
    if isinstance(error, QuotaExceededError):
        code = (
            "LimitExceededException" if service == "quicksight" else "ServiceQuotaExceededException"
        )
        return _modeled(service, code, error.message, 400)
    if isinstance(error, PreconditionFailedError):
        return _modeled(
            service,
            spec.precondition_error,
            error.message,
            400,
            Reason="CONCURRENT_MODIFICATION",
        )
    # ValidationError, and any future domain error: the caller must change the request.
    return validation_error(service, error.message)


def _resource_type(spec: models.ServiceSpec, code: str, resource: str) -> str | None:
    """``GroupMembership`` -> ``GROUP_MEMBERSHIP`` when the error shape's enum has it."""
    shape = spec.error_shape(code)
    if shape is None or "ResourceType" not in shape.members:
        return None
    candidate = "".join(f"_{c}" if c.isupper() else c for c in resource).strip("_").upper()
    allowed = shape.members["ResourceType"].metadata.get("enum") or []
    return candidate if candidate in allowed else None


# -- rendering ---------------------------------------------------------------------------


def render(
    error: AwsError, protocol: str | None, service: str | None, request_id: str
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of ``error`` in ``protocol``'s error format.

    ``protocol`` None means the request was not routed to a service: the body then carries
    both the rest-json header and the json ``__type`` so either kind of client reads the code.
    """
    shape = models.service(service).error_shape(error.code) if service else None
    members = set(shape.members) if shape is not None else set()
    body: dict[str, Any] = {}
    if protocol == models.JSON:
        body["__type"] = error.code
        body["Message" if "Message" in members else "message"] = error.message
    else:
        body["Message"] = error.message
        if protocol is None:
            body["__type"] = error.code
    if "RequestId" in members or protocol != models.JSON:
        body["RequestId"] = request_id
    for name, value in error.fields.items():
        if name in members:
            body[name] = value
    headers = {
        "x-amzn-RequestId": request_id,
        "content-type": JSON_11 if protocol == models.JSON else REST_JSON,
    }
    if protocol != models.JSON:
        headers["x-amzn-ErrorType"] = error.code
    return error.status, headers, json.dumps(body).encode()
