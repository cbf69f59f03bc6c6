"""Aggregate functions (sum, avg, count, ..., and the conditional sumIf family).

An aggregation turns row-level values into one per group, so its result is no longer
row-level; aggregations do not nest (QuickSight's table calculations, the *Over family,
are how an aggregate is aggregated again).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlglot import exp

from ...model import ColumnType
from ..registry import Call, Family
from ..typed import NUMERIC, Typed, derive

family = Family("Aggregate")
BOOLEAN = {ColumnType.BOOLEAN}
ORDERED = {*NUMERIC, ColumnType.STRING, ColumnType.DATETIME}
ANY = {*ORDERED, ColumnType.BOOLEAN, ColumnType.BIT}

Make = Callable[[exp.Expression], exp.Expression]
Result = Callable[[Typed], ColumnType | None]


def measure(call: Call, index: int, label: str, types: Collection[ColumnType]) -> Typed:
    """An aggregation's argument: a row-level value, not itself aggregated."""
    if not call.aggregates_allowed:
        raise call.error("aggregations are not allowed in this expression")
    value = call.expr(index, label, types)
    if value.aggregate or value.window:
        raise call.error(
            f"argument {index + 1} ({label}) is already aggregated; aggregations do not nest "
            "(a table calculation such as sumOver aggregates an aggregate)",
            value.position,
        )
    return value


def aggregated(
    call: Call, node: exp.Expression, type_: ColumnType | None, parts: list[Typed]
) -> Typed:
    return derive(call.field, node, type_, call.position, parts, row_level=False, aggregate=True)


def _define(
    name: str, summary: str, types: Collection[ColumnType], make: Make, result: Result, returns: str
) -> None:
    def build(call: Call) -> Typed:
        call.arity(1, 1)
        value = measure(call, 0, "measure", types)
        return aggregated(call, make(value.node), result(value), [value])

    def build_if(call: Call) -> Typed:
        call.arity(2, 2)
        value = measure(call, 0, "measure", types)
        condition = measure(call, 1, "condition", BOOLEAN)
        node = exp.Case(ifs=[exp.If(this=condition.node, true=value.node)])
        return aggregated(call, make(node), result(value), [value, condition])

    family.add(name, f"{name}(measure)", returns, summary, build)
    family.add(
        f"{name}If",
        f"{name}If(measure, condition)",
        returns,
        f"{summary.rstrip('.')}, over the rows where condition is true.",
        build_if,
    )


def _kept(value: Typed) -> ColumnType | None:
    return value.type


def _summed(value: Typed) -> ColumnType:
    return ColumnType.DECIMAL if value.type is ColumnType.DECIMAL else ColumnType.INTEGER


def _decimal(_: Typed) -> ColumnType:
    return ColumnType.DECIMAL


def _integer(_: Typed) -> ColumnType:
    return ColumnType.INTEGER


_define(
    "sum",
    "The sum of the values.",
    NUMERIC,
    lambda n: exp.Sum(this=n),
    _summed,
    "the type of measure",
)
_define(
    "avg", "The average of the values.", NUMERIC, lambda n: exp.Avg(this=n), _decimal, "DECIMAL"
)
_define(
    "count",
    "The number of values that are not NULL.",
    ANY,
    lambda n: exp.Count(this=n),
    _integer,
    "INTEGER",
)
_define(
    "distinct_count",
    "The number of distinct values that are not NULL.",
    ANY,
    lambda n: exp.Count(this=exp.Distinct(expressions=[n])),
    _integer,
    "INTEGER",
)
_define(
    "min", "The smallest value.", ORDERED, lambda n: exp.Min(this=n), _kept, "the type of measure"
)
_define(
    "max", "The largest value.", ORDERED, lambda n: exp.Max(this=n), _kept, "the type of measure"
)
_define(
    "median",
    "The median (interpolated between the two middle values).",
    NUMERIC,
    lambda n: exp.Median(this=n),
    _decimal,
    "DECIMAL",
)


def _percentile(name: str, summary: str, node_type: type[exp.Expression], continuous: bool) -> None:
    def build(call: Call) -> Typed:
        call.arity(2, 2)
        value = measure(call, 0, "measure", NUMERIC)
        percent = call.literal(1, "percentile", NUMERIC).literal
        assert isinstance(percent, int | float)
        if not 0 <= percent <= 100:
            raise call.error("argument 2 (percentile) must be between 0 and 100", call.where(1))
        node = exp.WithinGroup(
            this=node_type(this=exp.Literal.number(percent / 100)),
            expression=exp.Order(expressions=[exp.Ordered(this=value.node)]),
        )
        type_ = ColumnType.DECIMAL if continuous else value.type
        return aggregated(call, node, type_, [value])

    family.add(
        name,
        f"{name}(measure, percentile)",
        "DECIMAL" if continuous else "the type of measure",
        summary,
        build,
    )


_percentile(
    "percentileCont",
    "The percentile (0 to 100) of the values, interpolated.",
    exp.PercentileCont,
    True,
)
_percentile(
    "percentileDisc",
    "The percentile (0 to 100) of the values: the first value at or above it.",
    exp.PercentileDisc,
    False,
)
_percentile("percentile", "The same as percentileDisc.", exp.PercentileDisc, False)
