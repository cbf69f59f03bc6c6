"""``FilterGroups`` as the conditions of one visual's query.

A filter group applies to a visual when it is ``ENABLED`` (the default), its scope holds
the visual (``AllSheets``; or ``SelectedSheets`` naming the sheet with ``ALL_VISUALS`` or
``SELECTED_VISUALS`` listing it) and its dataset rule lets it: ``SINGLE_DATASET`` applies
to visuals of the filter column's dataset only, ``ALL_DATASETS`` also to visuals of any
other dataset with a column (or calculated field) of that name that the viewer sees. The
filters of a group all apply (AND).

Every value (a filter's, a parameter's, a control selection's) becomes a bound query
parameter (``${sg:vN}``), never text in an expression. A filter control's selection
replaces the filter's own values. A filter with no values (none listed, an unset
parameter, an empty selection) or ``SelectAllOptions: FILTER_ALL_VALUES`` matches every
value; its ``NullOption`` still applies: ``ALL_VALUES`` keeps NULLs beside the matches,
``NULLS_ONLY`` keeps NULLs only, ``NON_NULLS_ONLY`` (the default) drops them.

``TopBottomFilter`` keeps the ``Limit`` values of its column ranked by its aggregation
after the visual's other filters: it becomes a query of its own (``TopBottom``), run
before the visual's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sightgate.analytics.data.model import ColumnType, Value
from sightgate.analytics.data.query.compile import coerce
from sightgate.platform.errors import ValidationError

from .fields import aggregate, variant
from .model import UnsupportedError
from .parameters import Parameter, ParameterValue
from .scope import FieldScope
from .times import period, shift, to_datetime, truncate

FILTER_KINDS = (
    "CategoryFilter",
    "NumericRangeFilter",
    "NumericEqualityFilter",
    "TimeEqualityFilter",
    "TimeRangeFilter",
    "RelativeDatesFilter",
    "TopBottomFilter",
)
"""The filters sightgate computes; ``NestedFilter`` and ``HierarchyFilter`` answer
``unsupported`` in the visuals they apply to."""
UNSUPPORTED_FILTER_KINDS = ("NestedFilter", "HierarchyFilter")

CATEGORY_CONFIGURATIONS = (
    "FilterListConfiguration",
    "CustomFilterListConfiguration",
    "CustomFilterConfiguration",
)
MATCH_OPERATORS = (
    "EQUALS",
    "DOES_NOT_EQUAL",
    "CONTAINS",
    "DOES_NOT_CONTAIN",
    "STARTS_WITH",
    "ENDS_WITH",
)
RELATIVE_DATE_TYPES = ("PREVIOUS", "THIS", "LAST", "NOW", "NEXT")


@dataclass(frozen=True)
class TopBottom:
    """A ``TopBottomFilter`` for one visual: keep the ``limit`` values of ``expression``
    first in the order of ``ranking`` (aggregations, each with DESC or ASC)."""

    filter_id: str
    expression: str
    limit: int
    ranking: tuple[tuple[str, str], ...]


@dataclass
class VisualFilters:
    """What the filters make of one visual's query."""

    conditions: list[str] = field(default_factory=list)
    bindings: dict[str, ParameterValue] = field(default_factory=dict)
    top_bottom: list[TopBottom] = field(default_factory=list)

    def bind(self, value: ParameterValue) -> str:
        """A parameter reference holding ``value``."""
        name = f"sg:v{len(self.bindings)}"
        self.bindings[name] = value
        return "${" + name + "}"


