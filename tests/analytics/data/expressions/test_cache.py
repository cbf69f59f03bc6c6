"""Compilations are cached, but every caller gets a tree of its own."""

from __future__ import annotations

import pytest
from sqlglot import exp

from sightgate.analytics.data.expressions import (
    ExpressionError,
    ExpressionScope,
    compile_expression,
)
from sightgate.analytics.data.model import ColumnType

SCOPE = ExpressionScope(columns={"qty": ColumnType.INTEGER, "region": ColumnType.STRING})


def test_a_cached_compilation_hands_out_copies() -> None:
    first = compile_expression("sum({qty}) * 2", SCOPE)
    first.tree.find(exp.Literal).replace(exp.Literal.number(99))  # type: ignore[union-attr]
    second = compile_expression("sum({qty}) * 2", SCOPE)
    assert second.tree is not first.tree
    assert "99" not in second.tree.sql() and "2" in second.tree.sql()
    assert second.columns == {"qty"} and second.is_aggregate


def test_the_scope_is_part_of_the_key() -> None:
    assert compile_expression("{qty}", SCOPE).type is ColumnType.INTEGER
    as_text = ExpressionScope(columns={"qty": ColumnType.STRING})
    assert compile_expression("{qty}", as_text).type is ColumnType.STRING
    no_aggregates = ExpressionScope(columns=SCOPE.columns, allow_aggregates=False)
    with pytest.raises(ExpressionError):
        compile_expression("sum({qty})", no_aggregates)
    with pytest.raises(ExpressionError):
        compile_expression("{region}", as_text)  # hidden in this scope, known in SCOPE


def test_the_field_named_in_an_error_is_the_callers() -> None:
    with pytest.raises(ExpressionError) as one:
        compile_expression("{nope}", SCOPE, field="A")
    with pytest.raises(ExpressionError) as other:
        compile_expression("{nope}", SCOPE, field="B")
    assert one.value.field == "A" and other.value.field == "B"
