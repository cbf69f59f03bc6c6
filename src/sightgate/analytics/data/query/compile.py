"""A logical query over a relation, as one sqlglot ``SELECT``, and its rendering as SQL
text plus bound parameters for one engine.

Compiling: each field is a calculated-field expression; with any aggregate among them the
other fields are the grouping (``GROUP BY`` their positions, so a field with constants in
it groups by exactly what it selects). Predicates and conditions on row values filter
before grouping (``WHERE``), those on aggregates after it (``HAVING``). Values from a
person (a predicate's values, an RLS cell, a session tag) enter the tree only as ``Bound``
nodes, which cannot be rendered as text at all.

Rendering (``render``) is the one place values leave the tree: a single pass turns every
``Bound`` node, every literal and every ``${Parameter}`` into a numbered placeholder
(``$p0`` for DuckDB, ``%(p0)s`` for psycopg) and collects the values in order. The only
literals left in the text are those an engine requires to be constants: a ``GROUP BY`` or
``LIMIT`` number, a type's length, an interval, a date format or a date part. Those come
from the dataset's definition or from sightgate, never from a value a person sends, and
sqlglot writes them quoted. A ``CustomSql`` subquery (marked ``VERBATIM``) is the author's
SQL and is rendered as they wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.postgres import Postgres
from sqlglot.generators.postgres import PostgresGenerator

from sightgate.analytics.data.expressions import (
    CompiledExpression,
    ExpressionScope,
    compile_expression,
)
from sightgate.analytics.data.model import (
    Column,
    ColumnType,
    LogicalQuery,
    Predicate,
    PredicateOperator,
    SortDirection,
    Value,
)
from sightgate.analytics.data.query.plan import Relation, column, source
from sightgate.platform.errors import ValidationError

VERBATIM = "sightgate.verbatim"
"""``meta`` key marking a subtree rendered exactly as written (a ``CustomSql`` query)."""


class Bound(exp.Expression):
    """A value from a person, held as a Python value until ``render`` binds it. sqlglot
    has no text for it, so it can never end up written into SQL."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}

    @property
    def value(self) -> Value:
        value: Value = self.args["this"]
        return value


def bound(value: Value) -> Bound:
    return Bound(this=value)


class Engine(StrEnum):
    """The engines a query renders for."""

    DUCKDB = "duckdb"
    POSTGRES = "postgres"


@dataclass(frozen=True)
class CompiledQuery:
    """A query's tree and the columns it answers."""

    tree: exp.Select
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Rendered:
    """SQL text for one engine and its parameters by placeholder name."""

    sql: str
    parameters: Mapping[str, Value]


# -- compiling ----------------------------------------------------------------------------


def compile_query(
    query: LogicalQuery, relation: Relation, *, max_rows: int | None = None
) -> CompiledQuery:
    """``query`` over ``relation`` (whose columns are all the query may name); at most
    ``max_rows`` rows are asked for when given (the engine's row limit plus one)."""
    if not query.fields:
        raise ValidationError("Fields", "a query needs at least one field")
    scope = ExpressionScope(columns=relation.columns, parameters=parameter_types(query))
    names = [field.name for field in query.fields]
    if len(set(names)) != len(names) or not all(names):
        raise ValidationError("Fields", "field names must be unique and not empty")
    fields = [
        compile_expression(field.expression, scope, field=f"Fields.{field.name}")
        for field in query.fields
    ]
    aggregated = any(field.is_aggregate for field in fields)
    select = exp.select(
        *(
            exp.alias_(compiled.tree, name, quoted=True, copy=False)
            for name, compiled in zip(names, fields, strict=True)
        )
    ).from_(source(relation.select, "d"), copy=False)
    if aggregated:
        positions = [
            exp.Literal.number(index + 1)
            for index, compiled in enumerate(fields)
            if not compiled.is_aggregate and not compiled.is_window
        ]
        if positions:
            select = select.group_by(*positions, copy=False)
    for index, predicate in enumerate(query.predicates):
        condition, on_aggregate = _predicate(predicate, scope, f"Predicates.{index}")
        select = _filter(select, condition, on_aggregate, aggregated, f"Predicates.{index}")
    for index, text in enumerate(query.conditions):
        name = f"Conditions.{index}"
        compiled = compile_expression(text, scope, field=name)
        if compiled.type is not ColumnType.BOOLEAN:
            raise ValidationError(name, "a condition must be true or false")
        _no_window(compiled, name)
        select = _filter(select, compiled.tree, compiled.is_aggregate, aggregated, name)
    for sort in query.sort:
        if sort.field not in names:
            raise ValidationError("Sort", f"no field {sort.field!r}")
        select = select.order_by(
            exp.Ordered(
                this=column(sort.field),
                desc=sort.direction is SortDirection.DESC,
                nulls_first=False,
            ),
            copy=False,
        )
    limits = [n for n in (query.limit, max_rows) if n is not None]
    if any(n < 0 for n in limits):
        raise ValidationError("Limit", "must not be negative")
    if limits:
        select = select.limit(exp.Literal.number(min(limits)), copy=False)
    columns = tuple(
        Column(name, compiled.type) for name, compiled in zip(names, fields, strict=True)
    )
    return CompiledQuery(select, columns)


