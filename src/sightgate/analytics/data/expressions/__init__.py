"""QuickSight's calculated-field language, compiled to dialect-neutral sqlglot trees.

``compile_expression("sumOver(sum({revenue}), [{region}])", scope)`` parses the text with
an LALR grammar (``grammar.py``), checks every reference against the scope and every
argument against its function's signature (``functions/``), and answers the tree
``SUM(SUM("revenue")) OVER (PARTITION BY "region")`` with its type. The query engine
renders the tree for DuckDB or PostgreSQL after binding its literals and placeholders.
docs/calculated-fields.md describes the language; its function table is generated from
FUNCTIONS by scripts/calc_functions.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from sqlglot import exp

from ..model import ColumnType
from .compiler import Compiler
from .errors import ExpressionError, Position
from .functions import aggregates, conditionals, dates, numbers, strings, windows
from .grammar import MAX_DEPTH, MAX_LENGTH, parse
from .registry import FunctionSpec

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "CompiledExpression",
    "ExpressionError",
    "ExpressionScope",
    "FunctionSpec",
    "Position",
    "compile_expression",
]

FUNCTIONS: Mapping[str, FunctionSpec] = {
    spec.name: spec
    for family in (conditionals, strings, numbers, dates, aggregates, windows)
    for spec in family.family.specs
}
"""Every supported function by its (case-sensitive) QuickSight name."""


@dataclass(frozen=True)
class ExpressionScope:
    """What an expression may reference: the visible columns (column-level security
    already applied, so a hidden column is simply unknown), the ``${parameters}``, and
    whether aggregations (and table calculations) are allowed, which they are not in a
    dataset's calculated columns and filters."""

    columns: Mapping[str, ColumnType]
    parameters: Mapping[str, ColumnType] = field(default_factory=dict)
    allow_aggregates: bool = True


@dataclass(frozen=True)
class CompiledExpression:
    tree: exp.Expression
    """Dialect-neutral; columns unqualified, values as literals, ${P} as placeholders."""
    type: ColumnType
    is_aggregate: bool
    """It contains an aggregation (sum, countIf, ...)."""
    is_window: bool
    """It contains a table calculation (sumOver, rank, lag, ...)."""
    columns: frozenset[str]
    parameters: frozenset[str]


COMPILED_CACHE_SIZE = 2048
"""Distinct (text, scope, field) compilations kept: a dashboard's few dozen expressions
across its datasets and readers' column sets, with room to spare."""

_ScopeKey = tuple[tuple[tuple[str, ColumnType], ...], tuple[tuple[str, ColumnType], ...], bool]


def compile_expression(
    text: str, scope: ExpressionScope, field: str = "Expression"
) -> CompiledExpression:
    """Compile ``text`` against ``scope``; ExpressionError (a ValidationError on
    ``field``) names what is wrong and where.

    Every query compiles its calculated fields again, and parsing dominated a query's
    CPU, so compilations are cached by text, scope and field. The trees are mutable
    sqlglot nodes (the engine binds literals into them), so each caller gets its own
    copy, never the cached tree. Errors are not cached: a bad expression is rare and
    fails as it did."""
    key: _ScopeKey = (
        tuple(scope.columns.items()),
        tuple(scope.parameters.items()),
        scope.allow_aggregates,
    )
    cached = _compile_cached(text, key, field)
    return replace(cached, tree=cached.tree.copy())


@lru_cache(maxsize=COMPILED_CACHE_SIZE)
def _compile_cached(text: str, key: _ScopeKey, field: str) -> CompiledExpression:
    columns, parameters, allow_aggregates = key
    tree = parse(text, field)
    compiler = Compiler(field, dict(columns), dict(parameters), FUNCTIONS, allow_aggregates)
    result = compiler.compile(tree)
    return CompiledExpression(
        tree=result.node,
        type=result.type or ColumnType.STRING,
        is_aggregate=result.aggregate,
        is_window=result.window,
        columns=frozenset(compiler.columns_used),
        parameters=frozenset(compiler.parameters_used),
    )
