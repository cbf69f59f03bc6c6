"""QueryService's cache of rendered SPICE statements and their answers: a repeated query
is rendered and run once, and anything its SQL or values depend on (the version, the
viewer's rules, their column rules and tags, the query and its parameter values) makes
another statement, so a cached one (or its rows) can never answer for another viewer or
a changed dataset. A statement that asks for the time is run every time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sightgate.analytics.data.model import (
    AnonymousViewer,
    ColumnLevelPermissionRule,
    Field,
    LogicalQuery,
    Predicate,
    PredicateOperator,
    RowLevelPermissionTagConfiguration,
    Sort,
    TagRule,
    Value,
)
from sightgate.analytics.data.query import service as query_service
from sightgate.analytics.data.query.compile import Rendered, render
from sightgate.analytics.data.query.engines import DuckDBReader, RowLimitError
from sightgate.analytics.data.query.service import QueryService
from sightgate.platform.errors import AccessDeniedError, ValidationError

from .support import (
    ACCOUNT,
    Catalog,
    D,
    I,
    S,
    Table,
    columns,
    data_set_arn,
    group_arn,
    secured_sales,
    service,
    spice_data_set,
    spice_file,
    user,
)

Rows = list[tuple[Value, ...]]

SALES = columns(customer=S, region=S, units=I, revenue=D)
SALES_ROWS = [
    ("red", "EMEA", 1, 10.0),
    ("red", "US", 2, 5.0),
    ("blue", "US", 1, 20.0),
]
RULES = columns(UserName=S, GroupName=S, customer=S)
TOTALS = LogicalQuery(
    (Field("customer", "{customer}"), Field("total", "sum({revenue})")), sort=(Sort("customer"),)
)


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL of every statement a SPICE version file is asked (not answered from cache)."""
    fetched: list[str] = []
    original = DuckDBReader.fetch

    def counting(self: DuckDBReader, path: Path, sql: str, *args: Any) -> Rows:
        fetched.append(sql)
        return original(self, path, sql, *args)

    monkeypatch.setattr(DuckDBReader, "fetch", counting)
    yield fetched


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL of every statement the engine renders (not those it finds cached)."""
    rendered: list[str] = []
    original = render

    def counting(*args: Any, **kwargs: Any) -> Rendered:
        found = original(*args, **kwargs)
        rendered.append(found.sql)
        return found

    monkeypatch.setattr(query_service, "render", counting)
    yield rendered


def _catalog(tmp_path: Path, rules: list[tuple[Value, ...]], **extra: object) -> Catalog:
    catalog = Catalog()
    secured_sales(tmp_path, catalog, Table(SALES, SALES_ROWS), Table(RULES, rules), **extra)
    return catalog


def _run(engine: QueryService, catalog: Catalog, viewer: object, query: LogicalQuery) -> Rows:
    sales = catalog.by_arn(ACCOUNT, data_set_arn("sales"))
    return engine.run(viewer, sales, query).rows  # type: ignore[arg-type]


def test_a_repeated_query_is_rendered_once(tmp_path: Path, renders: list[str]) -> None:
    catalog = _catalog(tmp_path, [(None, "red-grp", "red")])
    engine = service(catalog)
    reader = user("r", "red-grp")
    first = _run(engine, catalog, reader, TOTALS)
    assert _run(engine, catalog, reader, TOTALS) == first == [("red", 15.0)]
    rules_read = 1  # the rules version, read once and indexed
    assert len(renders) == rules_read + 1


def test_a_repeated_query_is_run_once_and_its_rows_are_a_copy(
    tmp_path: Path, fetches: list[str]
) -> None:
    catalog = _catalog(tmp_path, [(None, "red-grp", "red")])
    engine = service(catalog)
    reader = user("r", "red-grp")
    first = _run(engine, catalog, reader, TOTALS)
    first.append(("changed by the caller", 0.0))
    assert _run(engine, catalog, reader, TOTALS) == [("red", 15.0)]
    assert _run(engine, catalog, reader, TOTALS) == [("red", 15.0)]
    assert len(fetches) == 1 + 1  # the rules version, then the query once


def test_a_statement_asking_for_the_time_is_run_every_time(
    tmp_path: Path, fetches: list[str]
) -> None:
    catalog = _catalog(tmp_path, [(None, "red-grp", "red")])
    engine = service(catalog)
    reader = user("r", "red-grp")
    query = LogicalQuery((Field("at", "now()"), Field("total", "sum({revenue})")))
    first, second = (_run(engine, catalog, reader, query) for _ in range(2))
    assert first[0][1] == second[0][1] == 15.0
    assert len(fetches) == 1 + 2


def test_long_answers_and_errors_are_not_kept(
    tmp_path: Path, fetches: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = _catalog(tmp_path, [(None, "all-grp", None)])
    engine = service(catalog)
    reader = user("a", "all-grp")
    monkeypatch.setattr(query_service, "RESULT_CACHE_ROWS", 1)
    assert len(_run(engine, catalog, reader, TOTALS)) == 2
    assert len(_run(engine, catalog, reader, TOTALS)) == 2
    assert len(fetches) == 1 + 2
    monkeypatch.setattr(engine, "limits", replace(engine.limits, row_limit=1))
    unlimited = LogicalQuery((Field("customer", "{customer}"),))
    for _ in range(2):
        with pytest.raises(RowLimitError):
            _run(engine, catalog, reader, unlimited)
    assert len(fetches) == 1 + 2 + 2


def test_another_viewer_with_other_rules_gets_their_own_answer(
    tmp_path: Path, renders: list[str]
) -> None:
    catalog = _catalog(tmp_path, [(None, "red-grp", "red"), (None, "blue-grp", "blue")])
    engine = service(catalog)
    assert _run(engine, catalog, user("r", "red-grp"), TOTALS) == [("red", 15.0)]
    assert _run(engine, catalog, user("b", "blue-grp"), TOTALS) == [("blue", 20.0)]
    assert _run(engine, catalog, user("n"), TOTALS) == []
    assert _run(engine, catalog, user("r", "red-grp"), TOTALS) == [("red", 15.0)]
    # viewers whose rules are the same share a statement: its SQL and values are equal
    assert _run(engine, catalog, user("r2", "red-grp"), TOTALS) == [("red", 15.0)]
    assert len(renders) == 1 + 3


def test_a_changed_rule_and_a_membership_change_apply_at_once(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, [(None, "red-grp", "red")])
    engine = service(catalog)
    reader = user("r", "red-grp")
    assert _run(engine, catalog, reader, TOTALS) == [("red", 15.0)]
    rules = catalog.by_arn(ACCOUNT, data_set_arn("rules"))
    version = spice_file(tmp_path / "rules-2.duckdb", RULES, [(None, "red-grp", "blue")])
    catalog.add(replace(rules, spice_version=replace(version, number=2)))
    assert _run(engine, catalog, reader, TOTALS) == [("blue", 20.0)]
    assert _run(engine, catalog, user("r"), TOTALS) == []  # left the group


def test_a_new_dataset_version_is_read_at_once(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, [(None, "red-grp", "red")])
    engine = service(catalog)
    reader = user("r", "red-grp")
    assert _run(engine, catalog, reader, TOTALS) == [("red", 15.0)]
    sales = catalog.by_arn(ACCOUNT, data_set_arn("sales"))
    version = spice_file(tmp_path / "sales-2.duckdb", SALES, [("red", "US", 1, 1.0)])
    catalog.add(replace(sales, spice_version=replace(version, number=2)))
    assert _run(engine, catalog, reader, TOTALS) == [("red", 1.0)]


def test_parameter_and_predicate_values_are_part_of_the_key(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, [(None, "all-grp", None)])
    engine = service(catalog)
    reader = user("a", "all-grp")

    def above(value: Value) -> Rows:
        query = replace(TOTALS, conditions=("{units} >= ${Min}",), parameters={"Min": value})
        return _run(engine, catalog, reader, query)

    assert above(2) == [("red", 5.0)]
    assert above(1) == [("blue", 20.0), ("red", 15.0)]
    assert above(2) == [("red", 5.0)]

    def in_region(*regions: Value) -> Rows:
        predicate = Predicate("{region}", PredicateOperator.IN, regions)
        return _run(engine, catalog, reader, replace(TOTALS, predicates=(predicate,)))

    assert in_region("EMEA") == [("red", 10.0)]
    assert in_region("US") == [("blue", 20.0), ("red", 5.0)]
    assert in_region("EMEA", "US") == [("blue", 20.0), ("red", 15.0)]


def test_values_python_finds_equal_are_different_keys() -> None:
    """1, 1.0 and True are equal (and hash alike) in Python but bind differently."""
    keys = {
        query_service._query_key(replace(TOTALS, parameters={"P": value}))
        for value in (1, 1.0, True, "1", (1,), None)
    }
    assert len(keys) == 6


def test_column_rules_count_at_every_query(tmp_path: Path) -> None:
    catalog = _catalog(
        tmp_path,
        [(None, "all-grp", None)],
        column_level_permission_rules=(
            ColumnLevelPermissionRule((group_arn("finance"),), ("revenue",)),
        ),
    )
    engine = service(catalog)
    assert _run(engine, catalog, user("f", "all-grp", "finance"), TOTALS) == [
        ("blue", 20.0),
        ("red", 15.0),
    ]
    with pytest.raises(ValidationError, match="revenue"):
        _run(engine, catalog, user("a", "all-grp"), TOTALS)


def test_tags_are_part_of_the_key(tmp_path: Path) -> None:
    catalog = Catalog()
    sales = spice_data_set(
        tmp_path,
        "sales",
        SALES,
        SALES_ROWS,
        row_level_permission_tag_configuration=RowLevelPermissionTagConfiguration(
            (TagRule("customer", "customer"),)
        ),
    )
    catalog.add(sales)
    engine = service(catalog)

    def tagged(customer: str) -> Rows:
        return _run(
            engine, catalog, AnonymousViewer(ACCOUNT, "default", {"customer": customer}), TOTALS
        )

    assert tagged("red") == [("red", 15.0)]
    assert tagged("blue") == [("blue", 20.0)]
    assert tagged("red") == [("red", 15.0)]


def test_a_cached_statement_does_not_skip_the_viewer_check(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, [(None, "red-grp", "red")])
    engine = service(catalog)
    assert _run(engine, catalog, user("r", "red-grp"), TOTALS) == [("red", 15.0)]
    with pytest.raises(AccessDeniedError):
        _run(engine, catalog, user("r", "red-grp", allowed=False), TOTALS)
