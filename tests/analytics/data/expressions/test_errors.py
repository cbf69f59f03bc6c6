"""What a bad expression gets: an ExpressionError (a ValidationError on the field) that
names the problem and its line:col, never another exception; and the compiled shape."""

# ruff: noqa: E501  (a table of expressions and the exact messages they get)

from __future__ import annotations

import threading

import pytest
from sqlglot import exp

from sightgate.analytics.data.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    ExpressionScope,
    compile_expression,
)
from sightgate.analytics.data.model import ColumnType
from sightgate.platform.errors import ValidationError

from .conftest import SCOPE


def error_of(text: str, scope: ExpressionScope = SCOPE) -> str:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, scope, field="ConditionExpression")
    assert isinstance(caught.value, ValidationError)
    assert caught.value.field == "ConditionExpression"
    return caught.value.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sum(foo({qty}))", "unsupported function 'foo' at 1:5"),
        (
            "Sum({qty})",
            "unsupported function 'Sum' (did you mean 'sum'? function names are case-sensitive) at 1:1",
        ),
        ("{qty} +\n  {nope}", "unknown column 'nope' at 2:3"),
        ("nope = 1", "unknown column 'nope' at 1:1"),
        ("${Missing} = 1", "unknown parameter 'Missing' at 1:1"),
        ("abs({region})", "abs: argument 1 (number) must be a number, not STRING at 1:5"),
        (
            "concat(region, qty)",
            "concat: argument 2 (string) must be a string, not INTEGER at 1:16",
        ),
        (
            "ifelse(qty, 1, 2)",
            "ifelse: argument 1 (if) must be a condition (true or false), not INTEGER at 1:8",
        ),
        (
            "ifelse(qty > 1, 1, 'a')",
            "ifelse: the then and else values must all have one type, got INTEGER and STRING at 1:1",
        ),
        (
            "ifelse(qty > 1, 1, qty > 2, 2)",
            "ifelse: takes if/then pairs and one else value (an odd number of arguments) at 1:1",
        ),
        ("strlen(name, 2)", "strlen: takes 1 argument, got 2 at 1:1"),
        ("ifelse(qty > 1, 1)", "ifelse: takes at least 3 arguments, got 2 at 1:1"),
        ("region + 1", "operator + needs a number, not STRING at 1:1"),
        ("qty AND flag", "operator AND needs a condition (true or false), not INTEGER at 1:1"),
        ("region = qty", "operator = cannot compare STRING with INTEGER at 1:1"),
        ("flag < flag", "operator < cannot compare BOOLEAN at 1:1"),
        (
            "sum(sum(qty))",
            "sum: argument 1 (measure) is already aggregated; aggregations do not nest (a table calculation such as sumOver aggregates an aggregate) at 1:5",
        ),
        (
            "sum(qty) + qty",
            "an aggregated (or table-calculated) value and a row-level value cannot be combined in one calculation; aggregate the row-level one too at 1:1",
        ),
        (
            "sumOver(qty, [region])",
            "sumOver: argument 1 (measure) must be an aggregation such as sum({x}) (table calculations run on the aggregated rows) at 1:9",
        ),
        (
            "sumOver(sum(qty), [region], PRE_AGG)",
            "sumOver: calculation level PRE_AGG is not supported (only POST_AGG_FILTER, the default) at 1:29",
        ),
        (
            "sumOver(sum(qty), [region], PRE_FILTER)",
            "sumOver: calculation level PRE_FILTER is not supported (only POST_AGG_FILTER, the default) at 1:29",
        ),
        (
            "sumOver(sum(qty), [region DESC])",
            "sumOver: argument 2 (partition) takes no ASC or DESC at 1:27",
        ),
        ("rank([], [region])", "rank: argument 1 (sort order) needs at least one field at 1:6"),
        (
            "lag(sum(qty), [region], 0)",
            "lag: argument 3 (lookup index) must be a non-zero integer literal at 1:25",
        ),
        (
            "lag(sum(qty), [region], qty)",
            "lag: argument 3 (lookup index) must be a literal INTEGER at 1:25",
        ),
        ("sumOver(rank([region]))", "sumOver: table calculations do not nest at 1:9"),
        (
            "truncDate('W', d)",
            "truncDate: argument 1 (period) must be one of DD, HH, MI, MM, MS, Q, SS, WK, YYYY at 1:11",
        ),
        (
            "extract('WK', d)",
            "extract: argument 1 (period) must be one of DD, HH, MI, MM, MS, Q, SS, WD, YYYY at 1:9",
        ),
        (
            "formatDate(d, 'yyyy-ww')",
            "formatDate: argument 2 (format) uses the pattern letter 'w', which is not supported at 1:15",
        ),
        (
            'formatDate(d, "yyyy \'T")',
            "formatDate: argument 2 (format) has a quote that is not closed at 1:15",
        ),
        (
            "formatDate(d, region)",
            "formatDate: argument 2 (format) must be a literal a string at 1:15",
        ),
        (
            "parseDate(code, 'EEE dd MM yyyy')",
            "parseDate: argument 2 (format) uses the pattern letter 'E', which parseDate does not support at 1:17",
        ),
        (
            "parseDate(code, 'MM-yyyy')",
            "parseDate: argument 2 (format) must contain a year (y), a month (M) and a day (d) at 1:17",
        ),
        ("round(revenue, 11)", "round: argument 2 (decimals) must be between 0 and 10 at 1:16"),
        (
            "percentile(qty, 101)",
            "percentile: argument 2 (percentile) must be between 0 and 100 at 1:17",
        ),
        (
            "contains(name, 'a', CASE_BLIND)",
            "contains: argument 3 (string-comparison-mode) must be one of CASE_INSENSITIVE, CASE_SENSITIVE at 1:21",
        ),
        ("in(region, [name])", "in: takes literal values only at 1:13"),
        ("in(region, [])", "in: argument 2 (values) needs at least one value at 1:12"),
        ("substring(name, 0, 2)", "substring: argument 2 (start) must be 1 or more at 1:17"),
        ("[qty]", "syntax error: unexpected '[' at 1:1"),
        ("abs([qty])", "abs: argument 1 (number) must be a value, not a [list] at 1:5"),
        ("qty >", "syntax error: the expression ends too early"),
        ("qty > > 1", "syntax error: unexpected '>' at 1:7"),
        ("name = 'O'Reilly'", "syntax error: unexpected 'Reilly' at 1:11"),
        ("name = 'open", "syntax error: unterminated string at 1:8"),
        ("{qty", "syntax error: unterminated or empty {field} at 1:1"),
        ("{}", "syntax error: unterminated or empty {field} at 1:1"),
        ("qty # 2", "syntax error: unexpected character '#' at 1:5"),
        ("qty; DROP TABLE t", "syntax error: unexpected character ';' at 1:4"),
        ("   ", "the expression is empty"),
    ],
)
def test_errors_name_the_problem_and_its_position(text: str, message: str) -> None:
    assert error_of(text) == message


