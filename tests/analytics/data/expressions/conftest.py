"""Run compiled expressions on a small table of known values, on DuckDB and (when
SIGHTGATE_TEST_DATABASE_URL is set) PostgreSQL.

Every query runs twice: as rendered (literals inline) and with every literal replaced by
a named bound parameter, the way the query engine runs it; both must give the same rows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb
import psycopg
import pytest
from sqlglot import exp

from sightgate.analytics.data.expressions import ExpressionScope, compile_expression
from sightgate.analytics.data.model import ColumnType

PG_URL = os.environ.get("SIGHTGATE_TEST_DATABASE_URL")

COLUMNS: dict[str, ColumnType] = {
    "id": ColumnType.INTEGER,
    "region": ColumnType.STRING,
    "name": ColumnType.STRING,
    "qty": ColumnType.INTEGER,
    "revenue": ColumnType.DECIMAL,
    "d": ColumnType.DATETIME,
    "flag": ColumnType.BOOLEAN,
    "code": ColumnType.STRING,
    "Order Date": ColumnType.DATETIME,
}
PARAMETERS: dict[str, ColumnType] = {
    "Region": ColumnType.STRING,
    "Threshold": ColumnType.INTEGER,
}
SCOPE = ExpressionScope(COLUMNS, PARAMETERS)

ROWS: list[tuple[Any, ...]] = [
    (1, "east", "O'Reilly", 3, 10.5, datetime(2024, 1, 15, 10, 30, 45, 123000), True, "2.99"),
    (2, "east", "Alpha Beta", 5, 20.0, datetime(2024, 3, 31, 23, 59, 59), False, "2a"),
    (3, "west", "gamma", None, 7.25, datetime(2023, 12, 31, 0, 0, 0), True, "-7"),
    (4, "west", "Delta%_x", 2, None, datetime(2024, 2, 29, 12, 0, 0), None, None),
    (5, "north", "a|b|c", 8, 100.0, datetime(2024, 7, 4, 6, 7, 8), False, " 42 "),
]
"""The table ``t``; "Order Date" repeats ``d`` (a name with a space)."""

_DDL = {
    "duckdb": (
        "CREATE TABLE t (id INTEGER, region TEXT, name TEXT, qty INTEGER, revenue DOUBLE, "
        'd TIMESTAMP, flag BOOLEAN, code TEXT, "Order Date" TIMESTAMP)'
    ),
    "postgres": (
        "CREATE TEMP TABLE t (id INTEGER, region TEXT, name TEXT, qty INTEGER, "
        'revenue NUMERIC(12, 2), d TIMESTAMP, flag BOOLEAN, code TEXT, "Order Date" TIMESTAMP)'
    ),
}


def bind(tree: exp.Expression) -> tuple[exp.Expression, dict[str, Any]]:
    """``tree`` with each literal replaced by a named placeholder, and their values."""
    values: dict[str, Any] = {}

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Literal):
            name = f"lit{len(values)}"
            text = node.name
            values[name] = (
                text if node.is_string else (int(text) if text.isdigit() else float(text))
            )
            return exp.Placeholder(this=name)
        return node

    return tree.copy().transform(replace), values


def normal(value: Any) -> Any:
    """Engine-independent cell values: Decimal and float compare as rounded floats."""
    if isinstance(value, Decimal | float):
        return None if math.isnan(value) else round(float(value), 6)
    return value


class Engine:
    """One database holding table ``t``."""

    def __init__(self, dialect: str, connection: Any) -> None:
        self.dialect = dialect
        self._connection = connection

    def _execute(self, sql: str, params: Mapping[str, Any] | None) -> list[tuple[Any, ...]]:
        if self.dialect == "duckdb":
            rows = self._connection.execute(sql, params or None).fetchall()
        else:
            rows = self._connection.execute(sql, params or None).fetchall()
        return [tuple(normal(cell) for cell in row) for row in rows]

    def select(
        self,
        text: str,
        *,
        group_by: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        scope: ExpressionScope = SCOPE,
    ) -> list[Any]:
        """The expression's values: one per row of ``t`` by id, one per ``group_by``
        group by that column, or one for an aggregate over the whole table."""
        compiled = compile_expression(text, scope)
        query = exp.select(compiled.tree.as_("v")).from_("t")
        if group_by:
            key = exp.column(group_by, quoted=True)
            query = query.select(key).group_by(key).order_by(key)
        elif not compiled.is_aggregate:
            query = query.order_by(exp.column("id"))
        inline = self._execute(query.sql(dialect=self.dialect), parameters)
        bound_tree, values = bind(query)
        bound = self._execute(
            bound_tree.sql(dialect=self.dialect), {**values, **(parameters or {})}
        )
        assert inline == bound, (inline, bound)
        return [row[0] for row in inline]

    def value(self, text: str, **kwargs: Any) -> Any:
        """The value of an expression that does not depend on the row (first row's)."""
        return self.select(text, **kwargs)[0]


def _duckdb() -> Iterator[Engine]:
    connection = duckdb.connect()
    connection.execute(_DDL["duckdb"])
    connection.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [(*row, row[5]) for row in ROWS]
    )
    yield Engine("duckdb", connection)
    connection.close()


def _postgres() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip("SIGHTGATE_TEST_DATABASE_URL is not set")
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute("SET TIME ZONE 'UTC'")
        connection.execute(_DDL["postgres"])
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(*row, row[5]) for row in ROWS],
            )
        yield Engine("postgres", connection)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Table ``t`` on each engine."""
    yield from (_duckdb() if request.param == "duckdb" else _postgres())


def column_values(index: int) -> Sequence[Any]:
    return [row[index] for row in ROWS]
