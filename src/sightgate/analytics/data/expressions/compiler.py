"""From a parse tree to a typed sqlglot tree: literals, references and operators here,
function calls through the FUNCTIONS registry."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from lark import Token, Tree
from sqlglot import exp

from ..model import ColumnType
from .errors import ExpressionError, Position
from .registry import Call, FunctionSpec, Node, describe
from .typed import NUMERIC, Typed, derive, sql_type, unify, wrap

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)

_COMPARISONS: dict[str, type[exp.Expression]] = {
    "=": exp.EQ,
    "<>": exp.NEQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    ">": exp.GT,
    "<=": exp.LTE,
    ">=": exp.GTE,
}

_ORDERED = frozenset({*NUMERIC, ColumnType.STRING, ColumnType.DATETIME})


def column(name: str) -> exp.Column:
    """A reference to a visible column: quoted, unqualified (the engine qualifies it)."""
    return exp.Column(this=exp.Identifier(this=name, quoted=True))


def position_of(node: Node) -> Position:
    if isinstance(node, Token):
        return Position(node.line or 0, node.column or 0)
    return Position(node.meta.line, node.meta.column)


def as_timestamp(value: Typed) -> exp.Expression:
    """A string literal compared with a date, read as a timestamp (both engines parse
    ISO text the same way)."""
    return exp.Cast(this=value.node, to=sql_type("TIMESTAMP"))


def safe_divisor(node: exp.Expression) -> exp.Expression:
    """A divisor that is NULL instead of zero: division by zero is NULL, not an error
    (PostgreSQL) or infinity (DuckDB)."""
    return exp.Nullif(this=node, expression=exp.Literal.number(0))


class Compiler:
    """Compiles one expression against a scope; collects the columns and parameters it
    references."""

    def __init__(
        self,
        field: str,
        columns: Mapping[str, ColumnType],
        parameters: Mapping[str, ColumnType],
        functions: Mapping[str, FunctionSpec],
        aggregates_allowed: bool,
    ) -> None:
        self.field = field
        self._aggregates_allowed = aggregates_allowed
        self._columns = columns
        self._parameters = parameters
        self._functions = functions
        self.columns_used: set[str] = set()
        self.parameters_used: set[str] = set()
        self._rules: dict[str, Callable[[Tree[Token]], Typed]] = {
            "number": self._number,
            "string": self._string,
            "field": self._field,
            "name": self._name,
            "parameter": self._parameter,
            "null": self._null,
            "boolean": self._boolean,
            "call": self._call,
            "logic": self._logic,
            "negation": self._negation,
            "compare": self._compare,
            "arith": self._arith,
            "sign": self._sign,
        }

    def error(self, message: str, position: Position | None) -> ExpressionError:
        return ExpressionError(self.field, message, position)

    def compile(self, node: Node) -> Typed:
        if isinstance(node, Token):  # ?-rules keep single tokens only under an alias
            raise self.error("syntax error", position_of(node))
        return self._rules[node.data](node)

    # -- atoms ------------------------------------------------------------------------

    def _number(self, tree: Tree[Token]) -> Typed:
        text = str(tree.children[0])
        position = position_of(tree)
        if re.fullmatch(r"\d+", text):
            return Typed(
                exp.Literal.number(int(text)),
                ColumnType.INTEGER,
                position,
                is_literal=True,
                literal=int(text),
            )
        return Typed(
            exp.Literal.number(text),
            ColumnType.DECIMAL,
            position,
            is_literal=True,
            literal=float(text),
        )

    def _string(self, tree: Tree[Token]) -> Typed:
        text = _ESCAPE.sub(r"\1", str(tree.children[0])[1:-1])
        return Typed(
            exp.Literal.string(text),
            ColumnType.STRING,
            position_of(tree),
            is_literal=True,
            literal=text,
        )

    def _field(self, tree: Tree[Token]) -> Typed:
        return self._reference(str(tree.children[0])[1:-1], position_of(tree))

    def _name(self, tree: Tree[Token]) -> Typed:
        return self._reference(str(tree.children[0]), position_of(tree))

    def _reference(self, name: str, position: Position) -> Typed:
        type_ = self._columns.get(name)
        if type_ is None:
            raise self.error(f"unknown column {name!r}", position)
        self.columns_used.add(name)
        return Typed(column(name), type_, position, row_level=True)

    def _parameter(self, tree: Tree[Token]) -> Typed:
        text = str(tree.children[0])
        name = text[2:-1] if text.startswith("${") else text[1:]
        position = position_of(tree)
        type_ = self._parameters.get(name)
        if type_ is None:
            raise self.error(f"unknown parameter {name!r}", position)
        self.parameters_used.add(name)
        return Typed(exp.Placeholder(this=name), type_, position)

    def _null(self, tree: Tree[Token]) -> Typed:
        return Typed(exp.Null(), None, position_of(tree), is_literal=True)

    def _boolean(self, tree: Tree[Token]) -> Typed:
        value = str(tree.children[0]).upper() == "TRUE"
        return Typed(
            exp.Boolean(this=value),
            ColumnType.BOOLEAN,
            position_of(tree),
            is_literal=True,
            literal=value,
        )

    def _call(self, tree: Tree[Token]) -> Typed:
        name_token, *arguments = tree.children
        assert isinstance(name_token, Token)
        name = str(name_token)
        position = position_of(name_token)
        spec = self._functions.get(name)
        if spec is None:
            known = next((n for n in self._functions if n.lower() == name.lower()), None)
            hint = f" (did you mean {known!r}? function names are case-sensitive)" if known else ""
            raise self.error(f"unsupported function {name!r}{hint}", position)
        present = [argument for argument in arguments if argument is not None]
        return spec.build(
            Call(self.field, name, position, present, self.compile, self._aggregates_allowed)
        )

    # -- operators --------------------------------------------------------------------

    def _operand(self, node: Node, operator: str, types: frozenset[ColumnType]) -> Typed:
        value = self.compile(node)
        if value.type is not None and value.type not in types:
            raise self.error(
                f"operator {operator} needs {describe(types)}, not {value.type}", value.position
            )
        return value

    def _logic(self, tree: Tree[Token]) -> Typed:
        left_node, operator, right_node = tree.children
        boolean = frozenset({ColumnType.BOOLEAN})
        word = str(operator).upper()
        left = self._operand(left_node, word, boolean)
        right = self._operand(right_node, word, boolean)
        node_type = exp.And if word == "AND" else exp.Or
        node = node_type(this=wrap(left.node), expression=wrap(right.node))
        return derive(self.field, node, ColumnType.BOOLEAN, left.position, (left, right))

    def _negation(self, tree: Tree[Token]) -> Typed:
        _, operand_node = tree.children
        operand = self._operand(operand_node, "NOT", frozenset({ColumnType.BOOLEAN}))
        node = exp.Not(this=wrap(operand.node))
        return derive(self.field, node, ColumnType.BOOLEAN, position_of(tree), (operand,))

    def _compare(self, tree: Tree[Token]) -> Typed:
        left_node, operator, right_node = tree.children
        left, right = self.compile(left_node), self.compile(right_node)
        symbol = str(operator)
        left_node_sql, right_node_sql = left.node, right.node
        if (
            left.type is ColumnType.DATETIME
            and right.type is ColumnType.STRING
            and right.is_literal
        ):
            right_node_sql = as_timestamp(right)
        elif (
            left.type is ColumnType.STRING and left.is_literal and right.type is ColumnType.DATETIME
        ):
            left_node_sql = as_timestamp(left)
        else:
            self._check_comparable(left, right, symbol)
        node = _COMPARISONS[symbol](this=wrap(left_node_sql), expression=wrap(right_node_sql))
        return derive(self.field, node, ColumnType.BOOLEAN, left.position, (left, right))

    def _check_comparable(self, left: Typed, right: Typed, symbol: str) -> None:
        for side in (left, right):
            if side.type is ColumnType.JSON or (
                side.type is ColumnType.BOOLEAN and symbol not in ("=", "<>", "!=")
            ):
                raise self.error(f"operator {symbol} cannot compare {side.type}", side.position)
        try:
            unify((left.type, right.type))
        except ValueError:
            raise self.error(
                f"operator {symbol} cannot compare {left.type} with {right.type}", left.position
            ) from None

    def _arith(self, tree: Tree[Token]) -> Typed:
        left_node, operator, right_node = tree.children
        symbol = str(operator)
        left = self._operand(left_node, symbol, NUMERIC)
        right = self._operand(right_node, symbol, NUMERIC)
        node, type_ = arithmetic(symbol, left, right)
        return derive(self.field, node, type_, left.position, (left, right))

    def _sign(self, tree: Tree[Token]) -> Typed:
        operator, operand_node = tree.children
        operand = self._operand(operand_node, str(operator), NUMERIC)
        if str(operator) == "+":
            return operand
        node = exp.Neg(this=wrap(operand.node))
        if operand.is_literal and isinstance(operand.literal, int | float):  # -1 is a literal
            return Typed(
                node, operand.type, position_of(tree), is_literal=True, literal=-operand.literal
            )
        return derive(self.field, node, operand.type, position_of(tree), (operand,))


def arithmetic(symbol: str, left: Typed, right: Typed) -> tuple[exp.Expression, ColumnType]:
    """The node and type of ``left symbol right`` on numbers. QuickSight divides as
    floating point (3/2 is 1.5); a zero divisor gives NULL."""
    integral = all(
        side.type in (None, ColumnType.INTEGER, ColumnType.BIT) for side in (left, right)
    )
    a, b = wrap(left.node), wrap(right.node)
    if symbol == "/":
        return (
            exp.Div(this=exp.Cast(this=a, to=sql_type("DOUBLE")), expression=safe_divisor(b)),
            ColumnType.DECIMAL,
        )
    if symbol == "%":
        return modulo(left, right), ColumnType.INTEGER if integral else ColumnType.DECIMAL
    if symbol == "^":
        return exp.Pow(this=a, expression=b), ColumnType.DECIMAL
    operators: dict[str, type[exp.Expression]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}
    return operators[symbol](this=a, expression=b), (
        ColumnType.INTEGER if integral else ColumnType.DECIMAL
    )


def exact(value: Typed) -> exp.Expression:
    """A number as an exact decimal when it may be fractional: PostgreSQL's MOD and
    ROUND take no double precision."""
    if value.type in (None, ColumnType.INTEGER, ColumnType.BIT):
        return value.node
    return exp.Cast(this=value.node, to=sql_type("DECIMAL(38, 10)"))


def modulo(left: Typed, right: Typed) -> exp.Expression:
    """``MOD(a, b)`` (the function, not ``%``, which a driver's ``%s`` placeholders would
    misread); the remainder takes the dividend's sign on both engines; zero gives NULL."""
    return exp.Anonymous(this="MOD", expressions=[exact(left), safe_divisor(exact(right))])
