"""Every supported function, compiled, rendered and run on DuckDB and PostgreSQL (inline
and with bound literals) against table ``t`` of conftest.py, with hand-computed results."""

from __future__ import annotations

import re
from datetime import datetime as dt
from typing import Any

import pytest

from sightgate.analytics.data.expressions import FUNCTIONS

from .conftest import Engine
from .test_core import CONDITIONAL_CASES

F, T = False, True

ROW_CASES: list[tuple[str, list[Any]]] = [
    # strings
    (
        "concat(region, '-', name)",
        ["east-O'Reilly", "east-Alpha Beta", "west-gamma", "west-Delta%_x", "north-a|b|c"],
    ),
    ("contains(name, 'a')", [F, T, T, T, T]),
    ("contains(name, 'ALPHA', CASE_INSENSITIVE)", [F, T, F, F, F]),
    ("contains(name, 'alpha', CASE_SENSITIVE)", [F, F, F, F, F]),
    ("contains(name, '%')", [F, F, F, T, F]),
    ("contains(name, '_')", [F, F, F, T, F]),
    ("startsWith(name, 'Al')", [F, T, F, F, F]),
    ("startsWith(name, 'o\\'r', CASE_INSENSITIVE)", [T, F, F, F, F]),
    ("endsWith(name, 'x')", [F, F, F, T, F]),
    ("locate(name, 'a')", [0, 5, 2, 5, 1]),
    ("locate(name, 'a', 3)", [0, 5, 5, 5, 0]),
    ("split(name, '|', 2)", ["", "", "", "", "b"]),
    ("split('one|two|three', '|', 3)", ["three"] * 5),
    ("replace(name, 'a', 'A')", ["O'Reilly", "AlphA BetA", "gAmmA", "DeltA%_x", "A|b|c"]),
    ("substring(name, 2, 3)", ["'Re", "lph", "amm", "elt", "|b|"]),
    ("strlen(name)", [8, 10, 5, 8, 5]),
    ("toUpper(region)", ["EAST", "EAST", "WEST", "WEST", "NORTH"]),
    ("toLower(name)", ["o'reilly", "alpha beta", "gamma", "delta%_x", "a|b|c"]),
    ("trim(code)", ["2.99", "2a", "-7", None, "42"]),
    ("ltrim(code)", ["2.99", "2a", "-7", None, "42 "]),
    ("rtrim(code)", ["2.99", "2a", "-7", None, " 42"]),
    ("left(name, 2)", ["O'", "Al", "ga", "De", "a|"]),
    ("right(name, 2)", ["ly", "ta", "ma", "_x", "|c"]),
    ("toString(qty)", ["3", "5", None, "2", "8"]),
    ("toString(flag)", ["true", "false", "true", None, "false"]),
    (
        "toString(d)",
        [
            "2024-01-15 10:30:45.123",
            "2024-03-31 23:59:59",
            "2023-12-31 00:00:00",
            "2024-02-29 12:00:00",
            "2024-07-04 06:07:08",
        ],
    ),
    ("parseInt(code)", [2, None, -7, None, 42]),
    ("parseDecimal(code)", [2.99, None, -7.0, None, 42.0]),
    # numbers
    ("abs(-qty)", [3, 5, None, 2, 8]),
    ("ceil(revenue / 4)", [3, 5, 2, None, 25]),
    ("floor(revenue / 4)", [2, 5, 1, None, 25]),
    ("round(revenue / 3, 2)", [3.5, 6.67, 2.42, None, 33.33]),
    ("round(revenue)", [11.0, 20.0, 7.0, None, 100.0]),
    ("power(qty, 2)", [9.0, 25.0, None, 4.0, 64.0]),
    ("sqrt(qty)", [1.732051, 2.236068, None, 1.414214, 2.828427]),
    ("sqrt(qty - 4)", [None, 1.0, None, None, 2.0]),
    ("log(qty * 10)", [1.477121, 1.69897, None, 1.30103, 1.90309]),
    ("ln(qty - 2)", [0.0, 1.098612, None, None, 1.791759]),
    ("exp(qty - qty)", [1.0, 1.0, None, 1.0, 1.0]),
    ("mod(qty, 3)", [0, 2, None, 2, 2]),
    ("mod(revenue, 3)", [1.5, 2.0, 1.25, None, 1.0]),
    ("mod(qty, qty - qty)", [None] * 5),
    # dates
    (
        "truncDate('YYYY', d)",
        [dt(2024, 1, 1), dt(2024, 1, 1), dt(2023, 1, 1), dt(2024, 1, 1), dt(2024, 1, 1)],
    ),
    (
        "truncDate('Q', d)",
        [dt(2024, 1, 1), dt(2024, 1, 1), dt(2023, 10, 1), dt(2024, 1, 1), dt(2024, 7, 1)],
    ),
    (
        "truncDate('MM', d)",
        [dt(2024, 1, 1), dt(2024, 3, 1), dt(2023, 12, 1), dt(2024, 2, 1), dt(2024, 7, 1)],
    ),
    (
        "truncDate('WK', d)",
        [dt(2024, 1, 14), dt(2024, 3, 31), dt(2023, 12, 31), dt(2024, 2, 25), dt(2024, 6, 30)],
    ),
    (
        "truncDate('DD', d)",
        [dt(2024, 1, 15), dt(2024, 3, 31), dt(2023, 12, 31), dt(2024, 2, 29), dt(2024, 7, 4)],
    ),
    ("truncDate('HH', d) = addDateTime(extract('HH', d), 'HH', truncDate('DD', d))", [T] * 5),
    ("truncDate('MS', d) = d", [T] * 5),
    ("dateDiff(d, truncDate('DD', d), 'HH')", [-10, -23, 0, -12, -6]),
    ("dateDiff(truncDate('HH', d), d, 'MI')", [30, 59, 0, 0, 7]),
    ("dateDiff(truncDate('MI', d), d, 'SS')", [45, 59, 0, 0, 8]),
    ("dateDiff(truncDate('SS', d), d, 'MS')", [123, 0, 0, 0, 0]),
    (
        "addDateTime(-2, 'YYYY', d)",
        [
            dt(2022, 1, 15, 10, 30, 45, 123000),
            dt(2022, 3, 31, 23, 59, 59),
            dt(2021, 12, 31),
            dt(2022, 2, 28, 12),
            dt(2022, 7, 4, 6, 7, 8),
        ],
    ),
    (
        "addDateTime(1, 'MM', d)",
        [
            dt(2024, 2, 15, 10, 30, 45, 123000),
            dt(2024, 4, 30, 23, 59, 59),
            dt(2024, 1, 31),
            dt(2024, 3, 29, 12),
            dt(2024, 8, 4, 6, 7, 8),
        ],
    ),
    (
        "addDateTime(qty, 'DD', truncDate('DD', d))",
        [dt(2024, 1, 18), dt(2024, 4, 5), None, dt(2024, 3, 2), dt(2024, 7, 12)],
    ),
    ("extract('YYYY', d)", [2024, 2024, 2023, 2024, 2024]),
    ("extract('Q', d)", [1, 1, 4, 1, 3]),
    ("extract('MM', d)", [1, 3, 12, 2, 7]),
    ("extract('DD', d)", [15, 31, 31, 29, 4]),
    ("extract('WD', d)", [2, 1, 1, 5, 5]),
    ("extract('HH', d)", [10, 23, 0, 12, 6]),
    ("extract('MI', d)", [30, 59, 0, 0, 7]),
    ("extract('SS', d)", [45, 59, 0, 0, 8]),
    ("extract('MS', d)", [123, 0, 0, 0, 0]),
    (
        "formatDate(d, 'dd-MMM-yyyy')",
        ["15-Jan-2024", "31-Mar-2024", "31-Dec-2023", "29-Feb-2024", "04-Jul-2024"],
    ),
    (
        "formatDate(d)",
        [
            "2024-01-15T10:30:45:123",
            "2024-03-31T23:59:59:000",
            "2023-12-31T24:00:00:000",
            "2024-02-29T12:00:00:000",
            "2024-07-04T06:07:08:000",
        ],
    ),
    (
        "formatDate(d, 'yyyy/M/d H:m:s.S')",
        [
            "2024/1/15 10:30:45.1",
            "2024/3/31 23:59:59.0",
            "2023/12/31 0:0:0.0",
            "2024/2/29 12:0:0.0",
            "2024/7/4 6:7:8.0",
        ],
    ),
    (
        "formatDate(d, \"yyyyMMdd'T'HHmmss\")",
        [
            "20240115T103045",
            "20240331T235959",
            "20231231T000000",
            "20240229T120000",
            "20240704T060708",
        ],
    ),
    (
        "formatDate(d, 'MMMM yy, EEE')",
        [
            "January 24, Mon",
            "March 24, Sun",
            "December 23, Sun",
            "February 24, Thu",
            "July 24, Thu",
        ],
    ),
    (
        "formatDate(d, 'EEEE hh:mm a')",
        [
            "Monday 10:30 AM",
            "Sunday 11:59 PM",
            "Sunday 12:00 AM",
            "Thursday 12:00 PM",
            "Thursday 06:07 AM",
        ],
    ),
    ("formatDate(d, \"'o''clock'\")", ["o'clock"] * 5),
    ("parseDate(formatDate(d, 'yyyyMMddHHmmssSSS'), 'yyyyMMddHHmmssSSS') = d", [T] * 5),
    ("parseDate(code)", [None] * 5),
    ("dateDiff(parseDate(formatDate(d, 'dd/MM/yyyy'), 'dd/MM/yyyy'), d, 'DD')", [0] * 5),
]

