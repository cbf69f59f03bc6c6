"""Turning database constraint violations into domain conflict errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from sightgate.identity.tables import UNIQUE_FIELDS
from sightgate.platform.db import violated_constraint
from sightgate.platform.errors import ConflictError

NAME_FIELDS = ("UserName", "DisplayName")
"""The fields whose value callers pass in: the names of users and groups."""


@contextmanager
def translate_integrity_errors(value: str = "") -> Iterator[None]:
    """Raise ``ConflictError`` naming the field when a unique constraint is broken.

    Wrap the whole unit of work, so the transaction has rolled back when the error is
    raised: a conflict never leaves a partial change behind. ``value`` is the user or
    group name being written; it is reported only when the name is what clashed, so a
    clashing external id is never described with the name's value.
    """
    try:
        yield
    except IntegrityError as error:
        name = violated_constraint(error)
        if name in UNIQUE_FIELDS:
            resource, field = UNIQUE_FIELDS[name]
            raise ConflictError(resource, field, value if field in NAME_FIELDS else "") from error
        raise