class FilterGroups:
    """A definition's filter groups, with the sheet's control selections and the
    parameters' values, ready to apply to each visual."""

    def __init__(
        self,
        groups: object,
        selections: Mapping[str, tuple[Value, ...]],
        parameters: Mapping[str, Parameter],
        now: Callable[[], datetime],
        week_start: str,
    ) -> None:
        self.groups = (
            [g for g in groups if isinstance(g, Mapping)] if isinstance(groups, list) else []
        )
        self.selections = selections
        self.parameters = parameters
        self.now = now
        self.week_start = week_start

    def filter_ids(self) -> set[str]:
        """Every filter's id (to check control selections against)."""
        found: set[str] = set()
        for group in self.groups:
            for item in group.get("Filters") or []:
                if isinstance(item, Mapping) and len(item) == 1:
                    (body,) = item.values()
                    if isinstance(body, Mapping) and isinstance(body.get("FilterId"), str):
                        found.add(body["FilterId"])
        return found

    def for_visual(self, sheet_id: str, visual_id: str, scope: FieldScope) -> VisualFilters:
        result = VisualFilters()
        for index, group in enumerate(self.groups):
            if group.get("Status") == "DISABLED" or not _in_scope(group, sheet_id, visual_id):
                continue
            single = group.get("CrossDataset") != "ALL_DATASETS"
            for number, item in enumerate(group.get("Filters") or []):
                where = f"FilterGroups.{index}.Filters.{number}"
                kind, body = variant(item, (*FILTER_KINDS, *UNSUPPORTED_FILTER_KINDS), where)
                expression = _column(body, scope, single, f"{where}.{kind}.Column")
                if expression is None:
                    continue
                if kind in UNSUPPORTED_FILTER_KINDS:
                    raise UnsupportedError(f"{where}: {kind} is not supported")
                _Filter(self, result, scope, body, expression, f"{where}.{kind}").apply(kind)
        return result


def _in_scope(group: Mapping[str, Any], sheet_id: str, visual_id: str) -> bool:
    scope = group.get("ScopeConfiguration")
    if not isinstance(scope, Mapping):
        return False
    if "AllSheets" in scope:
        return True
    selected = scope.get("SelectedSheets")
    configurations = (
        selected.get("SheetVisualScopingConfigurations") if isinstance(selected, Mapping) else None
    )
    for configuration in configurations or []:
        if not isinstance(configuration, Mapping) or configuration.get("SheetId") != sheet_id:
            continue
        if configuration.get("Scope") == "ALL_VISUALS":
            return True
        if visual_id in (configuration.get("VisualIds") or []):
            return True
    return False


def _column(body: Mapping[str, Any], scope: FieldScope, single: bool, where: str) -> str | None:
    """The filter column's expression in this visual's dataset, or None when the filter
    does not apply to the dataset."""
    column = body.get("Column")
    if not isinstance(column, Mapping):
        raise ValidationError(where, "a filter needs a Column")
    if column.get("DataSetIdentifier") == scope.identifier:
        return scope.column(column, where)
    name = column.get("ColumnName")
    if single or not isinstance(name, str) or not scope.has(name):
        return None
    return scope.reference(name, where)