def parameter_types(query: LogicalQuery) -> dict[str, ColumnType]:
    """The types of the query's ``${Name}`` values, from the values given."""
    types: dict[str, ColumnType] = {}
    for name, given in query.parameters.items():
        values = given if isinstance(given, tuple) else (given,)
        first = next((v for v in values if v is not None), None)
        types[name] = value_type(first)
    return types


def value_type(value: Value) -> ColumnType:
    """The QuickSight type of a Python value (text when unknown: NULL)."""
    if isinstance(value, bool):
        return ColumnType.BOOLEAN
    if isinstance(value, int):
        return ColumnType.INTEGER
    if isinstance(value, float):
        return ColumnType.DECIMAL
    if isinstance(value, datetime):
        return ColumnType.DATETIME
    return ColumnType.STRING


def _no_window(compiled: CompiledExpression, name: str) -> None:
    if compiled.is_window:
        raise ValidationError(name, "a table calculation cannot filter rows")


def _filter(
    select: exp.Select, condition: exp.Expr, on_aggregate: bool, aggregated: bool, name: str
) -> exp.Select:
    if not on_aggregate:
        return select.where(condition, copy=False)
    if not aggregated:
        raise ValidationError(name, "a filter on an aggregate needs an aggregated field")
    return select.having(condition, copy=False)


_NEEDS_TEXT = frozenset(
    {
        PredicateOperator.CONTAINS,
        PredicateOperator.DOES_NOT_CONTAIN,
        PredicateOperator.STARTS_WITH,
        PredicateOperator.ENDS_WITH,
    }
)
_COMPARISONS: Mapping[PredicateOperator, type[exp.Binary]] = {
    PredicateOperator.EQUALS: exp.EQ,
    PredicateOperator.DOES_NOT_EQUAL: exp.NEQ,
    PredicateOperator.LESS_THAN: exp.LT,
    PredicateOperator.LESS_THAN_OR_EQUAL: exp.LTE,
    PredicateOperator.GREATER_THAN: exp.GT,
    PredicateOperator.GREATER_THAN_OR_EQUAL: exp.GTE,
}
_ARITY: Mapping[PredicateOperator, int] = {
    PredicateOperator.BETWEEN: 2,
    PredicateOperator.IS_NULL: 0,
    PredicateOperator.IS_NOT_NULL: 0,
}


