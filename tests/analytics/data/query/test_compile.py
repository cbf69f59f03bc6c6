"""compile_query and render: grouping, HAVING, sorting, limits, and every value bound so
the SQL text carries none; run on DuckDB (and PostgreSQL where psycopg's ``%`` matters)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import datetime

import duckdb
import psycopg
import pytest
from sqlglot import exp

from sightgate.analytics.data.model import (
    ColumnType,
    Field,
    LogicalQuery,
    Predicate,
    PredicateOperator,
    Sort,
    SortDirection,
    Value,
)
from sightgate.analytics.data.query.compile import Engine, compile_query, render
from sightgate.analytics.data.query.plan import Relation, column
from sightgate.platform.errors import ValidationError

from .support import D, I, S, T

TYPES: Mapping[str, ColumnType] = {"region": S, "customer": S, "revenue": D, "units": I, "day": T}
ROWS = [
    ("EMEA", "O'Reilly", 10.0, 1, datetime(2024, 1, 1)),
    ("EMEA", "red", 5.0, 2, datetime(2024, 1, 2)),
    ("US", "blue", 20.0, 3, datetime(2024, 2, 1)),
    ("US", None, 1.0, 4, datetime(2024, 3, 1)),
    ("100%", "x", 2.0, 5, datetime(2024, 3, 2)),
]
BASE = Relation(exp.select(*(column(name) for name in TYPES)).from_(exp.to_table('"sales"')), TYPES)


@pytest.fixture(scope="module")
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect()
    conn.execute(
        "CREATE TABLE sales (region VARCHAR, customer VARCHAR, revenue DOUBLE, units BIGINT,"
        " day TIMESTAMP)"
    )
    conn.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?)", ROWS)
    yield conn
    conn.close()


def _run(db: duckdb.DuckDBPyConnection, query: LogicalQuery) -> list[tuple[Value, ...]]:
    compiled = compile_query(query, BASE)
    rendered = render(compiled.tree, Engine.DUCKDB, query.parameters)
    return db.execute(rendered.sql, dict(rendered.parameters)).fetchall()


def _fields(**expressions: str) -> tuple[Field, ...]:
    return tuple(Field(name, text) for name, text in expressions.items())


def test_rows_as_they_are_without_an_aggregate(db: duckdb.DuckDBPyConnection) -> None:
    query = LogicalQuery(_fields(c="{customer}", u="{units}"), sort=(Sort("u"),), limit=2)
    assert _run(db, query) == [("O'Reilly", 1), ("red", 2)]


def test_aggregates_group_by_the_other_fields(db: duckdb.DuckDBPyConnection) -> None:
    query = LogicalQuery(
        _fields(r="{region}", total="sum({revenue})", label="concat({region}, '-', 'x')"),
        sort=(Sort("total", SortDirection.DESC),),
    )
    compiled = compile_query(query, BASE)
    assert compiled.tree.args["group"].sql() == "GROUP BY 1, 3"
    assert [c.type for c in compiled.columns] == [S, D, S]
    assert _run(db, query) == [
        ("US", 21.0, "US-x"),
        ("EMEA", 15.0, "EMEA-x"),
        ("100%", 2.0, "100%-x"),
    ]


def test_predicates_on_aggregates_are_having(db: duckdb.DuckDBPyConnection) -> None:
    query = LogicalQuery(
        _fields(r="{region}", total="sum({revenue})"),
        predicates=(
            Predicate("sum({revenue})", PredicateOperator.GREATER_THAN, (10,), on_aggregate=True),
            Predicate("{units}", PredicateOperator.LESS_THAN, ("4",)),  # text read as a number
        ),
    )
    sql = render(compile_query(query, BASE).tree, Engine.DUCKDB, {}).sql
    assert "HAVING SUM" in sql and 'WHERE "units" <' in sql
    assert sorted(_run(db, query)) == [("EMEA", 15.0), ("US", 20.0)]


def test_a_bound_value_cannot_be_written_as_text() -> None:
    query = LogicalQuery(
        _fields(u="{units}"), predicates=(Predicate("{units}", PredicateOperator.EQUALS, (1,)),)
    )
    with pytest.raises(ValueError, match="Unsupported expression type Bound"):
        compile_query(query, BASE).tree.sql()


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        (PredicateOperator.EQUALS, ("O'Reilly",), {1}),
        (PredicateOperator.EQUALS, (None,), {4}),
        (PredicateOperator.DOES_NOT_EQUAL, ("red",), {1, 3, 5}),
        (PredicateOperator.IN, ("red", "blue", None), {2, 3, 4}),
        (PredicateOperator.NOT_IN, ("red", None), {1, 3, 5}),
        (PredicateOperator.CONTAINS, ("'",), {1}),
        (PredicateOperator.DOES_NOT_CONTAIN, ("e",), {5}),
        (PredicateOperator.STARTS_WITH, ("O'",), {1}),
        (PredicateOperator.ENDS_WITH, ("ue",), {3}),
        (PredicateOperator.ENDS_WITH, ("",), {1, 2, 3, 5}),
        (PredicateOperator.IS_NULL, (), {4}),
        (PredicateOperator.IS_NOT_NULL, (), {1, 2, 3, 5}),
    ],
)
def test_text_predicates(
    db: duckdb.DuckDBPyConnection,
    operator: PredicateOperator,
    values: tuple[Value, ...],
    expected: set[int],
) -> None:
    query = LogicalQuery(
        _fields(u="{units}"), predicates=(Predicate("{customer}", operator, values),)
    )
    assert {row[0] for row in _run(db, query)} == expected


def test_range_predicates_on_dates_and_numbers(db: duckdb.DuckDBPyConnection) -> None:
    query = LogicalQuery(
        _fields(u="{units}"),
        predicates=(
            Predicate("{day}", PredicateOperator.BETWEEN, ("2024-01-02", datetime(2024, 3, 1))),
            Predicate("{revenue}", PredicateOperator.GREATER_THAN_OR_EQUAL, (1,)),
        ),
    )
    assert sorted(int(str(row[0])) for row in _run(db, query)) == [2, 3, 4]


@pytest.mark.parametrize(
    ("predicate", "message"),
    [
        (Predicate("{units}", PredicateOperator.EQUALS, ("many",)), "is not a INTEGER"),
        (Predicate("{units}", PredicateOperator.CONTAINS, ("1",)), "text only"),
        (Predicate("{units}", PredicateOperator.BETWEEN, (1,)), "takes 2 values"),
        (Predicate("{units}", PredicateOperator.IN, ()), "at least 1 value"),
        (Predicate("sum({units})", PredicateOperator.EQUALS, (1,)), "on_aggregate"),
        (Predicate("{units}", PredicateOperator.LESS_THAN, (None,)), "NULL"),
    ],
)
def test_bad_predicates_are_refused(predicate: Predicate, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        compile_query(LogicalQuery(_fields(u="sum({units})"), predicates=(predicate,)), BASE)


def test_parameters_and_conditions(db: duckdb.DuckDBPyConnection) -> None:
    query = LogicalQuery(
        _fields(u="{units}"),
        conditions=("{region} = ${Region}", "in({customer}, ${Customers})"),
        parameters={"Region": "EMEA", "Customers": ("red", "O'Reilly", "blue")},
    )
    assert sorted(int(str(row[0])) for row in _run(db, query)) == [1, 2]


def test_a_parameter_without_a_value_is_refused() -> None:
    query = LogicalQuery(_fields(u="{units}"), conditions=("{region} = ${Region}",))
    with pytest.raises(ValidationError, match="unknown parameter 'Region'"):
        render(compile_query(query, BASE).tree, Engine.DUCKDB, {})


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (LogicalQuery(()), "at least one field"),
        (LogicalQuery(_fields(a="{units}") + _fields(a="{region}")), "unique"),
        (LogicalQuery(_fields(a="{units}"), sort=(Sort("b"),)), "no field 'b'"),
        (LogicalQuery(_fields(a="{units}"), limit=-1), "negative"),
        (LogicalQuery(_fields(a="{nope}")), "nope"),
    ],
)
def test_bad_queries_are_refused(query: LogicalQuery, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        compile_query(query, BASE)


def test_the_sql_text_carries_no_value() -> None:
    hostile = "x'); DROP TABLE sales; --"
    query = LogicalQuery(
        _fields(a="{customer}", b="concat({region}, 'literal-in-expression')"),
        predicates=(Predicate("{customer}", PredicateOperator.IN, (hostile, "O'Reilly")),),
        conditions=("{units} > 41",),
        parameters={},
    )
    for engine in Engine:
        rendered = render(compile_query(query, BASE, max_rows=11).tree, engine, {})
        for value in (hostile, "O'Reilly", "literal-in-expression", "41"):
            assert value not in rendered.sql
        assert set(rendered.parameters.values()) >= {
            hostile,
            "O'Reilly",
            "literal-in-expression",
            41,
        }
        assert "LIMIT 11" in rendered.sql  # a limit from sightgate stays a constant


def test_max_rows_caps_the_query_limit() -> None:
    query = LogicalQuery(_fields(a="{units}"), limit=500)
    assert compile_query(query, BASE, max_rows=11).tree.args["limit"].sql() == "LIMIT 11"
    query = LogicalQuery(_fields(a="{units}"), limit=5)
    assert compile_query(query, BASE, max_rows=11).tree.args["limit"].sql() == "LIMIT 5"


@pytest.mark.skipif(not os.environ.get("SIGHTGATE_TEST_DATABASE_URL"), reason="no PostgreSQL")
def test_percent_signs_reach_postgresql_as_written() -> None:
    url = os.environ["SIGHTGATE_TEST_DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('CREATE TEMP TABLE "sales%" ("100% net" BIGINT, "region" TEXT)')
        conn.execute("INSERT INTO \"sales%\" VALUES (7, 'a%b')")
        relation = Relation(
            exp.select(column("100% net"), column("region")).from_(
                exp.Table(this=exp.to_identifier("sales%", quoted=True))
            ),
            {"100% net": I, "region": S},
        )
        query = LogicalQuery(
            _fields(m="mod({100% net}, 4)", r="concat({region}, '%s', ${P})"),
            predicates=(Predicate("{region}", PredicateOperator.CONTAINS, ("%",)),),
            parameters={"P": "%(x)s"},
        )
        rendered = render(compile_query(query, relation).tree, Engine.POSTGRES, query.parameters)
        assert conn.execute(rendered.sql, dict(rendered.parameters)).fetchall() == [
            (3, "a%b%s%(x)s")
        ]
