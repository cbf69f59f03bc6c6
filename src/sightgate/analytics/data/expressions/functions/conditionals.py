"""Conditional functions: ifelse, switch, in, notIn, isNull, isNotNull, coalesce, nullIf."""

from __future__ import annotations

from sqlglot import exp

from ...model import ColumnType
from ..compiler import as_timestamp
from ..registry import Call, Family
from ..typed import Typed, derive, unify, wrap

family = Family("Conditional")
BOOLEAN = {ColumnType.BOOLEAN}


def common_type(call: Call, values: list[Typed], what: str) -> ColumnType | None:
    """The one type ``values`` share, or an error naming the two that clash."""
    try:
        return unify(value.type for value in values)
    except ValueError as error:
        raise call.error(f"the {what} must all have one type, got {error}") from None


@family(
    "ifelse",
    "ifelse(if, then [, if, then ...], else)",
    "the type of its then and else values",
    "The then value of the first if that is true, else the else value.",
)
def _ifelse(call: Call) -> Typed:
    call.arity(3)
    if len(call) % 2 == 0:
        raise call.error("takes if/then pairs and one else value (an odd number of arguments)")
    conditions = [call.expr(i, "if", BOOLEAN) for i in range(0, len(call) - 1, 2)]
    values = [call.expr(i, "then", None) for i in range(1, len(call) - 1, 2)]
    default = call.expr(len(call) - 1, "else", None)
    type_ = common_type(call, [*values, default], "then and else values")
    node = exp.Case(
        ifs=[exp.If(this=c.node, true=v.node) for c, v in zip(conditions, values, strict=True)],
        default=default.node,
    )
    return derive(call.field, node, type_, call.position, [*conditions, *values, default])


@family(
    "switch",
    "switch(expression, label, value [, label, value ...], else)",
    "the type of its values",
    "The value of the first label equal to the expression, else the else value.",
)
def _switch(call: Call) -> Typed:
    call.arity(4)
    if len(call) % 2 == 1:
        raise call.error("takes an expression, label/value pairs and one else value")
    subject = call.expr(0, "expression", None)
    labels = [call.expr(i, "label", None) for i in range(1, len(call) - 1, 2)]
    values = [call.expr(i, "value", None) for i in range(2, len(call) - 1, 2)]
    default = call.expr(len(call) - 1, "else", None)
    common_type(call, [subject, *labels], "expression and labels")
    type_ = common_type(call, [*values, default], "values")
    node = exp.Case(
        this=subject.node,
        ifs=[exp.If(this=label.node, true=v.node) for label, v in zip(labels, values, strict=True)],
        default=default.node,
    )
    return derive(call.field, node, type_, call.position, [subject, *labels, *values, default])


def _membership(call: Call) -> tuple[Typed, list[Typed], exp.In]:
    call.arity(2, 2)
    subject = call.expr(0, "expression", None)
    if call.is_list(1):
        values = [item.value for item in call.items(1, "values", sort=False)]
        if not values:
            raise call.error("argument 2 (values) needs at least one value", call.where(1))
    else:  # a multivalue parameter: the engine binds one value per element
        values = [call.expr(1, "values", None)]
        if not isinstance(values[0].node, exp.Placeholder):
            raise call.error(
                "argument 2 (values) must be a [list] of literals or a multivalue parameter",
                call.where(1),
            )
    nodes = []
    for value in values:
        if not (value.is_literal or isinstance(value.node, exp.Placeholder)):
            raise call.error("takes literal values only", value.position)
        if subject.type is ColumnType.DATETIME and value.type is ColumnType.STRING:
            nodes.append(as_timestamp(value))
            continue
        common_type(call, [subject, value], "expression and values")
        nodes.append(value.node)
    return subject, values, exp.In(this=wrap(subject.node), expressions=nodes)


@family(
    "in",
    "in(expression, [literal, ...] | $multivalue_parameter)",
    "BOOLEAN",
    "Whether the expression equals one of the literals (case-sensitive).",
)
def _in(call: Call) -> Typed:
    subject, values, node = _membership(call)
    return derive(call.field, node, ColumnType.BOOLEAN, call.position, [subject, *values])


@family(
    "notIn",
    "notIn(expression, [literal, ...] | $multivalue_parameter)",
    "BOOLEAN",
    "Whether the expression equals none of the literals.",
)
def _not_in(call: Call) -> Typed:
    subject, values, node = _membership(call)
    return derive(
        call.field, exp.Not(this=node), ColumnType.BOOLEAN, call.position, [subject, *values]
    )


@family("isNull", "isNull(expression)", "BOOLEAN", "Whether the expression is NULL.")
def _is_null(call: Call) -> Typed:
    call.arity(1, 1)
    value = call.expr(0, "expression", None)
    node = exp.Is(this=wrap(value.node), expression=exp.Null())
    return derive(call.field, node, ColumnType.BOOLEAN, call.position, [value])


@family("isNotNull", "isNotNull(expression)", "BOOLEAN", "Whether the expression is not NULL.")
def _is_not_null(call: Call) -> Typed:
    call.arity(1, 1)
    value = call.expr(0, "expression", None)
    node = exp.Not(this=exp.Is(this=wrap(value.node), expression=exp.Null()))
    return derive(call.field, node, ColumnType.BOOLEAN, call.position, [value])


@family(
    "coalesce",
    "coalesce(expression, expression [, ...])",
    "the type of its arguments",
    "The first argument that is not NULL.",
)
def _coalesce(call: Call) -> Typed:
    call.arity(2)
    values = [call.expr(i, "expression", None) for i in range(len(call))]
    type_ = common_type(call, values, "arguments")
    node = exp.Coalesce(this=values[0].node, expressions=[v.node for v in values[1:]])
    return derive(call.field, node, type_, call.position, values)


@family(
    "nullIf",
    "nullIf(expression1, expression2)",
    "the type of expression1",
    "NULL when the two are equal, else expression1.",
)
def _null_if(call: Call) -> Typed:
    call.arity(2, 2)
    first, second = call.expr(0, "expression1", None), call.expr(1, "expression2", None)
    type_ = common_type(call, [first, second], "arguments")
    node = exp.Nullif(this=first.node, expression=second.node)
    return derive(call.field, node, first.type or type_, call.position, [first, second])
