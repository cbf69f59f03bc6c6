"""botocore's service models for the AWS APIs sightgate speaks, and per-service conventions.

Everything about the wire format (operation names, HTTP bindings, member locations,
constraints) comes from the same JSON models the AWS SDKs are generated from, so a client
built from those models cannot disagree with us about what a request looks like. What the
models do not say (which error code a service uses for a validation failure, for a stale
pagination token, ...) is recorded in ``ServiceSpec``, one row per service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel, StructureShape

REST_JSON = "rest-json"
JSON = "json"


@dataclass(frozen=True)
class ServiceSpec:
    """One AWS service: its botocore model and the error codes it uses for common cases.

    ``name`` is the botocore/CLI service name (``sso-admin``), which is also the first half
    of a handler key; ``signing_name`` is the SigV4 credential-scope service (``sso``).
    """

    name: str
    model: ServiceModel
    validation_error: str
    invalid_token_error: str
    exists_error: str
    precondition_error: str
    internal_error: str

    @property
    def protocol(self) -> str:
        """``rest-json`` (QuickSight) or ``json`` (IdentityStore, SSO Admin)."""
        return str(self.model.protocol)

    @property
    def signing_name(self) -> str:
        """The service name a SigV4 credential scope must carry."""
        return str(self.model.signing_name)

    @property
    def target_prefix(self) -> str | None:
        """The ``X-Amz-Target`` prefix of a json-protocol service."""
        prefix = self.model.metadata.get("targetPrefix")
        return str(prefix) if prefix else None

    @property
    def operation_names(self) -> list[str]:
        """Every operation the model defines, in the model's order."""
        return list(self.model.operation_names)

    def operation(self, name: str) -> OperationModel:
        """The operation model named ``name`` (raises ``OperationNotFoundError``)."""
        return self.model.operation_model(name)

    def error_shape(self, code: str) -> StructureShape | None:
        """The modeled error structure for ``code``, if this service declares one."""
        if code not in self.model.shape_names:
            return None
        shape = self.model.shape_for(code)
        if isinstance(shape, StructureShape) and shape.metadata.get("exception"):
            return shape
        return None

    def error_status(self, code: str, default: int) -> int:
        """The HTTP status of error ``code``: the model's, else ``default``.

        json-protocol models give none, and those services answer every client error with
        400 (their API references list 400 throughout), so there ``default`` only decides
        between a client error (400) and a server error (5xx).
        """
        shape = self.error_shape(code)
        status = shape.metadata.get("error", {}).get("httpStatusCode") if shape else None
        if status is not None:
            return int(status)
        if shape is not None and shape.metadata.get("fault"):
            return 500
        if self.protocol == JSON and default < 500:
            return 400
        return default


# Codes checked against each model's error shapes (tests/protocols/aws/test_models.py).
# QuickSight has its own vocabulary (InvalidParameterValueException, ResourceExistsException,
# PreconditionNotMetException, InvalidNextTokenException); the Identity Center services use
# the generic Smithy ones and report a stale version or a taken name as ConflictException.
_CONVENTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "quicksight": (
        "InvalidParameterValueException",
        "InvalidNextTokenException",
        "ResourceExistsException",
        "PreconditionNotMetException",
        "InternalFailureException",
    ),
    "identitystore": (
        "ValidationException",
        "ValidationException",
        "ConflictException",
        "ConflictException",
        "InternalServerException",
    ),
    "sso-admin": (
        "ValidationException",
        "ValidationException",
        "ConflictException",
        "ConflictException",
        "InternalServerException",
    ),
}

SERVICE_NAMES: tuple[str, ...] = tuple(_CONVENTIONS)


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service(name: str) -> ServiceSpec:
    """The spec of service ``name`` (one of ``SERVICE_NAMES``); models load once per process."""
    if name not in _CONVENTIONS:
        raise KeyError(f"sightgate does not speak the AWS service {name!r}")
    validation, token, exists, precondition, internal = _CONVENTIONS[name]
    return ServiceSpec(
        name=name,
        model=_session().get_service_model(name),
        validation_error=validation,
        invalid_token_error=token,
        exists_error=exists,
        precondition_error=precondition,
        internal_error=internal,
    )


def services() -> tuple[ServiceSpec, ...]:
    """Every service sightgate speaks."""
    return tuple(service(name) for name in SERVICE_NAMES)


def by_target_prefix(prefix: str) -> ServiceSpec | None:
    """The json-protocol service whose ``X-Amz-Target`` prefix is ``prefix``."""
    for spec in services():
        if spec.protocol == JSON and spec.target_prefix == prefix:
            return spec
    return None


@cache
def compiled_pattern(pattern: str) -> re.Pattern[str] | None:
    """A model ``pattern`` as a Python regex, or None when Python cannot express it.

    Model patterns are Java regexes. ``\\z`` (Java's absolute end) is Python's ``\\Z``; the
    rest either compiles unchanged or uses Java-only syntax (``\\p{L}`` classes, ``[\\w- ]``
    ranges), in which case the pattern check is skipped rather than guessed. Smithy says
    patterns are not implicitly anchored, so callers use ``search``.
    """
    translated = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", pattern)
    try:
        return re.compile(translated)
    except re.error:
        return None
