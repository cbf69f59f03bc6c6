"""Domain errors. Adapters translate them into their protocol's own error shape."""

from __future__ import annotations


class SightgateError(Exception):
    """Base of every error a caller can act on (never a bug)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(SightgateError):
    """The named resource does not exist (or is not visible to the caller)."""

    def __init__(self, resource: str, resource_id: str) -> None:
        super().__init__(f"{resource} {resource_id!r} not found")
        self.resource = resource
        self.resource_id = resource_id


class ConflictError(SightgateError):
    """A uniqueness rule was broken; ``field`` names the attribute that clashed."""

    def __init__(self, resource: str, field: str, value: str) -> None:
        super().__init__(f"a {resource} with {field} {value!r} already exists")
        self.resource = resource
        self.field = field
        self.value = value


class ValidationError(SightgateError):
    """An input value is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class PreconditionFailedError(SightgateError):
    """The caller's expected version of a resource is not the current one."""

    def __init__(self, resource: str, resource_id: str) -> None:
        super().__init__(f"{resource} {resource_id!r} was changed by someone else")
        self.resource = resource
        self.resource_id = resource_id


class StateConflictError(SightgateError):
    """The resource's current state forbids the operation (e.g. a protected account)."""


class QuotaExceededError(SightgateError):
    """A quota was reached: at most ``limit`` ``resource``s per ``per``."""

    def __init__(self, resource: str, limit: int, per: str) -> None:
        super().__init__(f"at most {limit} {resource}s per {per} are allowed")
        self.resource = resource
        self.limit = limit


class AccessDeniedError(SightgateError):
    """The caller may not do this; ``reason`` says why (for logs and the audit trail).

    Adapters answer it as their protocol's "forbidden" (AWS AccessDeniedException, SCIM 403).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"access denied: {reason}")
        self.reason = reason


class QueryTimeoutError(SightgateError):
    """A store statement ran past the statement time limit and was cancelled; the
    transaction was rolled back. Retrying may work; a narrower request is likelier to."""

    def __init__(self, limit_ms: int) -> None:
        super().__init__(f"the store did not answer within {limit_ms} ms")
        self.limit_ms = limit_ms
