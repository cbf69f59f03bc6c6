"""Field-well members as calculated-field expressions.

A ``DimensionField`` is its column (a ``DateDimensionField`` truncated to its
``DateGranularity`` with ``truncDate``); a ``MeasureField`` is its column under its
aggregation (``SimpleNumericalAggregation`` SUM by default, COUNT for categorical and date
measures), or a calculated measure's expression as written. A column that is an
aggregated calculated field is used as it is: it carries its own aggregation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sightgate.platform.errors import ValidationError

from .model import ColumnRole, UnsupportedError
from .scope import FieldScope
from .times import period

SIMPLE_AGGREGATIONS: Mapping[str, str] = {
    "SUM": "sum",
    "AVERAGE": "avg",
    "MIN": "min",
    "MAX": "max",
    "COUNT": "count",
    "DISTINCT_COUNT": "distinct_count",
    "MEDIAN": "median",
}
"""``SimpleNumericalAggregation`` (and the categorical and date aggregations) -> function."""

UNSUPPORTED_AGGREGATIONS = ("VAR", "VARP", "STDEV", "STDEVP", "UNIQUE_VALUE")

DIMENSION_KINDS = ("CategoricalDimensionField", "NumericalDimensionField", "DateDimensionField")
MEASURE_KINDS: Mapping[str, str] = {
    "NumericalMeasureField": "SUM",
    "CategoricalMeasureField": "COUNT",
    "DateMeasureField": "COUNT",
    "CalculatedMeasureField": "",
}
"""Measure kinds and their default aggregation."""


@dataclass(frozen=True)
class WellField:
    """One field of a visual: its id (the output column's name), its expression, its
    role, and its format."""

    field_id: str
    expression: str
    role: ColumnRole
    format: Mapping[str, Any] | None = None


class Formats:
    """The definition's ``ColumnConfigurations`` formats by (dataset identifier, column)."""

    def __init__(self, configurations: object) -> None:
        self._by_column: dict[tuple[str, str], Mapping[str, Any]] = {}
        for configuration in configurations if isinstance(configurations, list) else []:
            if not isinstance(configuration, Mapping):
                continue
            column, found = configuration.get("Column"), configuration.get("FormatConfiguration")
            if isinstance(column, Mapping) and isinstance(found, Mapping):
                key = (str(column.get("DataSetIdentifier")), str(column.get("ColumnName")))
                self._by_column[key] = found

    def of(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """A field's own format, else its column's."""
        own = item.get("FormatConfiguration")
        if isinstance(own, Mapping):
            return own
        column = item.get("Column")
        if not isinstance(column, Mapping):
            return None
        return self._by_column.get(
            (str(column.get("DataSetIdentifier")), str(column.get("ColumnName")))
        )


def variant(item: object, kinds: Iterable[str], where: str) -> tuple[str, Mapping[str, Any]]:
    """The one member of a union-shaped dict (``{"NumericalMeasureField": {...}}``)."""
    if isinstance(item, Mapping) and len(item) == 1:
        ((kind, body),) = item.items()
        if isinstance(body, Mapping) and kind in kinds:
            return kind, body
    raise ValidationError(where, f"one of {', '.join(kinds)} is required")


def _field_id(body: Mapping[str, Any], where: str) -> str:
    field_id = body.get("FieldId")
    if not isinstance(field_id, str) or not field_id:
        raise ValidationError(where, "a field needs a FieldId")
    return field_id


def dimension(item: object, scope: FieldScope, formats: Formats, where: str) -> WellField:
    kind, body = variant(item, DIMENSION_KINDS, where)
    field_id = _field_id(body, where)
    expression = scope.column(body.get("Column"), f"{where}.{kind}.Column")
    granularity = body.get("DateGranularity")
    if kind == "DateDimensionField" and granularity is not None:
        expression = f"truncDate('{period(granularity, where)}', {expression})"
    if scope.compile(expression, where).is_aggregate:
        raise ValidationError(where, f"dimension {field_id!r} is an aggregation")
    return WellField(field_id, expression, ColumnRole.DIMENSION, formats.of(body))


def measure(item: object, scope: FieldScope, formats: Formats, where: str) -> WellField:
    kind, body = variant(item, MEASURE_KINDS, where)
    field_id = _field_id(body, where)
    if kind == "CalculatedMeasureField":
        text = body.get("Expression")
        if not isinstance(text, str):
            raise ValidationError(where, "a calculated measure needs an Expression")
        expression = scope.expand(text, f"{where}.Expression")
    else:
        column = scope.column(body.get("Column"), f"{where}.{kind}.Column")
        expression = column
        if not scope.compile(column, where).is_aggregate:
            expression = aggregate(
                column, body.get("AggregationFunction"), MEASURE_KINDS[kind], where
            )
    if not scope.compile(expression, where).is_aggregate:
        raise ValidationError(where, f"measure {field_id!r} is not an aggregation")
    return WellField(field_id, expression, ColumnRole.MEASURE, formats.of(body))


def unaggregated(item: object, scope: FieldScope, formats: Formats, where: str) -> WellField:
    """A ``TableUnaggregatedFieldWells`` value: the column as it is, row by row."""
    if not isinstance(item, Mapping):
        raise ValidationError(where, "an UnaggregatedField is required")
    field_id = _field_id(item, where)
    expression = scope.column(item.get("Column"), f"{where}.Column")
    if scope.compile(expression, where).is_aggregate:
        raise ValidationError(where, f"field {field_id!r} of a raw table is an aggregation")
    return WellField(field_id, expression, ColumnRole.DIMENSION, formats.of(item))


def aggregate(expression: str, function: object, default: str, where: str) -> str:
    """``expression`` under an aggregation as a definition writes one: a name
    (``"COUNT"``), a ``NumericalAggregationFunction``, or an ``AggregationFunction``
    union; ``default`` when there is none."""
    chosen = _unwrap(function, where) if isinstance(function, Mapping) else function
    if isinstance(chosen, float):
        return f"percentileCont({expression}, {chosen!r})"
    name = default if chosen is None else chosen
    if not isinstance(name, str):
        raise ValidationError(where, "an aggregation function is required")
    if name in UNSUPPORTED_AGGREGATIONS:
        raise UnsupportedError(f"{where}: aggregation {name} is not supported")
    found = SIMPLE_AGGREGATIONS.get(name)
    if found is None:
        raise ValidationError(where, f"unknown aggregation {name!r}")
    return f"{found}({expression})"


def _unwrap(function: Mapping[str, Any], where: str) -> object:
    """The aggregation's name, or a percentile (0 to 100) as a float."""
    for member in ("CategoricalAggregationFunction", "DateAggregationFunction"):
        if member in function:
            return function[member]
    attribute = function.get("AttributeAggregationFunction")
    if isinstance(attribute, Mapping):
        return attribute.get("SimpleAttributeAggregation")
    numerical = function.get("NumericalAggregationFunction", function)
    if not isinstance(numerical, Mapping):
        raise ValidationError(where, "an aggregation function is required")
    percentile = numerical.get("PercentileAggregation")
    if isinstance(percentile, Mapping):
        value = percentile.get("PercentileValue")
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
            raise ValidationError(where, "PercentileValue must be a number from 0 to 100")
        return float(value)
    return numerical.get("SimpleNumericalAggregation")
