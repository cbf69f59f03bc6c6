"""Row-level security against a plain Python reading of AWS's rules, on generated rules
datasets (users, groups, NULL and empty cells, comma lists, several rows per principal,
both policies, both format versions), memberships and data: the engine's rows must be the
reference's, on DuckDB (SPICE) and on PostgreSQL (DIRECT_QUERY)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sightgate.analytics.data.model import (
    Column,
    DataSet,
    Field,
    FormatVersion,
    ImportMode,
    LogicalQuery,
    PermissionPolicy,
    RowLevelPermissionDataSet,
)
from sightgate.analytics.data.query.service import QueryService

from .conftest import READER, ScratchDatabase
from .support import (
    SOURCE_ARN,
    Catalog,
    I,
    S,
    columns,
    group_arn,
    service,
    spice_data_set,
    table_data_set,
    user,
    user_arn,
)

USERS = ("ann", "bob")
GROUPS = ("red", "all staff")
REGIONS = ("EMEA", "US", "a b", "", "O'Reilly")
SEGMENTS = ("SMB", "Retail", "x'); DROP TABLE prop_data; --")
DATA = columns(id=I, region=S, segment=S)
QUERY = LogicalQuery((Field("id", "{id}"),))

Cell = str | None


@dataclass(frozen=True)
class Rule:
    user: str | None
    group: str | None
    region: Cell
    segment: Cell


def _cells(values: Sequence[str]) -> st.SearchStrategy[Cell]:
    """Mostly values (so rules on several columns, which the engine merges, are common),
    sometimes NULL or empty."""
    listed = st.lists(st.sampled_from(values), min_size=1, max_size=3).map(",".join)
    return st.one_of(st.sampled_from(values), listed, st.none(), st.just(""))


rules_strategy = st.lists(
    st.builds(
        Rule,
        user=st.one_of(st.none(), st.sampled_from(USERS)),
        group=st.one_of(st.none(), st.sampled_from(GROUPS)),
        region=_cells(REGIONS),
        segment=_cells(SEGMENTS),
    ),
    min_size=2,
    max_size=16,
)
data_strategy = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(REGIONS)),
        st.one_of(st.none(), st.sampled_from(SEGMENTS)),
    ),
    min_size=1,
    max_size=15,
)
viewer_strategy = st.tuples(st.sampled_from(USERS), st.sets(st.sampled_from(GROUPS)))


def reference(
    rules: Sequence[Rule],
    data: Sequence[tuple[Cell, Cell]],
    name: str,
    groups: set[str],
    policy: PermissionPolicy,
) -> list[int]:
    """The ids of the rows ``name`` in ``groups`` sees, read straight from the docs."""

    def mine(rule: Rule) -> bool:
        return (rule.user is not None and rule.user == name) or (
            rule.group is not None and rule.group in groups
        )

    def allows(cell: Cell, value: Cell) -> bool:
        return not cell or (value is not None and value in cell.split(","))

    def matches(rule: Rule, row: tuple[Cell, Cell]) -> bool:
        return allows(rule.region, row[0]) and allows(rule.segment, row[1])

    applicable = [rule for rule in rules if mine(rule)]
    seen = []
    for id_, row in enumerate(data):
        matched = any(matches(rule, row) for rule in applicable)
        if matched if policy is PermissionPolicy.GRANT_ACCESS else not matched:
            seen.append(id_)
    return seen


def _principal_cells(rule: Rule, version: FormatVersion) -> tuple[str | None, str | None]:
    if version is FormatVersion.VERSION_1:
        return rule.user, rule.group
    return (
        user_arn(rule.user) if rule.user else None,
        group_arn(rule.group) if rule.group else None,
    )


def _rules_columns(version: FormatVersion) -> tuple[Column, ...]:
    if version is FormatVersion.VERSION_1:
        return columns(UserName=S, GroupName=S, region=S, segment=S)
    return columns(UserARN=S, GroupARN=S, region=S, segment=S)


def _check(
    engine: QueryService,
    data_set: DataSet,
    rules: Sequence[Rule],
    data: Sequence[tuple[Cell, Cell]],
    viewer: tuple[str, set[str]],
    policy: PermissionPolicy,
) -> None:
    name, groups = viewer
    rows = engine.run(user(name, *sorted(groups)), data_set, QUERY).rows
    assert sorted(int(str(r[0])) for r in rows) == reference(rules, data, name, groups, policy)


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_files = itertools.count()


@SETTINGS
@given(
    rules=rules_strategy,
    data=data_strategy,
    viewer=viewer_strategy,
    policy=st.sampled_from(PermissionPolicy),
    version=st.sampled_from(FormatVersion),
)
def test_spice_rows_equal_the_reference(
    tmp_path_factory: pytest.TempPathFactory,
    rules: list[Rule],
    data: list[tuple[Cell, Cell]],
    viewer: tuple[str, set[str]],
    policy: PermissionPolicy,
    version: FormatVersion,
) -> None:
    directory = tmp_path_factory.mktemp(f"prop{next(_files)}")
    rules_set = spice_data_set(
        directory,
        "rules",
        _rules_columns(version),
        [(*_principal_cells(r, version), r.region, r.segment) for r in rules],
    )
    rls = RowLevelPermissionDataSet(rules_set.arn, policy, version)
    data_set = spice_data_set(
        directory,
        "data",
        DATA,
        [(id_, *row) for id_, row in enumerate(data)],
        row_level_permission_data_set=rls,
    )
    catalog = Catalog()
    catalog.add(rules_set, data_set)
    _check(service(catalog), data_set, rules, data, viewer, policy)


@pytest.fixture(scope="module")
def prop_pg(
    scratch_pg: ScratchDatabase,
) -> Iterator[tuple[ScratchDatabase, psycopg.Connection[tuple[object, ...]]]]:
    conn = psycopg.connect(scratch_pg.admin, autocommit=True)
    conn.execute(
        """
        CREATE TABLE prop_data (id BIGINT, region TEXT, segment TEXT);
        CREATE TABLE prop_rules_v1 ("UserName" TEXT, "GroupName" TEXT, region TEXT, segment TEXT);
        CREATE TABLE prop_rules_v2 ("UserARN" TEXT, "GroupARN" TEXT, region TEXT, segment TEXT);
        """
    )
    conn.execute(f"GRANT SELECT ON prop_data, prop_rules_v1, prop_rules_v2 TO {READER}")
    yield scratch_pg, conn
    conn.close()


@SETTINGS
@given(
    rules=rules_strategy,
    data=data_strategy,
    viewer=viewer_strategy,
    policy=st.sampled_from(PermissionPolicy),
    version=st.sampled_from(FormatVersion),
)
def test_direct_query_rows_equal_the_reference(
    prop_pg: tuple[ScratchDatabase, psycopg.Connection[tuple[object, ...]]],
    rules: list[Rule],
    data: list[tuple[Cell, Cell]],
    viewer: tuple[str, set[str]],
    policy: PermissionPolicy,
    version: FormatVersion,
) -> None:
    pg, conn = prop_pg
    rules_table = "prop_rules_v1" if version is FormatVersion.VERSION_1 else "prop_rules_v2"
    with conn.transaction():
        conn.execute("TRUNCATE prop_data, prop_rules_v1, prop_rules_v2")
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO prop_data VALUES (%s, %s, %s)",
                [(id_, *row) for id_, row in enumerate(data)],
            )
            cursor.executemany(
                f"INSERT INTO {rules_table} VALUES (%s, %s, %s, %s)",  # noqa: S608 (our name)
                [(*_principal_cells(r, version), r.region, r.segment) for r in rules],
            )
    rules_set = table_data_set(
        "rules",
        _rules_columns(version),
        mode=ImportMode.DIRECT_QUERY,
        table=rules_table,
    )
    data_set = table_data_set(
        "data",
        DATA,
        mode=ImportMode.DIRECT_QUERY,
        table="prop_data",
        row_level_permission_data_set=RowLevelPermissionDataSet(rules_set.arn, policy, version),
    )
    catalog = Catalog(sources={SOURCE_ARN: pg.reader})
    catalog.add(rules_set, data_set)
    engine = service(catalog)
    try:
        _check(engine, data_set, rules, data, viewer, policy)
    finally:
        engine.postgres.close()
    assert conn.execute("SELECT count(*) FROM prop_data").fetchone() == (len(data),)


def test_the_reference_reads_the_documented_example() -> None:
    rules = [
        Rule("JaneDoe", None, "EMEA", "Healthcare"),
        Rule("JaneDoe", None, "EMEA", ""),
        Rule("MrCEO", None, None, None),
    ]
    data: list[tuple[Cell, Cell]] = [("EMEA", "Healthcare"), ("EMEA", "SMB"), ("US", "SMB")]
    grant = PermissionPolicy.GRANT_ACCESS
    assert reference(rules, data, "JaneDoe", set(), grant) == [0, 1]
    assert reference(rules, data, "MrCEO", set(), grant) == [0, 1, 2]
    assert reference(rules, data, "nobody", set(), grant) == []
    assert reference(rules, data, "nobody", set(), PermissionPolicy.DENY_ACCESS) == [0, 1, 2]