def test_aggregations_can_be_refused() -> None:
    scope = ExpressionScope(SCOPE.columns, SCOPE.parameters, allow_aggregates=False)
    assert (
        error_of("sum(qty) > 1", scope)
        == "sum: aggregations are not allowed in this expression at 1:1"
    )
    assert (
        error_of("rank([qty])", scope)
        == "rank: table calculations are not allowed in this expression at 1:1"
    )
    assert compile_expression("qty > 1", scope).type is ColumnType.BOOLEAN


def test_a_column_hidden_by_the_scope_is_unknown() -> None:
    scope = ExpressionScope({"region": ColumnType.STRING})
    assert error_of("ifelse(region = 'x', revenue, 0)", scope) == "unknown column 'revenue' at 1:22"


def test_limits_are_errors_not_crashes() -> None:
    assert error_of("1" * (MAX_LENGTH + 1)) == (
        f"the expression is {MAX_LENGTH + 1} characters long (at most {MAX_LENGTH})"
    )
    parentheses = "(" * 15_000 + "qty" + ")" * 15_000  # no depth: they group only
    assert compile_expression(parentheses, SCOPE).tree == compile_expression("qty", SCOPE).tree
    chain = " + ".join(["qty"] * 5000)
    assert error_of(chain).startswith(
        f"the expression nests more than {MAX_DEPTH} levels deep at 1:"
    )
    calls = "abs(" * 3000 + "qty" + ")" * 3000
    assert "nests more than" in error_of(calls)


def test_the_deepest_accepted_expression_compiles_and_renders() -> None:
    # at the depth limit, in a thread with a small stack: no RecursionError anywhere
    text = "ifelse(qty > 0, " * (MAX_DEPTH - 3) + "qty" + ", 0)" * (MAX_DEPTH - 3)
    results: list[str] = []

    def work() -> None:
        tree = compile_expression(text, SCOPE).tree
        for dialect in ("duckdb", "postgres"):
            results.append(exp.select(tree.as_("v")).from_("t").sql(dialect=dialect))

    thread = threading.Thread(target=work)
    threading.stack_size(4 * 1024 * 1024)
    thread.start()
    thread.join()
    assert len(results) == 2
    assert error_of("ifelse(qty > 0, " * MAX_DEPTH + "qty" + ", 0)" * MAX_DEPTH).startswith(
        f"the expression nests more than {MAX_DEPTH} levels deep"
    )


def test_the_compiled_expression_describes_itself() -> None:
    compiled = compile_expression("sumOver(sum({revenue}), [{region}]) + ${Threshold}", SCOPE)
    assert compiled.is_aggregate and compiled.is_window
    assert compiled.columns == frozenset({"revenue", "region"})
    assert compiled.parameters == frozenset({"Threshold"})
    assert compiled.type is ColumnType.DECIMAL
    assert compiled.tree.sql("duckdb") == (
        'SUM(SUM("revenue")) OVER (PARTITION BY "region") + $Threshold'
    )
    row = compile_expression("{Order Date}", SCOPE)
    assert row.tree == exp.Column(this=exp.Identifier(this="Order Date", quoted=True))
    assert not row.is_aggregate and not row.is_window and row.type is ColumnType.DATETIME


def test_keywords_are_case_insensitive_and_names_exact() -> None:
    lower = compile_expression("not flag and qty > 1 or null = qty", SCOPE)
    upper = compile_expression("NOT flag AND qty > 1 OR NULL = qty", SCOPE)
    assert lower.tree == upper.tree
    assert error_of("QTY > 1") == "unknown column 'QTY' at 1:1"


def test_literals_stay_literals() -> None:
    tree = compile_expression("name = 'x\\' OR 1=1 --' AND qty > 2.5", SCOPE).tree
    literals = [node for node in tree.find_all(exp.Literal) if node.is_string]
    assert [node.this for node in literals] == ["x' OR 1=1 --"]
    assert {node.this for node in tree.find_all(exp.Literal) if not node.is_string} == {"2.5"}


def test_a_column_name_is_an_identifier_whatever_it_holds() -> None:
    name = 'we"ird; DROP TABLE t; --'
    tree = compile_expression("{" + name + "}", ExpressionScope({name: ColumnType.STRING})).tree
    assert tree.sql("duckdb") == '"we""ird; DROP TABLE t; --"'
    assert tree.sql("postgres") == '"we""ird; DROP TABLE t; --"'