VALUE_CASES: list[tuple[str, Any]] = [
    ("dateDiff(parseDate('2018-01-01'), parseDate('2018-03-05'), 'MM')", 2),
    ("dateDiff(parseDate('2017-09-13'), parseDate('2017-10-20'), 'MM')", 1),
    ("dateDiff(parseDate('2024-01-31'), parseDate('2024-02-01'), 'MM')", 1),
    ("dateDiff(parseDate('2024-01-31'), parseDate('2024-02-01'))", 1),
    ("dateDiff(parseDate('2024-03-10'), parseDate('2024-03-01'))", -9),
    ("dateDiff(parseDate('2024-12-31'), parseDate('2025-01-01'), 'YYYY')", 1),
    ("dateDiff(parseDate('2024-12-31'), parseDate('2025-01-01'), 'Q')", 1),
    ("dateDiff(parseDate('2024-01-06'), parseDate('2024-01-07'), 'WK')", 1),
    ("dateDiff(parseDate('2024-01-07'), parseDate('2024-01-13'), 'WK')", 0),
    ("addDateTime(1, 'MM', parseDate('2024-01-31'))", dt(2024, 2, 29)),
    ("addDateTime(1, 'Q', parseDate('2024-11-30'))", dt(2025, 2, 28)),
    ("addDateTime(2, 'WK', parseDate('2024-01-01'))", dt(2024, 1, 15)),
    (
        "addDateTime(20, 'MI', parseDate('12/28/2016 06:45', 'MM/dd/yyyy HH:mm'))",
        dt(2016, 12, 28, 7, 5),
    ),
    ("addDateTime(30, 'SS', parseDate('2024-01-01'))", dt(2024, 1, 1, 0, 0, 30)),
    ("addDateTime(500, 'MS', parseDate('2024-01-01'))", dt(2024, 1, 1, 0, 0, 0, 500000)),
    ("addDateTime(-4, 'HH', parseDate('2024-01-01'))", dt(2023, 12, 31, 20)),
    ("parseDate('7/4/2010', 'MM/dd/yyyy')", dt(2010, 7, 4)),
    ("parseDate('12/31/2006', 'MM/dd/yyyy')", dt(2006, 12, 31)),
    ("parseDate('01-01-1999', 'MM/dd/yyyy')", None),
    ("parseDate('2/30/2020', 'MM/dd/yyyy')", None),
    ("parseDate('13/01/2020', 'MM/dd/yyyy')", None),
    ("parseDate('2024-02-29')", dt(2024, 2, 29)),
    ("parseDate('2023-02-29')", None),
    ("parseDate('15-Jan-24', 'dd-MMM-yy')", dt(2024, 1, 15)),
    (
        "parseDate('15 JANUARY 2024 10:30:45.123', 'dd MMMM yyyy HH:mm:ss.SSS')",
        dt(2024, 1, 15, 10, 30, 45, 123000),
    ),
    ("parseDate('2024-01-01 24:00', 'yyyy-MM-dd HH:mm')", None),
    ("dateDiff(now(), now())", 0),
    ("now() > parseDate('2024-01-01')", True),
    ("round(2.5)", 3.0),
    ("round(-2.5)", -3.0),
    ("round(1.23456789, 4)", 1.2346),
    ("log(100)", 2.0),
    ("log(0)", None),
    ("mod(-7, 3)", -1),
    ("mod(5, 0)", None),
    ("parseInt('2.99')", 2),
    ("parseInt('2a')", None),
    ("parseDecimal('1e3')", 1000.0),
]