def _predicate(predicate: Predicate, scope: ExpressionScope, name: str) -> tuple[exp.Expr, bool]:
    """The condition a predicate means, and whether it is on an aggregate. Its values are
    ``Bound`` (converted to the expression's type), never part of the expression."""
    compiled = compile_expression(predicate.expression, scope, field=f"{name}.Expression")
    _no_window(compiled, name)
    if compiled.is_aggregate != predicate.on_aggregate:
        raise ValidationError(
            name,
            "on_aggregate must be set exactly when the expression is an aggregate",
        )
    operator = predicate.operator
    values = predicate.values
    arity = _ARITY.get(operator)
    if arity is not None and len(values) != arity:
        raise ValidationError(name, f"{operator} takes {arity} values")
    listed = operator in (PredicateOperator.IN, PredicateOperator.NOT_IN)
    if arity is None and not listed and len(values) != 1:
        raise ValidationError(name, f"{operator} takes 1 value")
    if listed and not values:
        raise ValidationError(name, f"{operator} takes at least 1 value")
    if operator in _NEEDS_TEXT and compiled.type is not ColumnType.STRING:
        raise ValidationError(name, f"{operator} applies to text only")
    return _condition(compiled.tree, operator, values, compiled.type, name), predicate.on_aggregate


def _condition(
    this: exp.Expr,
    operator: PredicateOperator,
    values: Sequence[Value],
    type_: ColumnType,
    name: str,
) -> exp.Expr:
    if operator is PredicateOperator.IS_NULL:
        return exp.Is(this=this, expression=exp.Null())
    if operator is PredicateOperator.IS_NOT_NULL:
        return exp.Not(this=exp.Is(this=this, expression=exp.Null()))
    if operator in (PredicateOperator.IN, PredicateOperator.NOT_IN):
        present = [bound(coerce(v, type_, name)) for v in values if v is not None]
        parts: list[exp.Expr] = []
        if present:
            parts.append(exp.In(this=this, expressions=present))
        if len(present) != len(values):
            parts.append(exp.Is(this=this, expression=exp.Null()))
        matched = exp.or_(*parts, copy=False)
        return (
            matched
            if operator is PredicateOperator.IN
            else exp.not_(exp.paren(matched, copy=False), copy=False)
        )
    if values[0] is None:
        if operator is PredicateOperator.EQUALS:
            return exp.Is(this=this, expression=exp.Null())
        if operator is PredicateOperator.DOES_NOT_EQUAL:
            return exp.Not(this=exp.Is(this=this, expression=exp.Null()))
        raise ValidationError(name, f"{operator} cannot compare with NULL")
    first = bound(coerce(values[0], type_, name))
    if operator is PredicateOperator.BETWEEN:
        if values[1] is None:
            raise ValidationError(name, "BETWEEN cannot compare with NULL")
        return exp.Between(this=this, low=first, high=bound(coerce(values[1], type_, name)))
    comparison = _COMPARISONS.get(operator)
    if comparison is not None:
        return comparison(this=this, expression=first)
    if operator is PredicateOperator.STARTS_WITH:
        return exp.StartsWith(this=this, expression=first)
    if operator is PredicateOperator.ENDS_WITH:
        tail = exp.Right(this=this, expression=exp.Length(this=first.copy()))
        return exp.EQ(this=tail, expression=first)
    contains = exp.GT(
        this=exp.StrPosition(this=this, substr=first), expression=exp.Literal.number(0)
    )
    return contains if operator is PredicateOperator.CONTAINS else exp.not_(contains, copy=False)


def coerce(value: Value, type_: ColumnType, name: str) -> Value:
    """``value`` as a value of ``type_`` (text given for a number or a date is read as
    one), so the engine compares like with like; ``ValidationError`` when it is not."""
    try:
        if type_ is ColumnType.STRING:
            if isinstance(value, str):
                return value
        elif type_ in (ColumnType.INTEGER, ColumnType.BIT):
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str):
                return int(value)
        elif type_ is ColumnType.DECIMAL:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
            if isinstance(value, str):
                return float(value)
        elif type_ is ColumnType.DATETIME:
            if isinstance(value, datetime):
                return value
            if isinstance(value, str):
                return datetime.fromisoformat(value)
        elif type_ is ColumnType.BOOLEAN:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
    except ValueError:
        pass
    raise ValidationError(name, f"a value is not a {type_}")


# -- rendering ----------------------------------------------------------------------------


