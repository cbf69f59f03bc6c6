"""dataset_relation: a LogicalTableMap planned into one query, run on DuckDB over
in-memory tables (the physical relations)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

import duckdb
import pytest
from sqlglot import exp

from sightgate.analytics.data.model import (
    CalculatedColumn,
    CastColumnTypeOperation,
    Column,
    ColumnType,
    CreateColumnsOperation,
    DataSet,
    FilterOperation,
    ImportMode,
    JoinInstruction,
    JoinType,
    LogicalTable,
    PhysicalTable,
    ProjectOperation,
    RelationalTable,
    RenameColumnOperation,
    TagColumnOperation,
    Transform,
    Value,
)
from sightgate.analytics.data.query.compile import Engine, render
from sightgate.analytics.data.query.plan import dataset_relation, plan, time_format
from sightgate.platform.errors import ValidationError

from .support import ACCOUNT, SOURCE_ARN, D, I, S, T, columns, data_set_arn

ORDERS = columns(id=I, customer_id=I, amount=D, day=S)
CUSTOMERS = columns(id=I, name=S)


@pytest.fixture
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect()
    conn.execute("CREATE TABLE orders (id BIGINT, customer_id BIGINT, amount DOUBLE, day VARCHAR)")
    conn.execute(
        "INSERT INTO orders VALUES (1, 10, 5.5, '2024-01-02'), (2, 10, 7, '2024-02-03'),"
        " (3, 20, 1, '2024-03-04'), (4, 30, 2, '2024-03-05')"
    )
    conn.execute("CREATE TABLE customers (id BIGINT, name VARCHAR)")
    conn.execute("INSERT INTO customers VALUES (10, 'Red'), (20, 'O''Reilly'), (40, 'Nobody')")
    yield conn
    conn.close()


def _tables(physical_id: str, table: PhysicalTable) -> exp.Expr:
    assert isinstance(table, RelationalTable)
    return exp.Table(this=exp.to_identifier(table.name, quoted=True))


def _data_set(
    logical: dict[str, LogicalTable], physical: dict[str, Sequence[Column]] | None = None
) -> DataSet:
    physical = physical or {"orders": ORDERS}
    return DataSet(
        account_id=ACCOUNT,
        data_set_id="d",
        arn=data_set_arn("d"),
        name="d",
        import_mode=ImportMode.DIRECT_QUERY,
        physical_tables={
            pid: RelationalTable(SOURCE_ARN, None, pid, tuple(cols))
            for pid, cols in physical.items()
        },
        logical_tables=logical,
        output_columns=(),
    )


def _orders(*transforms: Transform) -> DataSet:
    orders = LogicalTable("orders", physical_table_id="orders", transforms=transforms)
    return _data_set({"o": orders})


def _rows(db: duckdb.DuckDBPyConnection, data_set: DataSet) -> list[tuple[Value, ...]]:
    rendered = render(dataset_relation(data_set, _tables), Engine.DUCKDB, {})
    return sorted(db.execute(rendered.sql, dict(rendered.parameters)).fetchall(), key=str)


def test_a_physical_table_is_its_columns(db: duckdb.DuckDBPyConnection) -> None:
    planned = plan(_orders(), _tables)
    assert dict(planned.columns) == {c.name: c.type for c in ORDERS}
    assert len(_rows(db, _orders())) == 4


def test_project_rename_and_tag_change_the_columns_not_the_values(
    db: duckdb.DuckDBPyConnection,
) -> None:
    data_set = _orders(
        ProjectOperation(("id", "amount")),
        RenameColumnOperation("amount", 'Amount (€) "net"'),
        TagColumnOperation("id", ({"ColumnDescription": {"Text": "key"}},)),
    )
    planned = plan(data_set, _tables)
    assert list(planned.columns) == ["id", 'Amount (€) "net"']
    assert _rows(db, data_set)[0] == (1, 5.5)


def test_cast_with_a_java_date_format(db: duckdb.DuckDBPyConnection) -> None:
    data_set = _orders(
        ProjectOperation(("id", "day")),
        CastColumnTypeOperation("day", ColumnType.DATETIME, "yyyy-MM-dd"),
        CastColumnTypeOperation("id", ColumnType.STRING),
    )
    planned = plan(data_set, _tables)
    assert planned.columns == {"id": S, "day": T}
    assert _rows(db, data_set)[0] == ("1", datetime(2024, 1, 2))


def test_time_format_keeps_quoted_text() -> None:
    literal = time_format("yyyy-MM-dd'T'HH:mm")
    parsed = exp.StrToTime(this=exp.Literal.string("2024-01-02T03:04"), format=literal)
    row = duckdb.connect().execute(f"SELECT {parsed.sql(dialect='duckdb')}").fetchone()
    assert row is not None
    value = row[0]
    assert value == datetime(2024, 1, 2, 3, 4)


@pytest.mark.parametrize(
    ("transform", "field"),
    [
        (ProjectOperation(("id", "nope")), "ProjectOperation.ColumnName"),
        (RenameColumnOperation("nope", "x"), "RenameColumnOperation.ColumnName"),
        (RenameColumnOperation("id", "amount"), "RenameColumnOperation.NewColumnName"),
        (CastColumnTypeOperation("nope", ColumnType.STRING), "CastColumnTypeOperation.ColumnName"),
        (TagColumnOperation("nope", ()), "TagColumnOperation.ColumnName"),
    ],
)
def test_a_transform_naming_an_unknown_column_is_refused(transform: Transform, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        plan(_orders(transform), _tables)
    assert raised.value.field == field


def test_the_root_is_the_one_table_no_join_names() -> None:
    two_roots = _data_set(
        {
            "a": LogicalTable("a", physical_table_id="orders"),
            "b": LogicalTable("b", physical_table_id="orders"),
        }
    )
    with pytest.raises(ValidationError, match="exactly one logical table"):
        plan(two_roots, _tables)


def test_a_parent_dataset_source_is_refused_clearly() -> None:
    child = _data_set({"a": LogicalTable("a", data_set_arn=data_set_arn("parent"))})
    with pytest.raises(ValidationError, match="another dataset is not supported"):
        plan(child, _tables)


def test_a_join_cycle_is_refused() -> None:
    def joined(left: str) -> LogicalTable:
        return LogicalTable(left, join=JoinInstruction(left, "orders", JoinType.INNER, "true"))

    cyclic = _data_set({"root": joined("a"), "a": joined("b"), "b": joined("a")})
    with pytest.raises(ValidationError, match="a cycle"):
        plan(cyclic, _tables)


def test_filter_and_calculated_columns(db: duckdb.DuckDBPyConnection) -> None:
    data_set = _orders(
        FilterOperation('{amount} > 1.5 AND {day} <> "O\'Reilly"'),
        CreateColumnsOperation(
            (
                CalculatedColumn("double", "c1", "{amount} * 2"),
                CalculatedColumn("label", "c2", "concat(toString({id}), '%', toString({double}))"),
            )
        ),
        ProjectOperation(("id", "double", "label")),
    )
    planned = plan(data_set, _tables)
    assert planned.columns == {"id": I, "double": D, "label": S}
    assert _rows(db, data_set) == [(1, 11.0, "1%11.0"), (2, 14.0, "2%14.0"), (4, 4.0, "4%4.0")]


def test_a_dataset_filter_cannot_aggregate() -> None:
    with pytest.raises(ValidationError):
        plan(_orders(FilterOperation("sum({amount}) > 1")), _tables)


def test_a_calculated_column_cannot_replace_a_column() -> None:
    with pytest.raises(ValidationError, match="already exists"):
        plan(_orders(CreateColumnsOperation((CalculatedColumn("id", "c", "1"),))), _tables)


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        (JoinType.INNER, [(1, "Red"), (2, "Red"), (3, "O'Reilly")]),
        (JoinType.LEFT, [(1, "Red"), (2, "Red"), (3, "O'Reilly"), (4, None)]),
        (JoinType.RIGHT, [(1, "Red"), (2, "Red"), (3, "O'Reilly"), (None, "Nobody")]),
        (
            JoinType.OUTER,
            [(1, "Red"), (2, "Red"), (3, "O'Reilly"), (4, None), (None, "Nobody")],
        ),
    ],
)
def test_joins(
    db: duckdb.DuckDBPyConnection, type_: JoinType, expected: list[tuple[Value, ...]]
) -> None:
    data_set = _data_set(
        {
            "orders": LogicalTable("orders", physical_table_id="orders"),
            "customers": LogicalTable("Customers", physical_table_id="customers"),
            "joined": LogicalTable(
                "joined",
                join=JoinInstruction(
                    "orders", "customers", type_, "{customer_id} = {id[Customers]}"
                ),
                transforms=(ProjectOperation(("id", "name")),),
            ),
        },
        {"orders": ORDERS, "customers": CUSTOMERS},
    )
    planned = plan(data_set, _tables)
    assert list(planned.columns) == ["id", "name"]
    assert _rows(db, data_set) == sorted(expected, key=str)


def test_a_join_keeps_both_sides_columns_renaming_the_right_hand_duplicates() -> None:
    data_set = _data_set(
        {
            "orders": LogicalTable("orders", physical_table_id="orders"),
            "customers": LogicalTable("Customers", physical_table_id="customers"),
            "joined": LogicalTable(
                "joined",
                join=JoinInstruction(
                    "orders", "customers", JoinType.INNER, "{customer_id} = {id[Customers]}"
                ),
            ),
        },
        {"orders": ORDERS, "customers": CUSTOMERS},
    )
    assert list(plan(data_set, _tables).columns) == [
        "id",
        "customer_id",
        "amount",
        "day",
        "id[Customers]",
        "name",
    ]