class _Filter:
    """One filter applied to one visual."""

    def __init__(
        self,
        groups: FilterGroups,
        out: VisualFilters,
        scope: FieldScope,
        body: Mapping[str, Any],
        expression: str,
        where: str,
    ) -> None:
        self.groups = groups
        self.out = out
        self.scope = scope
        self.body = body
        self.expression = expression
        self.where = where
        filter_id = body.get("FilterId")
        self.selection = groups.selections.get(filter_id) if isinstance(filter_id, str) else None

    def apply(self, kind: str) -> None:
        method: Callable[[], None] = getattr(self, f"_{kind}")
        method()

    # -- helpers ----------------------------------------------------------------------

    def _add(self, match: str | None, subject: str | None = None, nulls: object = None) -> None:
        """``match`` (None: every value) under the filter's ``NullOption`` (``nulls``
        for a category filter, whose configuration holds it)."""
        subject = subject or self.expression
        option = nulls or self.body.get("NullOption") or "NON_NULLS_ONLY"
        if option == "NULLS_ONLY":
            condition: str | None = f"isNull({subject})"
        elif option == "ALL_VALUES":
            condition = None if match is None else f"({match}) OR isNull({subject})"
        elif option == "NON_NULLS_ONLY":
            condition = (
                f"isNotNull({subject})" if match is None else f"({match}) AND isNotNull({subject})"
            )
        else:
            raise ValidationError(f"{self.where}.NullOption", f"unknown NullOption {option!r}")
        if condition is not None:
            self.out.conditions.append(condition)

    def _parameter(self, name: object) -> tuple[Value, ...]:
        if not isinstance(name, str):
            raise ValidationError(self.where, "ParameterName must be a string")
        parameter = self.groups.parameters.get(name)
        if parameter is None:
            raise ValidationError(self.where, f"parameter {name!r} is not declared")
        parameter.require()
        return parameter.values()

    def _type(self, subject: str) -> ColumnType:
        return self.scope.compile(subject, self.where).type

    def _typed(self, values: Sequence[object], type_: ColumnType) -> tuple[Value, ...]:
        typed: list[Value] = []
        for value in values:
            if type_ is ColumnType.DATETIME:
                typed.append(to_datetime(value, self.where))
            elif isinstance(value, str | int | float | bool):
                typed.append(coerce(value, type_, self.where))
            elif value is not None:
                raise ValidationError(self.where, f"a value is not a {type_}")
        return tuple(typed)

    def _select_all(self, configuration: Mapping[str, Any]) -> bool:
        return (
            self.selection is None and configuration.get("SelectAllOptions") == "FILTER_ALL_VALUES"
        )

    def _measure(self) -> str:
        """The filter's subject: its column, or its column's aggregation when the filter
        has an ``AggregationFunction`` (then it filters the visual's groups)."""
        function = self.body.get("AggregationFunction")
        if function is None:
            return self.expression
        return aggregate(self.expression, function, "SUM", f"{self.where}.AggregationFunction")

    # -- the filters ------------------------------------------------------------------

    def _CategoryFilter(self) -> None:
        kind, configuration = variant(
            self.body.get("Configuration"), CATEGORY_CONFIGURATIONS, f"{self.where}.Configuration"
        )
        nulls = configuration.get("NullOption")
        if self._select_all(configuration):
            self._add(None, nulls=nulls)
            return
        if self.selection is not None:
            raw: Sequence[object] = self.selection
        elif kind == "CustomFilterConfiguration":
            if "ParameterName" in configuration:
                raw = self._parameter(configuration["ParameterName"])
            else:
                raw = [configuration.get("CategoryValue")]
        else:
            raw = list(configuration.get("CategoryValues") or [])
        values = self._typed(raw, self._type(self.expression))
        operator = configuration.get("MatchOperator")
        self._add(self._match(operator, values) if values else None, nulls=nulls)

    def _match(self, operator: object, values: tuple[Value, ...]) -> str:
        subject = self.expression
        if operator == "EQUALS":
            return f"in({subject}, {self.out.bind(values)})"
        if operator == "DOES_NOT_EQUAL":
            return f"notIn({subject}, {self.out.bind(values)})"
        functions = {"CONTAINS": "contains", "STARTS_WITH": "startsWith", "ENDS_WITH": "endsWith"}
        if operator in functions:
            calls = [f"{functions[str(operator)]}({subject}, {self.out.bind(v)})" for v in values]
            return " OR ".join(calls)
        if operator == "DOES_NOT_CONTAIN":
            return " AND ".join(f"NOT contains({subject}, {self.out.bind(v)})" for v in values)
        raise ValidationError(f"{self.where}.MatchOperator", f"unknown MatchOperator {operator!r}")

    def _NumericRangeFilter(self) -> None:
        subject = self._measure()
        if self._select_all(self.body):
            self._add(None, subject)
            return
        low, high = self._range_value("RangeMinimum"), self._range_value("RangeMaximum")
        if self.selection is not None:
            low, high = [*self.selection, None, None][:2]
        parts = []
        if low is not None:
            operator = ">=" if self.body.get("IncludeMinimum", True) else ">"
            parts.append(f"{subject} {operator} {self._number(low)}")
        if high is not None:
            operator = "<=" if self.body.get("IncludeMaximum", True) else "<"
            parts.append(f"{subject} {operator} {self._number(high)}")
        self._add(" AND ".join(parts) if parts else None, subject)

    def _number(self, value: object) -> str:
        (number,) = self._typed([value], ColumnType.DECIMAL)
        return self.out.bind(number)

    def _range_value(self, member: str) -> object:
        value = self.body.get(member)
        if not isinstance(value, Mapping):
            return None
        if "Parameter" in value:
            values = self._parameter(value["Parameter"])
            return values[0] if values else None
        return value.get("StaticValue")

    def _NumericEqualityFilter(self) -> None:
        subject = self._measure()
        if self._select_all(self.body):
            self._add(None, subject)
            return
        if self.selection is not None:
            raw: Sequence[object] = self.selection[:1]
        elif "ParameterName" in self.body:
            raw = self._parameter(self.body["ParameterName"])[:1]
        else:
            raw = [self.body.get("Value")]
        values = self._typed(raw, ColumnType.DECIMAL)
        operator = {"EQUALS": "=", "DOES_NOT_EQUAL": "<>"}.get(str(self.body.get("MatchOperator")))
        if operator is None:
            raise ValidationError(f"{self.where}.MatchOperator", "EQUALS or DOES_NOT_EQUAL")
        self._add(f"{subject} {operator} {self.out.bind(values[0])}" if values else None, subject)

    def _granular(self) -> tuple[str, str | None]:
        """The subject truncated to the filter's ``TimeGranularity`` (and the
        granularity), or as it is."""
        granularity = self.body.get("TimeGranularity")
        if granularity is None:
            return self.expression, None
        unit = period(granularity, f"{self.where}.TimeGranularity")
        return f"truncDate('{unit}', {self.expression})", str(granularity)

    def _time_value(self, value: object, granularity: str | None) -> str | None:
        """A bound timestamp (truncated to ``granularity``), a rolling date's
        expression, or None."""
        if value is None:
            return None
        if isinstance(value, Mapping):
            if "Parameter" in value:
                values = self._parameter(value["Parameter"])
                return self._time_value(values[0] if values else None, granularity)
            if "RollingDate" in value:
                return self._rolling(value["RollingDate"], granularity)
            return self._time_value(value.get("StaticValue"), granularity)
        moment = to_datetime(value, self.where)
        if granularity is not None:
            moment = truncate(moment, granularity, self.groups.week_start)
        return self.out.bind(moment)

    def _rolling(self, rolling: object, granularity: str | None) -> str:
        text = rolling.get("Expression") if isinstance(rolling, Mapping) else None
        if not isinstance(text, str):
            raise ValidationError(f"{self.where}.RollingDate", "an Expression is required")
        expression = f"({self.scope.expand(text, f'{self.where}.RollingDate.Expression')})"
        if granularity is not None:
            expression = f"truncDate('{period(granularity, self.where)}', {expression})"
        return expression

    def _TimeEqualityFilter(self) -> None:
        subject, granularity = self._granular()
        if self.selection is not None:
            value: object = self.selection[0] if self.selection else None
        elif "ParameterName" in self.body:
            value = {"Parameter": self.body["ParameterName"]}
        elif "RollingDate" in self.body:
            value = {"RollingDate": self.body["RollingDate"]}
        else:
            value = self.body.get("Value")
        bound = self._time_value(value, granularity)
        self._add(None if bound is None else f"{subject} = {bound}")

    def _TimeRangeFilter(self) -> None:
        excluded = self.body.get("ExcludePeriodConfiguration")
        if isinstance(excluded, Mapping) and excluded.get("Status") != "DISABLED":
            raise UnsupportedError(f"{self.where}: ExcludePeriodConfiguration is not supported")
        subject, granularity = self._granular()
        if self.selection is not None:
            low, high = [*self.selection, None, None][:2]
        else:
            low, high = self.body.get("RangeMinimumValue"), self.body.get("RangeMaximumValue")
        parts = []
        bound = self._time_value(low, granularity)
        if bound is not None:
            parts.append(
                f"{subject} {'>=' if self.body.get('IncludeMinimum', True) else '>'} {bound}"
            )
        bound = self._time_value(high, granularity)
        if bound is not None:
            parts.append(
                f"{subject} {'<=' if self.body.get('IncludeMaximum', True) else '<'} {bound}"
            )
        self._add(" AND ".join(parts) if parts else None)

    def _RelativeDatesFilter(self) -> None:
        excluded = self.body.get("ExcludePeriodConfiguration")
        if isinstance(excluded, Mapping) and excluded.get("Status") != "DISABLED":
            raise UnsupportedError(f"{self.where}: ExcludePeriodConfiguration is not supported")
        granularity = self.body.get("TimeGranularity")
        period(granularity, f"{self.where}.TimeGranularity")
        anchor = self._anchor()
        kind = self.body.get("RelativeDateType")
        amount = self._amount() if kind in ("PREVIOUS", "LAST", "NEXT") else 1
        low, high, inclusive = relative_range(
            str(kind),
            str(granularity),
            amount,
            anchor,
            self.groups.week_start,
            self.body.get("MinimumGranularity"),
        )
        subject = self.expression
        below = "<=" if inclusive else "<"
        self._add(f"{subject} >= {self.out.bind(low)} AND {subject} {below} {self.out.bind(high)}")

    def _anchor(self) -> datetime:
        anchor = self.body.get("AnchorDateConfiguration")
        if isinstance(anchor, Mapping) and "ParameterName" in anchor:
            values = self._parameter(anchor["ParameterName"])
            if values:
                return to_datetime(values[0], self.where)
        return self.groups.now()

    def _amount(self) -> int:
        raw = self._limit_value("RelativeDateValue")
        (amount,) = self._typed([raw], ColumnType.INTEGER) if raw is not None else (None,)
        if not isinstance(amount, int) or amount < 0:
            raise ValidationError(
                f"{self.where}.RelativeDateValue", "a number of periods is required"
            )
        return amount

    def _limit_value(self, member: str) -> object:
        """A count from the selection, else the filter's parameter, else ``member``."""
        if self.selection:
            return self.selection[0]
        if "ParameterName" in self.body:
            values = self._parameter(self.body["ParameterName"])
            if values:
                return values[0]
        return self.body.get(member)

    def _TopBottomFilter(self) -> None:
        subject, _ = self._granular()
        raw = self._limit_value("Limit")
        if raw is None:
            return
        (limit,) = self._typed([raw], ColumnType.INTEGER)
        if not isinstance(limit, int) or limit < 0:
            raise ValidationError(f"{self.where}.Limit", "must be a number of values")
        ranking = []
        for index, item in enumerate(self.body.get("AggregationSortConfigurations") or []):
            where = f"{self.where}.AggregationSortConfigurations.{index}"
            if not isinstance(item, Mapping):
                raise ValidationError(where, "an AggregationSortConfiguration is required")
            column = self.scope.column(item.get("Column"), f"{where}.Column")
            measure = column
            if not self.scope.compile(column, where).is_aggregate:
                measure = aggregate(column, item.get("AggregationFunction"), "SUM", where)
            direction = item.get("SortDirection")
            if direction not in ("ASC", "DESC"):
                raise ValidationError(f"{where}.SortDirection", "ASC or DESC")
            ranking.append((measure, str(direction)))
        if not ranking:
            raise ValidationError(self.where, "AggregationSortConfigurations is required")
        filter_id = str(self.body.get("FilterId"))
        self.out.top_bottom.append(TopBottom(filter_id, subject, limit, tuple(ranking)))