class _PsycopgGenerator(PostgresGenerator):
    """PostgreSQL as psycopg takes it: ``%`` starts a placeholder there, so every other
    ``%`` sqlglot writes (in a quoted name, a constant, the modulo operator) is doubled."""

    TRANSFORMS: ClassVar[dict[type[exp.Expr], Any]] = {
        **PostgresGenerator.TRANSFORMS,
        exp.Mod: lambda self, e: self.binary(e, "%%"),
    }

    def identifier_sql(self, expression: exp.Identifier) -> str:
        return str(super().identifier_sql(expression)).replace("%", "%%")

    def literal_sql(self, expression: exp.Literal) -> str:
        return str(super().literal_sql(expression)).replace("%", "%%")


class _Psycopg(Postgres):
    Generator = _PsycopgGenerator


_DIALECTS = {Engine.DUCKDB: DuckDB, Engine.POSTGRES: _Psycopg}

_CONSTANT_PARENTS: tuple[type[exp.Expr], ...] = (
    exp.Group,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Fetch,
    exp.DataType,
    exp.DataTypeParam,
    exp.Interval,
)
_CONSTANT_ARGS = frozenset({"format", "unit"})


def render(
    tree: exp.Expr,
    engine: Engine,
    parameters: Mapping[str, Value | tuple[Value, ...]],
    *,
    copy: bool = True,
) -> Rendered:
    """``tree`` as SQL text for ``engine`` with every value bound (module docstring);
    ``parameters`` give the values of ``${Name}`` references. ``copy=False`` binds in
    place: for a tree built for this one rendering."""
    binder = _Binder(engine, parameters)
    tree = binder.bind(tree.copy() if copy else tree)
    return Rendered(tree.sql(dialect=_DIALECTS[engine], copy=False), binder.values)


class _Binder:
    """Replaces the values of one tree by numbered placeholders."""

    def __init__(self, engine: Engine, parameters: Mapping[str, Value | tuple[Value, ...]]) -> None:
        self.engine = engine
        self.parameters = parameters
        self.values: dict[str, Value] = {}

    def bind(self, node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Query) and node.meta.get(VERBATIM):
            return node
        for child in list(node.iter_expressions()):
            self.bind(child)
        replacement = self._replacement(node)
        if replacement is None:
            return node
        if node.parent is None:
            return replacement
        node.replace(replacement)
        return replacement

    def _replacement(self, node: exp.Expr) -> exp.Expr | None:
        if isinstance(node, Bound):
            return self._placeholder(node.value)
        if isinstance(node, exp.Literal | exp.Boolean) and not _is_constant(node):
            return self._placeholder(_literal_value(node))
        if isinstance(node, exp.Placeholder):
            return self._parameter(node)
        return None

    def _parameter(self, node: exp.Placeholder) -> exp.Expr | None:
        name = node.name
        if not name or name not in self.parameters:
            raise ValidationError("Parameters", f"no value for parameter {name!r}")
        given = self.parameters[name]
        if not isinstance(given, tuple):
            return self._placeholder(given)
        parent = node.parent
        if not given or not isinstance(parent, exp.In) or node.arg_key != "expressions":
            raise ValidationError(
                "Parameters", f"parameter {name!r} needs one value here, not {len(given)}"
            )
        # a multi-valued parameter in a list: one placeholder per value, in its place
        expanded: list[exp.Expr] = []
        for item in parent.expressions:
            if item is node:
                expanded.extend(self._placeholder(value) for value in given)
            else:
                expanded.append(item)
        parent.set("expressions", expanded)
        return None

    def _placeholder(self, value: Value) -> exp.Expr:
        name = f"p{len(self.values)}"
        self.values[name] = value
        placeholder = exp.Placeholder(this=name)
        if self.engine is Engine.POSTGRES and isinstance(value, str):
            # psycopg sends text untyped; a function taking any type (concat) needs one
            return exp.Cast(this=placeholder, to=exp.DataType.build("TEXT"))
        return placeholder


def _is_constant(node: exp.Expr) -> bool:
    return isinstance(node.parent, _CONSTANT_PARENTS) or node.arg_key in _CONSTANT_ARGS


def _literal_value(node: exp.Literal | exp.Boolean) -> Value:
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if node.is_string:
        return str(node.this)
    text = str(node.this)
    try:
        return int(text)
    except ValueError:
        return float(text)
