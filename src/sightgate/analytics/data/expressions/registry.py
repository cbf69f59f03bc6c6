"""What a function is (``FunctionSpec``) and what its builder sees of a call (``Call``).

A builder pulls its arguments from the call with the kind it expects (an expression of
some types, a literal, a keyword, a [list]), so every argument error names the function,
the argument and its position the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from lark import Token, Tree

from ..model import ColumnType
from .errors import ExpressionError, Position
from .typed import NUMERIC, Typed

Node = Tree[Token] | Token


@dataclass(frozen=True)
class FunctionSpec:
    """A supported function: its QuickSight name (case-sensitive, as documented), its
    family, its syntax and result as the docs list them, and the builder that turns a call
    into a sqlglot tree."""

    name: str
    category: str
    syntax: str
    returns: str
    summary: str
    build: Callable[[Call], Typed]


@dataclass(frozen=True)
class SortItem:
    """One entry of a sort list: ``[{x} DESC]``."""

    value: Typed
    descending: bool


_TYPE_NAMES = {
    frozenset(NUMERIC): "a number",
    frozenset({ColumnType.STRING}): "a string",
    frozenset({ColumnType.DATETIME}): "a date",
    frozenset({ColumnType.BOOLEAN}): "a condition (true or false)",
}


def describe(types: Collection[ColumnType]) -> str:
    """How an error names the expected types."""
    return _TYPE_NAMES.get(frozenset(types), " or ".join(sorted(types)))


class Call:
    """A call being compiled: its name, position and raw arguments."""

    def __init__(
        self,
        field: str,
        name: str,
        position: Position,
        arguments: Sequence[Node],
        compile_node: Callable[[Node], Typed],
        aggregates_allowed: bool = True,
    ) -> None:
        self.field = field
        self.aggregates_allowed = aggregates_allowed
        self.name = name
        self.position = position
        self._arguments = list(arguments)
        self._compile = compile_node

    def __len__(self) -> int:
        return len(self._arguments)

    def error(self, message: str, position: Position | None = None) -> ExpressionError:
        return ExpressionError(self.field, f"{self.name}: {message}", position or self.position)

    def arity(self, least: int, most: int | None = None) -> None:
        """Refuse a call with fewer than ``least`` or more than ``most`` (None: no upper
        bound) arguments."""
        count = len(self._arguments)
        if least <= count and (most is None or count <= most):
            return
        if most == least:
            wanted = f"{least} argument{'s' if least != 1 else ''}"
        elif most is None:
            wanted = f"at least {least} arguments"
        else:
            wanted = f"{least} to {most} arguments"
        raise self.error(f"takes {wanted}, got {count}")

    def where(self, index: int) -> Position:
        node = self._arguments[index]
        if isinstance(node, Token):
            return Position(node.line or 0, node.column or 0)
        return Position(node.meta.line, node.meta.column)

    def _argument_error(self, index: int, label: str, message: str) -> ExpressionError:
        return self.error(f"argument {index + 1} ({label}) {message}", self.where(index))

    def expr(self, index: int, label: str, types: Collection[ColumnType] | None = None) -> Typed:
        """Argument ``index`` compiled as an expression, of one of ``types`` (any type
        when None; NULL always fits)."""
        node = self._arguments[index]
        if isinstance(node, Tree) and node.data == "list":
            raise self._argument_error(index, label, "must be a value, not a [list]")
        value = self._compile(node)
        if types is not None and value.type is not None and value.type not in types:
            raise self._argument_error(index, label, f"must be {describe(types)}, not {value.type}")
        return value

    def literal(self, index: int, label: str, types: Collection[ColumnType]) -> Typed:
        """Argument ``index``, which must be a literal of one of ``types``."""
        value = self.expr(index, label, types)
        if not value.is_literal or value.literal is None:
            raise self._argument_error(index, label, f"must be a literal {describe(types)}")
        return value

    def integer(self, index: int, label: str, least: int, most: int) -> int:
        """Argument ``index`` as a literal integer in [least, most]."""
        value = self.literal(index, label, {ColumnType.INTEGER}).literal
        assert isinstance(value, int)
        if not least <= value <= most:
            raise self._argument_error(index, label, f"must be between {least} and {most}")
        return value

    def keyword(self, index: int, label: str, choices: Collection[str]) -> str:
        """Argument ``index`` as one of ``choices``: a bare word (``CASE_INSENSITIVE``,
        ``PRE_AGG``) or a quoted one (``'MM'``), compared case-insensitively."""
        node = self._arguments[index]
        word: str | None = None
        if isinstance(node, Tree) and node.data == "name":
            word = str(node.children[0])
        elif isinstance(node, Tree) and node.data == "string":
            word = self.literal(index, label, {ColumnType.STRING}).literal  # type: ignore[assignment]
        if word is None or word.upper() not in choices:
            shown = ", ".join(sorted(choices))
            raise self._argument_error(index, label, f"must be one of {shown}")
        return word.upper()

    def items(self, index: int, label: str, *, sort: bool) -> list[SortItem]:
        """Argument ``index`` as a [list]: of fields (``sort`` False: a direction is an
        error) or of sort fields (``[{x} DESC, {y}]``, ascending by default)."""
        node = self._arguments[index]
        if not (isinstance(node, Tree) and node.data == "list"):
            raise self._argument_error(index, label, "must be a [list] in square brackets")
        result: list[SortItem] = []
        for item in node.children:
            if item is None:
                continue
            assert isinstance(item, Tree)
            value_node, direction = item.children
            assert value_node is not None
            if isinstance(direction, Token) and not sort:
                raise self.error(
                    f"argument {index + 1} ({label}) takes no ASC or DESC",
                    Position(direction.line or 0, direction.column or 0),
                )
            value = self._compile(value_node)
            if value.type is ColumnType.JSON:
                raise self._argument_error(index, label, "cannot hold a JSON value")
            descending = direction is not None and str(direction).upper() == "DESC"
            result.append(SortItem(value, descending))
        return result

    def is_list(self, index: int) -> bool:
        node = self._arguments[index]
        return isinstance(node, Tree) and node.data == "list"


Builder = Callable[[Call], Typed]


class Family:
    """The functions of one category, registered by decorating their builders."""

    def __init__(self, category: str) -> None:
        self.category = category
        self.specs: list[FunctionSpec] = []

    def __call__(
        self, name: str, syntax: str, returns: str, summary: str
    ) -> Callable[[Builder], Builder]:
        def register(build: Builder) -> Builder:
            self.add(name, syntax, returns, summary, build)
            return build

        return register

    def add(self, name: str, syntax: str, returns: str, summary: str, build: Builder) -> None:
        self.specs.append(FunctionSpec(name, self.category, syntax, returns, summary, build))
