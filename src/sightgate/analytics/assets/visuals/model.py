"""What a sheet's visuals answer: plain values, no I/O.

A visual answers one of four states, and a visual that cannot be drawn never fails the
sheet: ``ready`` (rows), ``empty`` (the query answered no data), ``error`` (the definition
or the data is wrong: a dangling reference, a query the engine refused; ``error`` says
what) and ``unsupported`` (a visual type, filter or function sightgate does not draw yet;
``error`` names it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sightgate.analytics.data.model import ColumnType, Value
from sightgate.platform.errors import SightgateError


class VisualState(StrEnum):
    READY = "ready"
    EMPTY = "empty"
    ERROR = "error"
    UNSUPPORTED = "unsupported"


class ColumnRole(StrEnum):
    """What a visual column holds: a dimension, a measure, or (pivot tables) which
    dimensions a total row rolls up."""

    DIMENSION = "DIMENSION"
    MEASURE = "MEASURE"
    GROUPING = "GROUPING"


@dataclass(frozen=True)
class VisualColumn:
    """One column of a visual's rows: the field it comes from and how to format it
    (the field's ``FormatConfiguration``, else the definition's ``ColumnConfigurations``
    for its column)."""

    name: str
    type: ColumnType
    field_id: str | None
    role: ColumnRole
    format: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class VisualData:
    visual_id: str
    type: str
    """The ``Visual`` member, e.g. ``BarChartVisual``."""
    state: VisualState
    title: str | None = None
    subtitle: str | None = None
    columns: tuple[VisualColumn, ...] = ()
    rows: tuple[tuple[Value, ...], ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class SheetData:
    sheet_id: str
    name: str | None
    visuals: tuple[VisualData, ...]


class UnsupportedError(SightgateError):
    """Something a definition may hold but sightgate does not compute yet (a visual type,
    a filter kind, an aggregation, a calculated-field function): the visual answers
    ``unsupported`` with this message."""
