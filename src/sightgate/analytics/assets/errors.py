"""Constraint violations of the folder tables as conflicts naming the input that clashed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from sightgate.analytics.assets.tables import UNIQUE_FIELDS
from sightgate.platform.db import violated_constraint
from sightgate.platform.errors import ConflictError


@contextmanager
def translate_integrity_errors(**values: str) -> Iterator[None]:
    """Raise ``ConflictError`` naming the field when a unique constraint is broken;
    ``values`` are the written values by field name. Wrap the whole unit of work, so the
    transaction (with its events) has rolled back when the error is raised."""
    try:
        yield
    except IntegrityError as error:
        name = violated_constraint(error)
        if name in UNIQUE_FIELDS:
            resource, field = UNIQUE_FIELDS[name]
            raise ConflictError(resource, field, values.get(field, "")) from error
        raise
