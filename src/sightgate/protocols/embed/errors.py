"""The embed data API's errors, in the two words the SDK's ``ERROR_OCCURRED`` uses:
``Forbidden`` (a link, or a dashboard the session may not open) and ``Unauthorized``
(the session itself: expired, revoked, its user no longer let in)."""

from __future__ import annotations

from sightgate.analytics.embedding.errors import CodeRejectedError, SessionRejectedError
from sightgate.platform.errors import (
    AccessDeniedError,
    NotFoundError,
    SightgateError,
    ValidationError,
)

UNAUTHORIZED = "Unauthorized"
FORBIDDEN = "Forbidden"


class ApiError(Exception):
    """An error response of the data API: its status, ``errorCode`` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def api_error(error: SightgateError) -> ApiError:
    """A domain error of a data request as the page gets it."""
    if isinstance(error, SessionRejectedError):
        return ApiError(401, UNAUTHORIZED, error.message)
    if isinstance(error, CodeRejectedError | AccessDeniedError):
        return ApiError(403, FORBIDDEN, error.message)
    if isinstance(error, NotFoundError):
        return ApiError(404, "ResourceNotFound", error.message)
    if isinstance(error, ValidationError):
        return ApiError(400, "InvalidParameterValue", error.message)
    return ApiError(400, "BadRequest", error.message)
