"""Table calculations: the level-aware *Over family, running totals, ranks and the
lookups (difference, percentDifference, lag, lead).

They are computed at QuickSight's default level, POST_AGG_FILTER: over the rows of the
aggregated query, so their measures are aggregations (``sumOver(sum({x}), [{r}])`` is
``SUM(SUM(x)) OVER (PARTITION BY r)``). PRE_FILTER and PRE_AGG are refused.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ...model import ColumnType
from ..compiler import safe_divisor
from ..registry import Call, Family, SortItem
from ..typed import NUMERIC, Typed, derive, sql_type, wrap

family = Family("Table calculation")
LEVELS = ("PRE_FILTER", "PRE_AGG", "POST_AGG_FILTER")
MAX_OFFSET = 2_147_483_647
ANY = None


def _level(call: Call, index: int) -> None:
    if len(call) > index:
        level = call.keyword(index, "calculation level", LEVELS)
        if level != "POST_AGG_FILTER":
            raise call.error(
                f"calculation level {level} is not supported (only POST_AGG_FILTER, the default)",
                call.where(index),
            )


def _measure(call: Call, index: int, types: set[ColumnType] | None) -> Typed:
    if not call.aggregates_allowed:
        raise call.error("table calculations are not allowed in this expression")
    value = call.expr(index, "measure", types)
    if value.window:
        raise call.error("table calculations do not nest", value.position)
    if not value.aggregate or value.row_level:
        raise call.error(
            f"argument {index + 1} (measure) must be an aggregation such as sum({{x}}) "
            "(table calculations run on the aggregated rows)",
            value.position,
        )
    return value


def _window_parts(call: Call, items: list[SortItem]) -> list[Typed]:
    for item in items:
        if item.value.window:
            raise call.error("table calculations do not nest", item.value.position)
    return [item.value for item in items]


def _ordered(items: list[SortItem]) -> exp.Order:
    # NULLs sort last in both directions on both engines (sqlglot renders it per dialect)
    return exp.Order(
        expressions=[
            exp.Ordered(this=item.value.node, desc=item.descending, nulls_first=False)
            for item in items
        ]
    )


def window(
    function: exp.Expression,
    partition: list[SortItem],
    order: list[SortItem] | None = None,
    frame: exp.WindowSpec | None = None,
) -> exp.Window:
    node = exp.Window(this=function, partition_by=[item.value.node for item in partition])
    if order:
        node.set("order", _ordered(order))
    if frame is not None:
        node.set("spec", frame)
    return node


def _result(
    call: Call, node: exp.Expression, type_: ColumnType | None, parts: list[Typed]
) -> Typed:
    return derive(
        call.field,
        node,
        type_,
        call.position,
        parts,
        row_level=False,
        aggregate=any(p.aggregate for p in parts),
        window=True,
    )


def _sort(call: Call, index: int) -> list[SortItem]:
    items = call.items(index, "sort order", sort=True)
    if not items:
        raise call.error(
            f"argument {index + 1} (sort order) needs at least one field", call.where(index)
        )
    return items


def _partition(call: Call, index: int) -> list[SortItem]:
    return call.items(index, "partition", sort=False) if len(call) > index else []


# -- the *Over family -------------------------------------------------------------------

Make = Callable[[exp.Expression], exp.Expression]


def _over(
    name: str,
    summary: str,
    make: Make,
    types: set[ColumnType] | None,
    result: Callable[[Typed], ColumnType | None],
) -> None:
    def build(call: Call) -> Typed:
        call.arity(1, 3)
        value = _measure(call, 0, types)
        partition = _partition(call, 1)
        _level(call, 2)
        node = window(make(value.node), partition)
        return _result(call, node, result(value), [value, *_window_parts(call, partition)])

    family.add(
        name,
        f"{name}(measure [, [partition, ...] [, calculation level]])",
        RETURNS[result],
        summary,
        build,
    )


def _kept(value: Typed) -> ColumnType | None:
    return value.type


def _decimal(_: Typed) -> ColumnType:
    return ColumnType.DECIMAL


def _integer(_: Typed) -> ColumnType:
    return ColumnType.INTEGER


RETURNS: dict[Callable[[Typed], ColumnType | None], str] = {
    _kept: "the type of measure",
    _decimal: "DECIMAL",
    _integer: "INTEGER",
}
NUMBERS = set(NUMERIC)
_over(
    "sumOver",
    "The sum of the measure over each partition.",
    lambda n: exp.Sum(this=n),
    NUMBERS,
    _kept,
)
_over(
    "avgOver",
    "The average of the measure over each partition.",
    lambda n: exp.Avg(this=n),
    NUMBERS,
    _decimal,
)
_over(
    "countOver",
    "How many values the measure has in each partition.",
    lambda n: exp.Count(this=n),
    ANY,
    _integer,
)
_over(
    "minOver",
    "The smallest value of the measure in each partition.",
    lambda n: exp.Min(this=n),
    ANY,
    _kept,
)
_over(
    "maxOver",
    "The largest value of the measure in each partition.",
    lambda n: exp.Max(this=n),
    ANY,
    _kept,
)


@family(
    "distinctCountOver",
    "distinctCountOver(measure [, [partition, ...] [, calculation level]])",
    "INTEGER",
    "How many distinct values (not NULL) the measure has in each partition.",
)
def _distinct_count_over(call: Call) -> Typed:
    # COUNT(DISTINCT ...) OVER is not in PostgreSQL: count ranks instead. Ascending with
    # NULLs last and descending with NULLs first, a value's two dense ranks always add up
    # to the number of distinct values plus one (plus one more when a NULL is present).
    call.arity(1, 3)
    value = _measure(call, 0, ANY)
    partition = _partition(call, 1)
    _level(call, 2)
    up = exp.Ordered(this=value.node, desc=False, nulls_first=False)
    down = exp.Ordered(this=value.node, desc=True, nulls_first=True)
    keys = [item.value.node for item in partition]
    rank_up = exp.Window(this=exp.DenseRank(), partition_by=keys, order=exp.Order(expressions=[up]))
    rank_down = exp.Window(
        this=exp.DenseRank(),
        partition_by=[k.copy() for k in keys],
        order=exp.Order(expressions=[down]),
    )
    has_null = exp.Window(
        this=exp.Max(
            this=exp.Case(
                ifs=[
                    exp.If(
                        this=exp.Is(this=wrap(value.node), expression=exp.Null()),
                        true=exp.Literal.number(1),
                    )
                ],
                default=exp.Literal.number(0),
            )
        ),
        partition_by=[k.copy() for k in keys],
    )
    total = exp.Sub(
        this=exp.Sub(
            this=exp.Add(this=rank_up, expression=rank_down), expression=exp.Literal.number(1)
        ),
        expression=has_null,
    )
    node = exp.Cast(this=total, to=sql_type("BIGINT"))
    return _result(call, node, ColumnType.INTEGER, [value, *_window_parts(call, partition)])


@family(
    "percentOfTotal",
    "percentOfTotal(measure [, [partition, ...]])",
    "DECIMAL",
    "The measure as a percentage (0 to 100) of its partition's total.",
)
def _percent_of_total(call: Call) -> Typed:
    call.arity(1, 2)
    value = _measure(call, 0, NUMBERS)
    partition = _partition(call, 1)
    total = window(exp.Sum(this=value.node.copy()), partition)
    share = exp.Div(
        this=exp.Cast(this=wrap(value.node), to=sql_type("DOUBLE")), expression=safe_divisor(total)
    )
    node = exp.Mul(this=exp.Paren(this=share), expression=exp.Literal.number(100))
    return _result(call, node, ColumnType.DECIMAL, [value, *_window_parts(call, partition)])


# -- running totals ---------------------------------------------------------------------

RUNNING = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")


def _running(
    name: str,
    summary: str,
    make: Make,
    types: set[ColumnType] | None,
    result: Callable[[Typed], ColumnType | None],
) -> None:
    def build(call: Call) -> Typed:
        call.arity(2, 3)
        value = _measure(call, 0, types)
        order, partition = _sort(call, 1), _partition(call, 2)
        node = window(make(value.node), partition, order, RUNNING.copy())
        return _result(call, node, result(value), [value, *_window_parts(call, order + partition)])

    family.add(
        name,
        f"{name}(measure, [sort field ASC|DESC, ...] [, [partition, ...]])",
        RETURNS[result],
        summary,
        build,
    )


_running(
    "runningSum",
    "The sum of the measure over the rows up to this one, in sort order.",
    lambda n: exp.Sum(this=n),
    NUMBERS,
    _kept,
)
_running(
    "runningAvg",
    "The running average of the measure.",
    lambda n: exp.Avg(this=n),
    NUMBERS,
    _decimal,
)
_running(
    "runningCount",
    "The running count of the measure's values.",
    lambda n: exp.Count(this=n),
    ANY,
    _integer,
)
_running(
    "runningMin", "The smallest value of the measure so far.", lambda n: exp.Min(this=n), ANY, _kept
)
_running(
    "runningMax", "The largest value of the measure so far.", lambda n: exp.Max(this=n), ANY, _kept
)


# -- ranks ------------------------------------------------------------------------------


def _rank(name: str, summary: str, make: Callable[[], exp.Expression]) -> None:
    def build(call: Call) -> Typed:
        if not call.aggregates_allowed:
            raise call.error("table calculations are not allowed in this expression")
        call.arity(1, 3)
        order, partition = _sort(call, 0), _partition(call, 1)
        _level(call, 2)
        node = window(make(), partition, order)
        return _result(call, node, ColumnType.INTEGER, _window_parts(call, order + partition))

    family.add(
        name,
        f"{name}([sort field ASC|DESC, ...] [, [partition, ...] [, calculation level]])",
        "INTEGER",
        summary,
        build,
    )


_rank("rank", "The rank in sort order; ties share a rank and leave gaps (1, 1, 3).", exp.Rank)
_rank(
    "denseRank", "The rank in sort order; ties share a rank without gaps (1, 1, 2).", exp.DenseRank
)


# -- lookups ----------------------------------------------------------------------------


def _lookup(
    value: Typed, order: list[SortItem], partition: list[SortItem], offset: int
) -> exp.Window:
    """The measure ``offset`` rows away in sort order (positive: later rows)."""
    node_type = exp.Lead if offset > 0 else exp.Lag
    function = node_type(this=value.node.copy(), offset=exp.Literal.number(abs(offset)))
    return window(function, partition, order)


def _offset(call: Call, index: int) -> int:
    offset = (
        call.integer(index, "lookup index", -MAX_OFFSET, MAX_OFFSET)
        if not call.is_list(index)
        else 0
    )
    if offset == 0:
        raise call.error(
            f"argument {index + 1} (lookup index) must be a non-zero integer literal",
            call.where(index),
        )
    return offset


def _lookup_function(
    name: str,
    summary: str,
    returns: str,
    combine: Callable[[Typed, exp.Expression, int], tuple[exp.Expression, ColumnType | None]],
) -> None:
    def build(call: Call) -> Typed:
        call.arity(3, 4)
        value = _measure(call, 0, NUMBERS if name.endswith("ifference") else ANY)
        order = _sort(call, 1)
        offset = _offset(call, 2)
        partition = _partition(call, 3)
        node, type_ = combine(value, _lookup(value, order, partition, offset), offset)
        return _result(call, node, type_, [value, *_window_parts(call, order + partition)])

    family.add(
        name,
        f"{name}(measure, [sort field ASC|DESC, ...], lookup index [, [partition, ...]])",
        returns,
        summary,
        build,
    )


def _difference(
    value: Typed, other: exp.Expression, _: int
) -> tuple[exp.Expression, ColumnType | None]:
    return exp.Sub(this=other, expression=wrap(value.node)), value.type


def _percent_difference(
    value: Typed, other: exp.Expression, _: int
) -> tuple[exp.Expression, ColumnType | None]:
    change = exp.Sub(this=exp.Cast(this=wrap(value.node), to=sql_type("DOUBLE")), expression=other)
    ratio = exp.Div(this=exp.Paren(this=change), expression=safe_divisor(other.copy()))
    return exp.Mul(
        this=exp.Paren(this=ratio), expression=exp.Literal.number(100)
    ), ColumnType.DECIMAL


_lookup_function(
    "difference",
    "The measure lookup index rows away (positive: later, negative: earlier) minus this row's.",
    "the type of measure",
    _difference,
)
_lookup_function(
    "percentDifference",
    "This row's measure minus the one lookup index rows away, as a percentage of that one.",
    "DECIMAL",
    _percent_difference,
)


def _lag_or_lead(name: str, direction: int, summary: str) -> None:
    def build(call: Call) -> Typed:
        call.arity(3, 4)
        value = _measure(call, 0, ANY)
        order = _sort(call, 1)
        offset = _offset(call, 2) * direction
        partition = _partition(call, 3)
        node = _lookup(value, order, partition, offset)
        return _result(call, node, value.type, [value, *_window_parts(call, order + partition)])

    family.add(
        name,
        f"{name}(measure, [sort field ASC|DESC, ...], lookup index [, [partition, ...]])",
        "the type of measure",
        summary,
        build,
    )


_lag_or_lead(
    "lag", -1, "The measure lookup index rows earlier in sort order (NULL before the first)."
)
_lag_or_lead("lead", 1, "The measure lookup index rows later in sort order (NULL after the last).")
