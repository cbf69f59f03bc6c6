"""DIRECT_QUERY on PostgreSQL: the dataset's plan pushed down whole, row rules read from
a rules table filtered to the viewer, CustomSql read-only, values always bound."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from sightgate.analytics.data.model import (
    Column,
    CustomSql,
    DataSet,
    Field,
    ImportMode,
    JoinInstruction,
    JoinType,
    LogicalQuery,
    LogicalTable,
    PermissionPolicy,
    Predicate,
    PredicateOperator,
    RelationalTable,
    RowLevelPermissionDataSet,
    Sort,
)
from sightgate.analytics.data.query.engines import (
    AnalyticalTimeoutError,
    Limits,
    PostgresRunner,
    QueryFailedError,
    RowLimitError,
)
from sightgate.platform.errors import ValidationError

from .conftest import READER, ScratchDatabase
from .support import (
    ACCOUNT,
    SOURCE_ARN,
    Catalog,
    D,
    S,
    columns,
    data_set_arn,
    service,
    table_data_set,
    user,
)

SALES = columns(customer=S, region=S, revenue=D)
RULES = columns(UserName=S, GroupName=S, customer=S)
HOSTILE = "x'); DROP TABLE canary; --"
BY_CUSTOMER = LogicalQuery(
    (Field("customer", "{customer}"), Field("total", "sum({revenue})")), sort=(Sort("customer"),)
)


@pytest.fixture(scope="module")
def pg(scratch_pg: ScratchDatabase) -> Iterator[ScratchDatabase]:
    with psycopg.connect(scratch_pg.admin, autocommit=True) as conn:
        conn.execute(
            """
            CREATE TABLE sales (customer TEXT, region TEXT, revenue DOUBLE PRECISION);
            INSERT INTO sales VALUES ('red_customer', 'EMEA', 10), ('red_customer', 'US', 5),
              ('blue_customer', 'US', 20), ('O''Reilly', 'EMEA', 1),
              ('x''); DROP TABLE canary; --', 'US', 3);
            CREATE TABLE customers (name TEXT, tier TEXT);
            INSERT INTO customers VALUES ('red_customer', 'gold'), ('blue_customer', 'silver');
            CREATE TABLE rls_rules ("UserName" TEXT, "GroupName" TEXT, customer TEXT);
            INSERT INTO rls_rules VALUES ('internal-admin-1', NULL, NULL),
              (NULL, 'red-customer-grp', 'red_customer'),
              (NULL, 'blue-customer-grp', 'blue_customer'),
              ('hostile', NULL, 'x''); DROP TABLE canary; --');
            CREATE TABLE canary (alive INT);
            INSERT INTO canary VALUES (42);
            CREATE FUNCTION sg_write() RETURNS INT LANGUAGE sql SECURITY DEFINER
              AS 'INSERT INTO canary VALUES (0) RETURNING alive';
            """
        )
        conn.execute(f"GRANT SELECT ON sales, customers, rls_rules, canary TO {READER}")
        conn.execute(f"GRANT EXECUTE ON FUNCTION sg_write() TO {READER}")
    yield scratch_pg


def _canary(pg: ScratchDatabase) -> list[tuple[int]]:
    with psycopg.connect(pg.admin) as conn:
        return conn.execute("SELECT alive FROM canary").fetchall()


def _direct(data_set_id: str, table: str, cols: Sequence[Column], **extra: Any) -> DataSet:
    return table_data_set(data_set_id, cols, mode=ImportMode.DIRECT_QUERY, table=table, **extra)


def _catalog(pg: ScratchDatabase) -> Catalog:
    catalog = Catalog(sources={SOURCE_ARN: pg.reader})
    rules = _direct("rules", "rls_rules", RULES)
    sales = _direct(
        "sales",
        "sales",
        SALES,
        row_level_permission_data_set=RowLevelPermissionDataSet(
            rules.arn, PermissionPolicy.GRANT_ACCESS
        ),
    )
    catalog.add(rules, sales)
    return catalog


def test_row_rules_on_direct_query(pg: ScratchDatabase) -> None:
    catalog = _catalog(pg)
    sales = catalog.by_arn(ACCOUNT, data_set_arn("sales"))
    engine = service(catalog)
    assert engine.run(user("internal-admin-1"), sales, BY_CUSTOMER).row_count == 4
    assert engine.run(user("r", "red-customer-grp"), sales, BY_CUSTOMER).rows == [
        ("red_customer", 15.0)
    ]
    assert engine.run(user("b", "blue-customer-grp"), sales, BY_CUSTOMER).rows == [
        ("blue_customer", 20.0)
    ]
    assert engine.run(user("nobody", "other"), sales, BY_CUSTOMER).rows == []
    assert engine.run(user("hostile"), sales, BY_CUSTOMER).rows == [(HOSTILE, 3.0)]
    assert _canary(pg) == [(42,)]


def test_predicate_values_are_data(pg: ScratchDatabase) -> None:
    catalog = _catalog(pg)
    sales = catalog.by_arn(ACCOUNT, data_set_arn("sales"))
    engine = service(catalog)
    for value, count in ((HOSTILE, 1), ("O'Reilly", 1), ("' OR '1'='1", 0), ("100%s", 0)):
        query = LogicalQuery(
            (Field("customer", "{customer}"),),
            predicates=(Predicate("{customer}", PredicateOperator.EQUALS, (value,)),),
        )
        result = engine.run(user("internal-admin-1"), sales, query, explain=True)
        assert result.row_count == count
        assert result.explanation is not None and value not in result.explanation.sql
    assert _canary(pg) == [(42,)]


def test_custom_sql_joined_with_a_table(pg: ScratchDatabase) -> None:
    custom = CustomSql(
        SOURCE_ARN,
        "big",
        "SELECT customer, sum(revenue) AS revenue FROM sales WHERE region NOT LIKE '%nowhere%' "
        "GROUP BY customer",
        columns(customer=S, revenue=D),
    )
    data_set = DataSet(
        account_id=ACCOUNT,
        data_set_id="joined",
        arn=data_set_arn("joined"),
        name="joined",
        import_mode=ImportMode.DIRECT_QUERY,
        physical_tables={
            "big": custom,
            "customers": RelationalTable(
                SOURCE_ARN, "public", "customers", columns(name=S, tier=S)
            ),
        },
        logical_tables={
            "big": LogicalTable("Big", physical_table_id="big"),
            "customers": LogicalTable("Customers", physical_table_id="customers"),
            "joined": LogicalTable(
                "joined",
                join=JoinInstruction("big", "customers", JoinType.INNER, "{customer} = {name}"),
            ),
        },
        output_columns=columns(customer=S, revenue=D, name=S, tier=S),
    )
    query = LogicalQuery(
        (Field("tier", "{tier}"), Field("revenue", "sum({revenue})")), sort=(Sort("tier"),)
    )
    rows = service(Catalog(sources={SOURCE_ARN: pg.reader})).run(user("u"), data_set, query).rows
    assert rows == [("gold", 15.0), ("silver", 20.0)]


def _custom(pg: ScratchDatabase, text: str) -> tuple[Catalog, DataSet]:
    physical = CustomSql(SOURCE_ARN, "q", text, columns(x=S))
    data_set = _direct("custom", "unused", columns(x=S), physical=physical)
    return Catalog(sources={SOURCE_ARN: pg.reader}), data_set


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DELETE FROM canary RETURNING alive::text AS x", "exactly one SELECT"),
        ("WITH d AS (DELETE FROM canary RETURNING 1) SELECT 'a' AS x FROM d", "DELETE"),
        ("SELECT 'a' AS x; DROP TABLE canary", "exactly one SELECT"),
        ("SELECT * INTO stolen FROM canary", "INTO"),
        ("SELECT pg_read_file('/etc/passwd') AS x", "pg_read_file"),
        ("SELECT set_config('statement_timeout', '0', true) AS x", "set_config"),
        ("SELECT lo_import('/etc/passwd')::text AS x", "lo_import"),
        ("SELECT pg_sleep(10)::text AS x", "pg_sleep"),
        ("SELECT 'a' AS x FROM canary FOR UPDATE", "LOCK"),
        ("SELECT %s AS x", "not allowed"),
        ("COPY canary TO STDOUT", "exactly one SELECT"),
    ],
)
def test_custom_sql_must_be_one_read_only_query(
    pg: ScratchDatabase, text: str, message: str
) -> None:
    catalog, data_set = _custom(pg, text)
    with pytest.raises(ValidationError, match=message):
        service(catalog).run(user("u"), data_set, LogicalQuery((Field("x", "{x}"),)))
    assert _canary(pg) == [(42,)]


def test_a_write_hidden_in_a_function_fails_in_the_read_only_transaction(
    pg: ScratchDatabase,
) -> None:
    catalog, data_set = _custom(pg, "SELECT sg_write()::text AS x")
    with pytest.raises(QueryFailedError, match=r"ReadOnlySqlTransaction \(25006\)"):
        service(catalog).run(user("u"), data_set, LogicalQuery((Field("x", "{x}"),)))
    assert _canary(pg) == [(42,)]


LIMITS = Limits(timeout_ms=5_000, row_limit=10)


def test_the_runner_refuses_writes_and_server_files(pg: ScratchDatabase) -> None:
    runner = PostgresRunner()
    for statement in (
        "INSERT INTO canary VALUES (1)",
        "SELECT pg_read_file('/etc/hostname')",
        "CREATE TABLE stolen AS SELECT * FROM canary",
    ):
        with pytest.raises(QueryFailedError):
            runner.fetch(pg.reader, statement, {}, LIMITS)
    assert runner.fetch(pg.reader, "SELECT alive FROM canary", {}, LIMITS) == [(42,)]
    assert _canary(pg) == [(42,)]


def test_time_and_row_limits(pg: ScratchDatabase) -> None:
    runner = PostgresRunner()
    slow = "SELECT count(*) FROM generate_series(1, 10000000000)"
    with pytest.raises(AnalyticalTimeoutError, match="within 300 ms"):
        runner.fetch(pg.reader, slow, {}, Limits(timeout_ms=300, row_limit=10))
    many = "SELECT g FROM generate_series(1, 11) g"
    with pytest.raises(RowLimitError):
        runner.fetch(pg.reader, many, {}, LIMITS)
    assert len(runner.fetch(pg.reader, "SELECT g FROM generate_series(1, 10) g", {}, LIMITS)) == 10
    # the connection that timed out went back to the pool in working order
    assert runner.fetch(pg.reader, "SELECT 1", {}, LIMITS) == [(1,)]
    runner.close()


def test_an_unreachable_source_is_a_clear_error(pg: ScratchDatabase) -> None:
    gone = replace(pg.reader, port=1, password="s3cret-password")
    with pytest.raises(QueryFailedError, match="did not accept a connection") as failed:
        PostgresRunner().fetch(gone, "SELECT 1", {}, LIMITS)
    assert "s3cret" not in str(failed.value)