def relative_range(
    kind: str,
    granularity: str,
    amount: int,
    anchor: datetime,
    week_start: str,
    minimum: object = None,
) -> tuple[datetime, datetime, bool]:
    """The bounds a ``RelativeDatesFilter`` keeps, and whether the upper one is included:

    - ``THIS``: the period holding the anchor;
    - ``PREVIOUS`` N: the N whole periods before it; ``NEXT`` N: the N after it;
    - ``LAST`` N: from N periods before the anchor up to the anchor;
    - ``NOW``: the period so far (its start up to the anchor).

    With ``MinimumGranularity``, ``LAST`` and ``NOW`` end at the end of the anchor's
    period of that granularity (``LAST 7 days`` at day granularity holds all of today).
    """
    start = truncate(anchor, granularity, week_start)
    if kind == "THIS":
        return start, shift(start, granularity, 1), False
    if kind == "PREVIOUS":
        return shift(start, granularity, -amount), start, False
    if kind == "NEXT":
        following = shift(start, granularity, 1)
        return following, shift(following, granularity, amount), False
    if kind not in ("LAST", "NOW"):
        raise ValidationError("RelativeDateType", f"one of {', '.join(RELATIVE_DATE_TYPES)}")
    end, inclusive = anchor, True
    if isinstance(minimum, str):
        end, inclusive = shift(truncate(anchor, minimum, week_start), minimum, 1), False
    if kind == "NOW":
        return start, end, inclusive
    return shift(end, granularity, -amount), end, inclusive
