"""What a visual's builder works with: its dataset and scope, the conditions its filters
make, and ``run``, which turns fields, sorts and a limit into one ``LogicalQuery`` asked
of the query engine as the viewer (row and column security applied there)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sightgate.analytics.data.model import (
    Column,
    ColumnType,
    DataSet,
    Field,
    LogicalQuery,
    Predicate,
    PredicateOperator,
    QueryResult,
    Sort,
    SortDirection,
    Value,
)
from sightgate.analytics.data.query.ports import DataSetLookup
from sightgate.analytics.data.query.security import Viewer
from sightgate.platform.errors import ValidationError

from .fields import Formats, WellField, aggregate
from .filters import TopBottom
from .model import ColumnRole
from .parameters import ParameterValue
from .scope import FieldScope

NO_ROWS = "false"
"""The condition of a filter that keeps no value (a top-N over no rows)."""


class Queries(Protocol):
    """The query engine as visuals use it (``QueryService``)."""

    lookup: DataSetLookup

    def columns(self, viewer: Viewer, data_set: DataSet) -> tuple[Column, ...]: ...

    def run(
        self,
        viewer: Viewer,
        data_set: DataSet,
        query: LogicalQuery,
        *,
        rules_sets: DataSetLookup | None = None,
    ) -> QueryResult: ...


class SheetDataSets:
    """The datasets one sheet's queries look up (their rules datasets), each read once
    for the whole sheet instead of once per visual; a new sheet reads them again, so no
    change outlives a render."""

    def __init__(self, lookup: DataSetLookup) -> None:
        self._lookup = lookup
        self._read: dict[tuple[str, str], DataSet] = {}

    def by_arn(self, account_id: str, arn: str) -> DataSet:
        key = (account_id, arn)
        if key not in self._read:
            self._read[key] = self._lookup.by_arn(account_id, arn)
        return self._read[key]


@dataclass(frozen=True)
class Ordering:
    """A visual's sorts, and the fields they need that the visual does not show (a
    ``ColumnSort`` on a column outside the field wells): those come last in the query
    and are cut from the rows."""

    sorts: tuple[Sort, ...] = ()
    hidden: tuple[WellField, ...] = ()


@dataclass
class VisualContext:
    viewer: Viewer
    data_set: DataSet
    queries: Queries
    scope: FieldScope
    formats: Formats
    parameters: dict[str, ParameterValue]
    conditions: list[str] = field(default_factory=list)
    predicates: list[Predicate] = field(default_factory=list)
    rules_sets: DataSetLookup | None = None
    """The sheet's ``SheetDataSets``."""

    def run(
        self,
        fields: Sequence[WellField],
        ordering: Ordering = Ordering(),
        limit: int | None = None,
        *,
        predicates: Sequence[Predicate] = (),
    ) -> QueryResult:
        """One query of the visual's dataset with the visual's filters."""
        query = LogicalQuery(
            fields=tuple(Field(f.field_id, f.expression) for f in (*fields, *ordering.hidden)),
            predicates=(*self.predicates, *predicates),
            conditions=tuple(self.conditions),
            sort=ordering.sorts,
            limit=limit,
            parameters=dict(self.parameters),
        )
        return self.queries.run(self.viewer, self.data_set, query, rules_sets=self.rules_sets)

    def keep_first(
        self, subject: WellField, measures: Sequence[WellField], ordering: Ordering, limit: int
    ) -> None:
        """Keep only the ``limit`` values of ``subject`` first in ``ordering`` (computed
        over ``measures`` grouped by ``subject`` alone): an items limit on a category
        shown with colors, a top/bottom filter."""
        names = {subject.field_id, *(m.field_id for m in (*measures, *ordering.hidden))}
        sorts = tuple(s for s in ordering.sorts if s.field in names)
        result = self.run([subject, *measures], Ordering(sorts, ordering.hidden), limit)
        values = tuple(row[0] for row in result.rows)
        if not values:
            self.conditions.append(NO_ROWS)
            return
        self.predicates.append(Predicate(subject.expression, PredicateOperator.IN, values))

    def top_bottom(self, top: TopBottom) -> None:
        subject = WellField("sg:top", top.expression, ColumnRole.DIMENSION)
        measures = [
            WellField(f"sg:rank{i}", expression, ColumnRole.MEASURE)
            for i, (expression, _) in enumerate(top.ranking)
        ]
        sorts = tuple(
            Sort(m.field_id, SortDirection(direction))
            for m, (_, direction) in zip(measures, top.ranking, strict=True)
        )
        self.keep_first(subject, measures, Ordering(sorts), top.limit)


def ordering(
    options: object,
    fields: Sequence[WellField],
    scope: FieldScope,
    *,
    aggregated: bool,
    where: str,
    default: Sequence[WellField] = (),
) -> Ordering:
    """A ``FieldSortOptions`` list (``FieldSort`` by a field of the visual, ``ColumnSort``
    by any column of the dataset, aggregated in an aggregated visual) as sorts; with none
    given, ``default`` ascending."""
    known = {f.field_id for f in fields}
    sorts: list[Sort] = []
    hidden: list[WellField] = []
    items = options if isinstance(options, list) else []
    for index, item in enumerate(items):
        here = f"{where}.{index}"
        if not isinstance(item, Mapping):
            raise ValidationError(here, "a FieldSort or ColumnSort is required")
        if isinstance(item.get("FieldSort"), Mapping):
            body = item["FieldSort"]
            field_id = body.get("FieldId")
            if field_id not in known:
                raise ValidationError(f"{here}.FieldSort", f"no field {field_id!r} in the visual")
            sorts.append(Sort(str(field_id), _direction(body, here)))
        elif isinstance(item.get("ColumnSort"), Mapping):
            body = item["ColumnSort"]
            expression = scope.column(body.get("SortBy"), f"{here}.ColumnSort.SortBy")
            same = next((f for f in fields if f.expression == expression), None)
            if same is not None:
                sorts.append(Sort(same.field_id, _direction(body, here)))
                continue
            if aggregated and not scope.compile(expression, here).is_aggregate:
                default_function = (
                    "SUM" if scope.compile(expression, here).type in _NUMBERS else "COUNT"
                )
                expression = aggregate(
                    expression, body.get("AggregationFunction"), default_function, here
                )
            name = f"sg:sort{len(hidden)}"
            hidden.append(WellField(name, expression, ColumnRole.MEASURE))
            sorts.append(Sort(name, _direction(body, here)))
        else:
            raise ValidationError(here, "a FieldSort or ColumnSort is required")
    if not items:
        sorts = [Sort(f.field_id) for f in default]
    return Ordering(tuple(sorts), tuple(hidden))


_NUMBERS = (ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.BIT)


def _direction(body: Mapping[str, object], where: str) -> SortDirection:
    direction = body.get("Direction", "ASC")
    if direction not in ("ASC", "DESC"):
        raise ValidationError(f"{where}.Direction", "ASC or DESC")
    return SortDirection(str(direction))


def items_limit(configuration: object, where: str) -> int | None:
    """An ``ItemsLimitConfiguration``'s limit (the ``Other`` bucket is not computed)."""
    if not isinstance(configuration, Mapping) or configuration.get("ItemsLimit") is None:
        return None
    limit = configuration["ItemsLimit"]
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise ValidationError(f"{where}.ItemsLimit", "must be a number of items")
    return limit


def shown(result: QueryResult, count: int) -> tuple[tuple[Value, ...], ...]:
    """The rows of ``result`` cut to their first ``count`` cells (hidden sort fields
    dropped)."""
    return tuple(tuple(row[:count]) for row in result.rows)
