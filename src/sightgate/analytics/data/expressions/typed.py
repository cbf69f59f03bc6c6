"""A compiled sub-expression: its sqlglot node, its type, and what it contains.

Every function and operator builds its result with :func:`derive`, which carries the
flags upward and refuses QuickSight's "mismatched aggregation" (an aggregated value and a
row-level one in the same calculation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot import exp

from ..model import ColumnType
from .errors import ExpressionError, Position

NUMERIC = frozenset({ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.BIT})
"""Types arithmetic accepts (BIT is QuickSight's 0/1 integer)."""

Constant = str | int | float | bool | None


@dataclass(frozen=True)
class Typed:
    """A compiled sub-expression.

    ``type`` is None only for the NULL literal, which fits any type. ``row_level``: it
    reads a column outside any aggregation; ``aggregate``: it contains an aggregation;
    ``window``: it contains a window (table) calculation. ``literal``: the value of a
    literal (``is_literal``), for arguments QuickSight requires to be constants.
    """

    node: exp.Expression
    type: ColumnType | None
    position: Position
    row_level: bool = False
    aggregate: bool = False
    window: bool = False
    is_literal: bool = False
    literal: Constant = None

    @property
    def numeric(self) -> bool:
        return self.type is None or self.type in NUMERIC


def derive(
    field: str,
    node: exp.Expression,
    type_: ColumnType | None,
    position: Position,
    parts: Iterable[Typed],
    *,
    row_level: bool | None = None,
    aggregate: bool | None = None,
    window: bool | None = None,
) -> Typed:
    """A result built from ``parts``: their flags combined unless given explicitly."""
    parts = tuple(parts)
    result = Typed(
        node=node,
        type=type_,
        position=position,
        row_level=any(p.row_level for p in parts) if row_level is None else row_level,
        aggregate=any(p.aggregate for p in parts) if aggregate is None else aggregate,
        window=any(p.window for p in parts) if window is None else window,
    )
    if result.row_level and (result.aggregate or result.window):
        raise ExpressionError(
            field,
            "an aggregated (or table-calculated) value and a row-level value cannot be "
            "combined in one calculation; aggregate the row-level one too",
            position,
        )
    return result


def unify(types: Iterable[ColumnType | None]) -> ColumnType | None:
    """The common type of values that must agree (ifelse branches, coalesce arguments),
    or raise ValueError: numbers widen to DECIMAL, NULL fits anything."""
    result: ColumnType | None = None
    for type_ in types:
        if type_ is None:
            continue
        if result is None or result == type_:
            result = type_
        elif result in NUMERIC and type_ in NUMERIC:
            result = (
                ColumnType.DECIMAL if ColumnType.DECIMAL in (result, type_) else ColumnType.INTEGER
            )
        else:
            raise ValueError(f"{result} and {type_}")
    return result


def wrap(node: exp.Expression) -> exp.Expression:
    """``node`` in parentheses when it is an operator, so a tree built from parts renders
    with the precedence it was built with (sqlglot adds none of its own)."""
    if isinstance(node, exp.Binary | exp.Unary | exp.Predicate | exp.Not) and not isinstance(
        node, exp.Paren
    ):
        return exp.Paren(this=node)
    return node


def sql_type(text: str) -> exp.DataType:
    """A SQL type whose parameters (``DECIMAL(38, 10)``) are words, not literals: the
    engine binds every literal as a value, and a type's parameters cannot be bound."""
    data_type = exp.DataType.build(text)
    for literal in list(data_type.find_all(exp.Literal)):
        literal.replace(exp.var(literal.name))
    return data_type
