"""Numeric functions. Where an engine would fail or return NaN/infinity for a value
outside a function's domain (sqrt of a negative, log of zero), the result is NULL on both."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ...model import ColumnType
from ..compiler import exact, modulo
from ..registry import Call, Family
from ..typed import NUMERIC, Typed, derive, sql_type, wrap

family = Family("Numeric")
MAX_DECIMALS = 10
"""round() keeps at most this many decimals (it computes on DECIMAL(38, 10))."""


def _guarded(
    test: Callable[[exp.Expression], exp.Expression], value: exp.Expression, result: exp.Expression
) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=test(value), true=result)])


def _unary(
    name: str,
    summary: str,
    make: Callable[[Typed], exp.Expression],
    result: Callable[[Typed], ColumnType],
    returns: str,
) -> None:
    def build(call: Call) -> Typed:
        call.arity(1, 1)
        value = call.expr(0, "number", NUMERIC)
        return derive(call.field, make(value), result(value), call.position, [value])

    family.add(name, f"{name}(number)", returns, summary, build)


def _same(value: Typed) -> ColumnType:
    return ColumnType.DECIMAL if value.type is ColumnType.DECIMAL else ColumnType.INTEGER


def _decimal(_: Typed) -> ColumnType:
    return ColumnType.DECIMAL


def _integer(_: Typed) -> ColumnType:
    return ColumnType.INTEGER


def _bigint(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=sql_type("BIGINT"))


def _positive(node: exp.Expression) -> exp.Expression:
    return exp.GT(this=wrap(node), expression=exp.Literal.number(0))


def _not_negative(node: exp.Expression) -> exp.Expression:
    return exp.GTE(this=wrap(node), expression=exp.Literal.number(0))


_unary("abs", "The absolute value.", lambda v: exp.Abs(this=v.node), _same, "the type of number")
_unary(
    "ceil",
    "The smallest integer not below the number.",
    lambda v: _bigint(exp.Ceil(this=v.node)),
    _integer,
    "INTEGER",
)
_unary(
    "floor",
    "The largest integer not above the number.",
    lambda v: _bigint(exp.Floor(this=v.node)),
    _integer,
    "INTEGER",
)
_unary(
    "sqrt",
    "The square root (NULL for a negative number).",
    lambda v: _guarded(_not_negative, v.node, exp.Sqrt(this=v.node)),
    _decimal,
    "DECIMAL",
)
_unary(
    "log",
    "The base-10 logarithm (NULL unless the number is positive).",
    lambda v: _guarded(_positive, v.node, exp.Log(this=v.node)),
    _decimal,
    "DECIMAL",
)
_unary(
    "ln",
    "The natural logarithm (NULL unless the number is positive).",
    lambda v: _guarded(_positive, v.node, exp.Ln(this=v.node)),
    _decimal,
    "DECIMAL",
)
_unary("exp", "e raised to the number.", lambda v: exp.Exp(this=v.node), _decimal, "DECIMAL")


@family(
    "round",
    "round(number [, decimals])",
    "DECIMAL",
    f"The number rounded half away from zero to 0 to {MAX_DECIMALS} decimals (default 0).",
)
def _round(call: Call) -> Typed:
    call.arity(1, 2)
    value = call.expr(0, "number", NUMERIC)
    decimals = call.integer(1, "decimals", 0, MAX_DECIMALS) if len(call) == 2 else 0
    node = exp.Round(this=exact(value), decimals=exp.Literal.number(decimals))
    return derive(call.field, node, ColumnType.DECIMAL, call.position, [value])


@family("power", "power(number, exponent)", "DECIMAL", "The number raised to the exponent.")
def _power(call: Call) -> Typed:
    call.arity(2, 2)
    base, exponent = call.expr(0, "number", NUMERIC), call.expr(1, "exponent", NUMERIC)
    node = exp.Pow(this=base.node, expression=exponent.node)
    return derive(call.field, node, ColumnType.DECIMAL, call.position, [base, exponent])


@family(
    "mod",
    "mod(number, divisor)",
    "the type of number",
    "The remainder, with the number's sign (NULL for a zero divisor).",
)
def _mod(call: Call) -> Typed:
    call.arity(2, 2)
    number, divisor = call.expr(0, "number", NUMERIC), call.expr(1, "divisor", NUMERIC)
    integral = {number.type, divisor.type} <= {None, ColumnType.INTEGER, ColumnType.BIT}
    type_ = ColumnType.INTEGER if integral else ColumnType.DECIMAL
    return derive(call.field, modulo(number, divisor), type_, call.position, [number, divisor])