AGGREGATE_CASES: list[tuple[str, Any]] = [
    ("sum(qty)", 18),
    ("avg(qty)", 4.5),
    ("count(qty)", 4),
    ("count(flag)", 4),
    ("distinct_count(region)", 3),
    ("min(revenue)", 7.25),
    ("max(d)", dt(2024, 7, 4, 6, 7, 8)),
    ("min(region)", "east"),
    ("median(revenue)", 15.25),
    ("percentile(qty, 50)", 3),
    ("percentileDisc(qty, 75)", 5),
    ("percentileCont(qty, 50)", 4.0),
    ("sumIf(qty, region = 'east')", 8),
    ("countIf(qty, flag)", 1),
    ("avgIf(revenue, region = 'west')", 7.25),
    ("minIf(qty, region = 'east')", 3),
    ("maxIf(qty, region = 'east')", 5),
    ("distinct_countIf(region, qty > 2)", 2),
    ("medianIf(qty, region = 'east')", 4.0),
    ("sum(revenue) / count(revenue)", 34.4375),
    ("ifelse(sum(qty) > 10, 'many', 'few')", "many"),
]

# grouped by region: east (qty 3, 5), north (8), west (NULL, 2)
GROUP_CASES: list[tuple[str, list[Any]]] = [
    ("sumOver(sum(qty), [])", [18, 18, 18]),
    ("sumOver(sum(qty), [region], POST_AGG_FILTER)", [8, 8, 2]),
    ("avgOver(sum(qty))", [6.0, 6.0, 6.0]),
    ("countOver(sum(qty))", [3, 3, 3]),
    ("minOver(sum(qty))", [2, 2, 2]),
    ("maxOver(sum(qty))", [8, 8, 8]),
    ("distinctCountOver(sum(qty))", [2, 2, 2]),
    ("distinctCountOver(sumIf(qty, region = 'north'))", [1, 1, 1]),
    ("percentOfTotal(sum(qty))", [44.444444, 44.444444, 11.111111]),
    ("percentOfTotal(sum(qty), [region])", [100.0, 100.0, 100.0]),
    ("runningSum(sum(qty), [region ASC])", [8, 16, 18]),
    ("runningSum(sum(qty), [region DESC])", [18, 10, 2]),
    ("runningAvg(sum(qty), [region ASC])", [8.0, 8.0, 6.0]),
    ("runningCount(sum(qty), [region ASC])", [1, 2, 3]),
    ("runningMin(sum(qty), [region DESC])", [2, 2, 2]),
    ("runningMax(sum(qty), [region ASC])", [8, 8, 8]),
    ("rank([sum(qty) DESC])", [1, 1, 3]),
    ("rank([region DESC])", [3, 2, 1]),
    ("denseRank([count(qty) DESC])", [1, 2, 2]),
    ("difference(sum(qty), [region ASC], 1)", [0, -6, None]),
    ("difference(sum(qty), [region ASC], -1)", [None, 0, 6]),
    ("percentDifference(sum(qty), [region ASC], -1)", [None, 0.0, -75.0]),
    ("lag(sum(qty), [region ASC], 1)", [None, 8, 8]),
    ("lead(max(name), [region ASC], 1)", ["a|b|c", "gamma", None]),
    ("sum(qty) - lag(sum(qty), [region ASC], 1)", [None, 0, -6]),
]


@pytest.mark.parametrize(("text", "expected"), ROW_CASES)
def test_row_level_functions(engine: Engine, text: str, expected: list[Any]) -> None:
    assert engine.select(text) == expected


@pytest.mark.parametrize(("text", "expected"), VALUE_CASES)
def test_constant_functions(engine: Engine, text: str, expected: Any) -> None:
    assert engine.value(text) == expected


@pytest.mark.parametrize(("text", "expected"), AGGREGATE_CASES)
def test_aggregates(engine: Engine, text: str, expected: Any) -> None:
    assert engine.select(text) == [expected]


@pytest.mark.parametrize(("text", "expected"), GROUP_CASES)
def test_table_calculations(engine: Engine, text: str, expected: list[Any]) -> None:
    assert engine.select(text, group_by="region") == expected


def test_every_function_is_run_above() -> None:
    texts = [
        case[0]
        for case in (*CONDITIONAL_CASES, *ROW_CASES, *VALUE_CASES, *AGGREGATE_CASES, *GROUP_CASES)
    ]
    called = {name for text in texts for name in re.findall(r"(\w+)\(", text)}
    assert set(FUNCTIONS) - called == set()
