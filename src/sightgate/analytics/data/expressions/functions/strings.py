"""String functions. Positions are 1-based, as QuickSight counts them; ``contains`` and
friends compare with STRPOS rather than LIKE, so ``%`` and ``_`` in a value are data."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ...model import ColumnType
from ..registry import Call, Family
from ..typed import Typed, derive, sql_type, wrap

family = Family("String")
STRING = {ColumnType.STRING}
INTEGERS = {ColumnType.INTEGER, ColumnType.BIT}
MODES = ("CASE_SENSITIVE", "CASE_INSENSITIVE")


def concatenate(nodes: list[exp.Expression]) -> exp.Expression:
    """``a || b || ...`` as a balanced tree (a long format stays shallow); NULL in any
    part makes the whole NULL on both engines."""
    if len(nodes) == 1:
        return nodes[0]
    middle = len(nodes) // 2
    return exp.DPipe(
        this=wrap(concatenate(nodes[:middle])), expression=wrap(concatenate(nodes[middle:]))
    )


@family("concat", "concat(string, string [, ...])", "STRING", "The strings joined end to end.")
def _concat(call: Call) -> Typed:
    call.arity(2)
    parts = [call.expr(i, "string", STRING) for i in range(len(call))]
    return derive(
        call.field, concatenate([p.node for p in parts]), ColumnType.STRING, call.position, parts
    )


def _matcher(
    name: str,
    syntax: str,
    summary: str,
    test: Callable[[exp.Expression, exp.Expression], exp.Expression],
) -> None:
    def build(call: Call) -> Typed:
        call.arity(2, 3)
        value, substring = call.expr(0, "expression", STRING), call.expr(1, "substring", STRING)
        a, b = value.node, substring.node
        if (
            len(call) == 3
            and call.keyword(2, "string-comparison-mode", MODES) == "CASE_INSENSITIVE"
        ):
            a, b = exp.Lower(this=a), exp.Lower(this=b)
        return derive(call.field, test(a, b), ColumnType.BOOLEAN, call.position, [value, substring])

    family.add(name, syntax, "BOOLEAN", summary, build)


_matcher(
    "contains",
    "contains(expression, substring [, CASE_SENSITIVE | CASE_INSENSITIVE])",
    "Whether the substring occurs in the expression.",
    lambda a, b: exp.GT(this=exp.StrPosition(this=a, substr=b), expression=exp.Literal.number(0)),
)
_matcher(
    "startsWith",
    "startsWith(expression, substring [, CASE_SENSITIVE | CASE_INSENSITIVE])",
    "Whether the expression begins with the substring.",
    lambda a, b: exp.EQ(this=exp.Left(this=a, expression=exp.Length(this=b.copy())), expression=b),
)
_matcher(
    "endsWith",
    "endsWith(expression, substring [, CASE_SENSITIVE | CASE_INSENSITIVE])",
    "Whether the expression ends with the substring.",
    lambda a, b: exp.EQ(this=exp.Right(this=a, expression=exp.Length(this=b.copy())), expression=b),
)


def _positive(call: Call, index: int, label: str) -> Typed:
    """An integer argument that, when a literal, must be at least 1."""
    value = call.expr(index, label, INTEGERS)
    if value.is_literal and isinstance(value.literal, int) and value.literal < 1:
        raise call.error(f"argument {index + 1} ({label}) must be 1 or more", value.position)
    return value


@family(
    "locate",
    "locate(expression, substring [, start])",
    "INTEGER",
    "The 1-based position of the substring's first occurrence (from start), 0 if none.",
)
def _locate(call: Call) -> Typed:
    call.arity(2, 3)
    value, substring = call.expr(0, "expression", STRING), call.expr(1, "substring", STRING)
    parts = [value, substring]
    node = exp.StrPosition(this=value.node, substr=substring.node)
    if len(call) == 3:
        start = _positive(call, 2, "start")
        parts.append(start)
        node.set("position", start.node)
    return derive(call.field, node, ColumnType.INTEGER, call.position, parts)


@family(
    "split",
    "split(expression, delimiter, position)",
    "STRING",
    "The position-th (1-based) piece of the expression cut at each delimiter ('' past the end).",
)
def _split(call: Call) -> Typed:
    call.arity(3, 3)
    value, delimiter = call.expr(0, "expression", STRING), call.expr(1, "delimiter", STRING)
    position = _positive(call, 2, "position")
    node = exp.SplitPart(this=value.node, delimiter=delimiter.node, part_index=position.node)
    return derive(call.field, node, ColumnType.STRING, call.position, [value, delimiter, position])


@family(
    "replace",
    "replace(expression, substring, replacement)",
    "STRING",
    "The expression with every occurrence of substring replaced.",
)
def _replace(call: Call) -> Typed:
    call.arity(3, 3)
    parts = [
        call.expr(i, label, STRING)
        for i, label in enumerate(("expression", "substring", "replacement"))
    ]
    node = exp.Replace(this=parts[0].node, expression=parts[1].node, replacement=parts[2].node)
    return derive(call.field, node, ColumnType.STRING, call.position, parts)


@family(
    "substring",
    "substring(expression, start, length)",
    "STRING",
    "length characters from the 1-based start.",
)
def _substring(call: Call) -> Typed:
    call.arity(3, 3)
    value = call.expr(0, "expression", STRING)
    start, length = _positive(call, 1, "start"), call.expr(2, "length", INTEGERS)
    node = exp.Substring(this=value.node, start=start.node, length=length.node)
    return derive(call.field, node, ColumnType.STRING, call.position, [value, start, length])


def _ends(name: str, node_type: type[exp.Expression], which: str) -> None:
    def build(call: Call) -> Typed:
        call.arity(2, 2)
        value, count = call.expr(0, "expression", STRING), call.expr(1, "length", INTEGERS)
        node = node_type(this=value.node, expression=count.node)
        return derive(call.field, node, ColumnType.STRING, call.position, [value, count])

    family.add(
        name, f"{name}(expression, length)", "STRING", f"The {which} length characters.", build
    )


_ends("left", exp.Left, "first")
_ends("right", exp.Right, "last")


def _unary(
    name: str, summary: str, make: Callable[[exp.Expression], exp.Expression], result: ColumnType
) -> None:
    def build(call: Call) -> Typed:
        call.arity(1, 1)
        value = call.expr(0, "expression", STRING)
        return derive(call.field, make(value.node), result, call.position, [value])

    family.add(name, f"{name}(expression)", result.value, summary, build)


_unary("strlen", "The number of characters.", lambda n: exp.Length(this=n), ColumnType.INTEGER)
_unary("toLower", "The string in lower case.", lambda n: exp.Lower(this=n), ColumnType.STRING)
_unary("toUpper", "The string in upper case.", lambda n: exp.Upper(this=n), ColumnType.STRING)
_unary(
    "trim",
    "The string without leading and trailing spaces.",
    lambda n: exp.Trim(this=n),
    ColumnType.STRING,
)
_unary(
    "ltrim",
    "The string without leading spaces.",
    lambda n: exp.Trim(this=n, position="LEADING"),
    ColumnType.STRING,
)
_unary(
    "rtrim",
    "The string without trailing spaces.",
    lambda n: exp.Trim(this=n, position="TRAILING"),
    ColumnType.STRING,
)


@family(
    "toString",
    "toString(expression)",
    "STRING",
    "The value as text (dates as 'yyyy-MM-dd HH:mm:ss').",
)
def _to_string(call: Call) -> Typed:
    call.arity(1, 1)
    value = call.expr(0, "expression", None)
    node = exp.Cast(this=value.node, to=sql_type("TEXT"))
    return derive(call.field, node, ColumnType.STRING, call.position, [value])


_INTEGER_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$"
_DECIMAL_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def parse_number(value: exp.Expression, pattern: str, convert: exp.Expression) -> exp.Expression:
    """``convert`` when the trimmed ``value`` matches ``pattern``, else NULL: text that is
    no number is skipped, as QuickSight does, instead of failing the query."""
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.RegexpLike(
                    this=exp.Trim(this=value), expression=exp.Literal.string(pattern)
                ),
                true=convert,
            )
        ]
    )


@family(
    "parseInt",
    "parseInt(expression)",
    "INTEGER",
    "The text as an integer, decimals rounded down; NULL when it is no number.",
)
def _parse_int(call: Call) -> Typed:
    call.arity(1, 1)
    value = call.expr(0, "expression", STRING)
    number = exp.Cast(this=exp.Trim(this=value.node), to=sql_type("DECIMAL(38, 10)"))
    convert = exp.Cast(this=exp.Floor(this=number), to=sql_type("BIGINT"))
    node = parse_number(value.node, _INTEGER_TEXT, convert)
    return derive(call.field, node, ColumnType.INTEGER, call.position, [value])


@family(
    "parseDecimal",
    "parseDecimal(expression)",
    "DECIMAL",
    "The text as a decimal number; NULL when it is no number.",
)
def _parse_decimal(call: Call) -> Typed:
    call.arity(1, 1)
    value = call.expr(0, "expression", STRING)
    convert = exp.Cast(this=exp.Trim(this=value.node), to=sql_type("DOUBLE"))
    node = parse_number(value.node, _DECIMAL_TEXT, convert)
    return derive(call.field, node, ColumnType.DECIMAL, call.position, [value])
