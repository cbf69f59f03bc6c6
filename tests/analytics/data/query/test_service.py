"""QueryService on SPICE (DuckDB version files): row rules, tag rules, column rules,
explain, limits, and the safety of the DuckDB reader."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import anyio
import duckdb
import pytest

from sightgate.analytics.data.model import (
    AnonymousViewer,
    ColumnLevelPermissionRule,
    CustomSql,
    DataSet,
    Field,
    FormatVersion,
    ImportMode,
    LogicalQuery,
    PermissionPolicy,
    Predicate,
    PredicateOperator,
    RowLevelPermissionDataSet,
    RowLevelPermissionTagConfiguration,
    Sort,
    TagRule,
)
from sightgate.analytics.data.query.compile import Engine, render
from sightgate.analytics.data.query.engines import (
    AnalyticalTimeoutError,
    DuckDBReader,
    Limits,
    QueryFailedError,
    RowLimitError,
)
from sightgate.analytics.data.query.plan import dataset_relation
from sightgate.analytics.data.query.relations import custom_sql
from sightgate.platform.errors import (
    AccessDeniedError,
    QuotaExceededError,
    StateConflictError,
    ValidationError,
)

from .support import (
    ACCOUNT,
    SOURCE_ARN,
    Catalog,
    D,
    S,
    Table,
    columns,
    data_set_arn,
    group_arn,
    secured_sales,
    service,
    spice_data_set,
    spice_file,
    table_data_set,
    user,
    user_arn,
)

SALES = columns(customer=S, region=S, revenue=D)
SALES_ROWS = [
    ("red_customer", "EMEA", 10.0),
    ("red_customer", "US", 5.0),
    ("blue_customer", "US", 20.0),
    ("O'Reilly", "EMEA", 1.0),
]
RULES = columns(UserName=S, GroupName=S, customer=S)
RULES_ROWS = [
    ("internal-admin-1", None, None),
    (None, "red-customer-grp", "red_customer"),
    (None, "blue-customer-grp", "blue_customer"),
    ("oreilly", None, "O'Reilly"),
]
BY_CUSTOMER = LogicalQuery(
    (Field("customer", "{customer}"), Field("total", "sum({revenue})")), sort=(Sort("customer"),)
)


def _secured(tmp_path: Path, catalog: Catalog, **extra: object) -> DataSet:
    return secured_sales(
        tmp_path, catalog, Table(SALES, SALES_ROWS), Table(RULES, RULES_ROWS), **extra
    )


def test_each_reader_sees_their_customers_rows_and_a_user_without_a_rule_none(
    tmp_path: Path,
) -> None:
    catalog = Catalog()
    sales = _secured(tmp_path, catalog)
    engine = service(catalog)
    assert engine.run(user("internal-admin-1"), sales, BY_CUSTOMER).rows == [
        ("O'Reilly", 1.0),
        ("blue_customer", 20.0),
        ("red_customer", 15.0),
    ]
    assert engine.run(user("red-reader", "red-customer-grp"), sales, BY_CUSTOMER).rows == [
        ("red_customer", 15.0)
    ]
    assert engine.run(user("blue-reader", "blue-customer-grp"), sales, BY_CUSTOMER).rows == [
        ("blue_customer", 20.0)
    ]
    assert engine.run(user("oreilly"), sales, BY_CUSTOMER).rows == [("O'Reilly", 1.0)]
    assert engine.run(user("stranger", "other-grp"), sales, BY_CUSTOMER).rows == []


def test_memberships_count_as_given_at_each_query(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = _secured(tmp_path, catalog)
    engine = service(catalog)
    assert engine.run(user("r", "red-customer-grp"), sales, BY_CUSTOMER).row_count == 1
    assert engine.run(user("r"), sales, BY_CUSTOMER).row_count == 0  # removed from the group


def test_a_new_rules_version_applies_from_the_next_query(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = _secured(tmp_path, catalog)
    engine = service(catalog)
    reader = user("r", "red-customer-grp")
    assert engine.run(reader, sales, BY_CUSTOMER).rows == [("red_customer", 15.0)]
    rules = catalog.by_arn(ACCOUNT, data_set_arn("rules"))
    version = spice_file(tmp_path / "rules-2.duckdb", RULES, [(None, "red-customer-grp", "x")])
    catalog.add(replace(rules, spice_version=replace(version, number=2)))
    assert engine.run(reader, sales, BY_CUSTOMER).rows == []


def test_version_2_rules_name_arns(tmp_path: Path) -> None:
    catalog = Catalog()
    rules = spice_data_set(
        tmp_path,
        "rules",
        columns(UserARN=S, GroupARN=S, region=S),
        [(user_arn("a"), None, "US"), (None, group_arn("g"), "EMEA")],
    )
    rls = RowLevelPermissionDataSet(
        rules.arn, PermissionPolicy.GRANT_ACCESS, FormatVersion.VERSION_2
    )
    sales = spice_data_set(tmp_path, "sales", SALES, SALES_ROWS, row_level_permission_data_set=rls)
    catalog.add(rules, sales)
    query = LogicalQuery((Field("region", "{region}"),))
    engine = service(catalog)
    assert {r[0] for r in engine.run(user("a"), sales, query).rows} == {"US"}
    assert {r[0] for r in engine.run(user("b", "g"), sales, query).rows} == {"EMEA"}
    assert engine.run(user("a", namespace="other"), sales, query).rows == []


def test_deny_access_hides_the_matching_rows(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = _secured(tmp_path, catalog)
    deny = replace(
        sales,
        row_level_permission_data_set=RowLevelPermissionDataSet(
            data_set_arn("rules"), PermissionPolicy.DENY_ACCESS
        ),
    )
    engine = service(catalog)
    assert engine.run(user("r", "red-customer-grp"), deny, BY_CUSTOMER).rows == [
        ("O'Reilly", 1.0),
        ("blue_customer", 20.0),
    ]
    assert engine.run(user("stranger"), deny, BY_CUSTOMER).row_count == 3
    assert engine.run(user("internal-admin-1"), deny, BY_CUSTOMER).rows == []


def test_disabled_rules_do_not_apply(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = _secured(tmp_path, catalog)
    assert sales.row_level_permission_data_set is not None
    off = replace(
        sales,
        row_level_permission_data_set=replace(sales.row_level_permission_data_set, enabled=False),
    )
    assert service(catalog).run(user("stranger"), off, BY_CUSTOMER).row_count == 3


def test_more_than_999_rules_for_a_user_is_a_clear_error(tmp_path: Path) -> None:
    catalog = Catalog()
    rules = spice_data_set(tmp_path, "rules", RULES, [("busy", None, f"c{n}") for n in range(1000)])
    rls = RowLevelPermissionDataSet(rules.arn, PermissionPolicy.GRANT_ACCESS)
    sales = spice_data_set(tmp_path, "sales", SALES, SALES_ROWS, row_level_permission_data_set=rls)
    catalog.add(rules, sales)
    with pytest.raises(QuotaExceededError, match="999"):
        service(catalog).run(user("busy"), sales, BY_CUSTOMER)


def test_a_rules_dataset_without_data_yet_is_an_error_not_everything(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = _secured(tmp_path, catalog)
    catalog.add(replace(catalog.by_arn(ACCOUNT, data_set_arn("rules")), spice_version=None))
    with pytest.raises(StateConflictError, match="no SPICE data yet"):
        service(catalog).run(user("internal-admin-1"), sales, BY_CUSTOMER)


def test_column_rules_hide_a_column_from_the_schema_and_the_query(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = _secured(
        tmp_path,
        catalog,
        column_level_permission_rules=(
            ColumnLevelPermissionRule((group_arn("finance"),), ("revenue",)),
        ),
    )
    engine = service(catalog)
    reader = user("internal-admin-1")
    assert [c.name for c in engine.columns(reader, sales)] == ["customer", "region"]
    with pytest.raises(ValidationError) as hidden:
        engine.run(reader, sales, BY_CUSTOMER)
    unknown_query = LogicalQuery((Field("x", "sum({nonexistent})"),))
    with pytest.raises(ValidationError) as unknown:
        engine.run(reader, sales, unknown_query)
    # the same error as for a column that does not exist
    assert hidden.value.message.replace("revenue", "?") == unknown.value.message.replace(
        "nonexistent", "?"
    ).replace("Fields.x", "Fields.total")
    finance = user("internal-admin-1", "finance")
    assert engine.run(finance, sales, BY_CUSTOMER).row_count == 3
    explained = engine.run(reader, sales, LogicalQuery((Field("c", "{customer}"),)), explain=True)
    assert explained.explanation is not None
    assert explained.explanation.restricted_columns == ("revenue",)
    # the query reads the secured relation, which selects the visible columns only
    assert '(SELECT "customer", "region" FROM "data" AS "t"' in explained.explanation.sql


def test_tag_rules_for_anonymous_sessions(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = spice_data_set(
        tmp_path,
        "sales",
        SALES,
        SALES_ROWS,
        row_level_permission_tag_configuration=RowLevelPermissionTagConfiguration(
            (TagRule("customer", "customer", tag_multi_value_delimiter=",", match_all_value="*"),)
        ),
        column_level_permission_rules=(
            ColumnLevelPermissionRule((user_arn("boss"),), ("region",)),
        ),
    )
    catalog.add(sales)
    engine = service(catalog)

    def anonymous(**tags: str) -> list[str]:
        viewer = AnonymousViewer(ACCOUNT, "default", tags)
        return [str(r[0]) for r in engine.run(viewer, sales, BY_CUSTOMER).rows]

    assert anonymous(customer="red_customer") == ["red_customer"]
    assert anonymous(customer="red_customer,O'Reilly") == ["O'Reilly", "red_customer"]
    assert len(anonymous(customer="*")) == 3
    assert anonymous() == []
    viewer = AnonymousViewer(ACCOUNT, "default", {"customer": "*"})
    assert [c.name for c in engine.columns(viewer, sales)] == ["customer", "revenue"]
    # tag rules are for anonymous sessions: a registered user is not filtered by them
    assert engine.run(user("u"), sales, BY_CUSTOMER).row_count == 3


def test_explain_names_the_rules_the_sql_and_its_parameters(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = _secured(tmp_path, catalog)
    query = LogicalQuery(
        (Field("customer", "{customer}"),),
        predicates=(Predicate("{region}", PredicateOperator.EQUALS, ("US",)),),
    )
    result = service(catalog).run(user("r", "red-customer-grp"), sales, query, explain=True)
    assert result.rows == [("red_customer",)]
    explanation = result.explanation
    assert explanation is not None
    assert [(m.via, dict(m.values)) for m in explanation.matched_rules] == [
        ("group red-customer-grp", {"customer": "red_customer"})
    ]
    assert explanation.parameters == ("red_customer", "US")
    assert "red_customer" not in explanation.sql and "'US'" not in explanation.sql
    assert service(catalog).run(user("r"), sales, query).explanation is None


def test_injected_values_are_data_and_the_canary_is_untouched(tmp_path: Path) -> None:
    hostile = "x'); DROP TABLE canary; --"
    catalog = Catalog()
    rules = spice_data_set(
        tmp_path, "rules", RULES, [("u", None, hostile), ("u", None, "O'Reilly")]
    )
    rls = RowLevelPermissionDataSet(rules.arn, PermissionPolicy.GRANT_ACCESS)
    sales = spice_data_set(
        tmp_path,
        "sales",
        SALES,
        [*SALES_ROWS, (hostile, "US", 3.0)],
        row_level_permission_data_set=rls,
    )
    conn = duckdb.connect(str(sales.spice_version.path))  # type: ignore[union-attr]
    conn.execute("CREATE TABLE canary AS SELECT 42 AS alive")
    conn.close()
    catalog.add(rules, sales)
    engine = service(catalog)
    for value in (hostile, "O'Reilly", "' OR '1'='1"):
        query = LogicalQuery(
            (Field("customer", "{customer}"),),
            predicates=(Predicate("{customer}", PredicateOperator.EQUALS, (value,)),),
        )
        expected = [] if value.startswith("' OR") else [(value,)]
        assert engine.run(user("u"), sales, query).rows == expected
    with pytest.raises(ValidationError):
        engine.run(
            user("u"), sales, LogicalQuery((Field("x", "{customer}); DROP TABLE canary; --"),))
        )
    engine.duckdb.close()
    check = duckdb.connect(str(sales.spice_version.path), read_only=True)  # type: ignore[union-attr]
    assert check.execute("SELECT alive FROM canary").fetchall() == [(42,)]
    check.close()


def test_the_row_limit_is_an_error_and_an_explicit_limit_is_not(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = spice_data_set(tmp_path, "sales", SALES, SALES_ROWS)
    catalog.add(sales)
    engine = service(catalog, query_row_limit=3)
    rows = LogicalQuery((Field("customer", "{customer}"),))
    with pytest.raises(RowLimitError, match="more than 3 rows"):
        engine.run(user("u"), sales, rows)
    assert engine.run(user("u"), sales, replace(rows, limit=3)).row_count == 3
    assert service(catalog, query_row_limit=4).run(user("u"), sales, rows).row_count == 4


def test_a_dataset_without_spice_data_and_a_viewer_who_may_not_act(tmp_path: Path) -> None:
    catalog = Catalog()
    empty = table_data_set("empty", SALES)
    engine = service(catalog)
    with pytest.raises(StateConflictError, match="first ingestion"):
        engine.run(user("u"), empty, BY_CUSTOMER)
    with pytest.raises(AccessDeniedError, match="deactivated"):
        engine.run(user("u", allowed=False), empty, BY_CUSTOMER)
    with pytest.raises(AccessDeniedError):
        engine.columns(AnonymousViewer("999988887777", "default", {}), empty)


def test_run_async_runs_on_the_analytical_executor(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = spice_data_set(tmp_path, "sales", SALES, SALES_ROWS)
    engine = service(catalog)

    async def main() -> int:
        return (await engine.run_async(user("u"), sales, BY_CUSTOMER)).row_count

    assert anyio.run(main) == 3


# -- the DuckDB reader ----------------------------------------------------------------------

LIMITS = Limits(timeout_ms=10_000, row_limit=100)


@pytest.fixture
def version_file(tmp_path: Path) -> Path:
    return spice_file(tmp_path / "v.duckdb", SALES, SALES_ROWS).path


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'data.csv'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "COPY data TO '/tmp/sightgate-leak.csv'",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "INSTALL httpfs",
        "LOAD httpfs",
        "CREATE TABLE x AS SELECT 1",
        "DROP TABLE data",
    ],
)
def test_the_reader_cannot_reach_outside_the_version_file_or_change_it(
    version_file: Path, sql: str
) -> None:
    reader = DuckDBReader()
    with pytest.raises(QueryFailedError) as failed:
        reader.fetch(version_file, sql, {}, LIMITS)
    assert "passwd" not in failed.value.message and "root" not in failed.value.message
    assert reader.fetch(version_file, "SELECT count(*) FROM data", {}, LIMITS) == [(4,)]
    assert not Path("/tmp/sightgate-leak.csv").exists()


def test_a_query_past_the_time_limit_is_interrupted(version_file: Path) -> None:
    reader = DuckDBReader()
    slow = "SELECT count(*) FROM range(100000000000) a"
    with pytest.raises(AnalyticalTimeoutError, match="within 200 ms"):
        reader.fetch(version_file, slow, {}, Limits(timeout_ms=200, row_limit=10))
    assert reader.fetch(version_file, "SELECT count(*) FROM data", {}, LIMITS) == [(4,)]


def test_engine_errors_name_no_value(version_file: Path) -> None:
    reader = DuckDBReader()
    with pytest.raises(QueryFailedError) as failed:
        reader.fetch(version_file, "SELECT CAST(customer AS INTEGER) FROM data", {}, LIMITS)
    assert failed.value.message == "Query: DuckDB: Conversion Error"


def test_version_files_stay_open_up_to_a_bound(tmp_path: Path) -> None:
    reader = DuckDBReader(max_open=2)
    paths = [spice_file(tmp_path / f"{n}.duckdb", SALES, SALES_ROWS).path for n in range(4)]
    for path in paths:
        assert reader.fetch(path, "SELECT count(*) FROM data", {}, LIMITS) == [(4,)]
    assert list(reader._open) == paths[2:]


def test_a_missing_version_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QueryFailedError, match="version file is missing"):
        DuckDBReader().fetch(tmp_path / "gone.duckdb", "SELECT 1", {}, LIMITS)


def test_spice_datasets_answer_with_import_mode_spice() -> None:
    assert table_data_set("x", SALES).import_mode is ImportMode.SPICE


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT content AS customer FROM read_text('/etc/hostname')",
    ],
)
def test_a_custom_sql_planned_for_duckdb_cannot_read_files(version_file: Path, text: str) -> None:
    physical = CustomSql(SOURCE_ARN, "q", text, columns(customer=S))
    data_set = table_data_set("custom", columns(customer=S), physical=physical)
    relation = dataset_relation(
        data_set, lambda _, table: custom_sql(text, "duckdb", "PhysicalTableMap.p")
    )
    rendered = render(relation, Engine.DUCKDB, {})
    with pytest.raises(QueryFailedError, match=r"Permission Error|Catalog Error"):
        DuckDBReader().fetch(version_file, rendered.sql, rendered.parameters, LIMITS)
