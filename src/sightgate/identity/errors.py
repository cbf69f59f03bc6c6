"""Turning database constraint violations into domain conflict errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from sightgate.identity.tables import UNIQUE_FIELDS
from sightgate.platform.db import violated_constraint
from sightgate.platform.errors import ConflictError


@contextmanager
def translate_integrity_errors(value: str = "") -> Iterator[None]:
    """Raise ``ConflictError`` naming the field when a unique constraint is broken.

    Wrap the whole unit of work, so the transaction has rolled back when the error is
    raised: a conflict never leaves a partial change behind.
    """
    try:
        yield
    except IntegrityError as error:
        name = violated_constraint(error)
        if name in UNIQUE_FIELDS:
            resource, field = UNIQUE_FIELDS[name]
            raise ConflictError(resource, field, value) from error
        raise
