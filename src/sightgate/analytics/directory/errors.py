"""The directory's own domain errors, and constraint violations turned into conflicts.

The AWS adapter maps them to QuickSight's error shapes:
``TerminationProtectedError`` -> ``PreconditionNotMetException``,
``LimitExceededError`` -> ``LimitExceededException``,
``ManagedByIdentitySourceError`` -> ``InvalidParameterValueException``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from sightgate.analytics.directory.tables import UNIQUE_FIELDS
from sightgate.platform.db import violated_constraint
from sightgate.platform.errors import (
    ConflictError,
    QuotaExceededError,
    SightgateError,
    StateConflictError,
)


class TerminationProtectedError(StateConflictError):
    """The account cannot be deleted while its termination protection is on."""

    def __init__(self, account_id: str) -> None:
        super().__init__(
            f"account {account_id} has termination protection enabled: turn "
            "TerminationProtectionEnabled off with UpdateAccountSettings, then delete it"
        )
        self.account_id = account_id


class LimitExceededError(QuotaExceededError):
    """A directory quota: namespaces per account, tags per resource."""


class ManagedByIdentitySourceError(SightgateError):
    """A user or group provisioned from the identity source was to be changed by the API.

    The identity provider is the source of truth for those: a change made here would be
    undone (or silently diverge) at the next provisioning run.
    """

    def __init__(self, resource: str, name: str) -> None:
        super().__init__(
            f"{resource} {name!r} is provisioned from the identity source: "
            "change it in your identity provider"
        )
        self.resource = resource
        self.name = name


@contextmanager
def translate_integrity_errors(**values: str) -> Iterator[None]:
    """Raise ``ConflictError`` naming the field when a unique constraint is broken.

    ``values`` are the written values by field name (``UserName="jdoe"``); the clashing
    one is reported. Wrap the whole unit of work, so the transaction has rolled back
    (with its events) when the error is raised.
    """
    try:
        yield
    except IntegrityError as error:
        name = violated_constraint(error)
        if name in UNIQUE_FIELDS:
            resource, field = UNIQUE_FIELDS[name]
            raise ConflictError(resource, field, values.get(field, "")) from error
        raise
