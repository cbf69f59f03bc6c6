"""QuickSight embed URLs: GenerateEmbedUrlForRegisteredUser and ...ForAnonymousUser.

The service decides; this module only names QuickSight's own errors for what the
service reports: a user the ARN does not name (QuickSightUserNotFoundException) and a
session lifetime out of range (SessionLifetimeInMinutesInvalidException).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sightgate.analytics.embedding.errors import UnknownUserError
from sightgate.analytics.embedding.service import EmbeddingService, IssuedUrl
from sightgate.analytics.embedding.sessions import LIFETIME_FIELD
from sightgate.platform.errors import ValidationError
from sightgate.protocols.aws import models
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import AwsError
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_named_account

USER_NOT_FOUND = "QuickSightUserNotFoundException"
LIFETIME_INVALID = "SessionLifetimeInMinutesInvalidException"


def _error(code: str, message: str) -> AwsError:
    return AwsError(code, message, models.service("quicksight").error_status(code, 400))


@contextmanager
def _quicksight_errors() -> Iterator[None]:
    try:
        yield
    except UnknownUserError as error:
        raise _error(USER_NOT_FOUND, error.message) from None
    except ValidationError as error:
        if error.field == LIFETIME_FIELD:
            raise _error(LIFETIME_INVALID, error.message) from None
        raise


def _generate(generate: Callable[..., IssuedUrl], ctx: RequestContext, params: Params) -> IssuedUrl:
    with _quicksight_errors():
        return generate(params["AwsAccountId"], params, request_url=ctx.base_url, actor=ctx.actor)


def for_registered_user(embedding: EmbeddingService, ctx: RequestContext, params: Params) -> Output:
    """GenerateEmbedUrlForRegisteredUser."""
    issued = _generate(embedding.for_registered_user, ctx, params)
    return {"EmbedUrl": issued.url, **OK}


def for_anonymous_user(embedding: EmbeddingService, ctx: RequestContext, params: Params) -> Output:
    """GenerateEmbedUrlForAnonymousUser."""
    issued = _generate(embedding.for_anonymous_user, ctx, params)
    return {"EmbedUrl": issued.url, "AnonymousUserArn": issued.session.principal_arn, **OK}


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.embedding,
    (
        Operation("GenerateEmbedUrlForRegisteredUser", for_registered_user, in_named_account),
        Operation("GenerateEmbedUrlForAnonymousUser", for_anonymous_user, in_named_account),
    ),
)
