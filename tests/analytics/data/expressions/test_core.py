"""Operators, literals, references and the conditional functions, run on both engines."""

from __future__ import annotations

import pytest

from .conftest import Engine


def test_arithmetic_follows_pemdas_and_divides_as_floating_point(engine: Engine) -> None:
    assert engine.value("1 + 2 * 3 - (4 - 5)") == 8
    assert engine.value("(5 + 7) * 3") == 36
    assert engine.value("3/2") == 1.5
    assert engine.value("2 ^ 3 ^ 2") == 512  # right-associative
    assert engine.value("-2 ^ 2") == -4  # the exponent before the sign
    assert engine.value("7 % 3") == 1
    assert engine.value("-7 % 3") == -1
    assert engine.value("1 / 0") is None


def test_columns_and_operators_per_row(engine: Engine) -> None:
    assert engine.select("{qty} * 2") == [6, 10, None, 4, 16]
    assert engine.select("{revenue} / {qty}") == [3.5, 4.0, None, None, 12.5]
    assert engine.select("{Order Date} = d") == [True] * 5
    assert engine.select("qty > 2 AND NOT flag") == [False, True, False, False, True]
    assert engine.select("qty > 2 or region = 'west'") == [True, True, True, True, True]
    assert engine.select("region <> 'east'") == [False, False, True, True, True]
    assert engine.select("region != 'east'") == [False, False, True, True, True]


def test_string_literals_are_data(engine: Engine) -> None:
    assert engine.select("name = 'O\\'Reilly'") == [True, False, False, False, False]
    assert engine.select('name = "O\'Reilly"') == [True, False, False, False, False]
    injection = "'x''); DROP TABLE t; --'"
    assert engine.value(f'concat("{injection}", "")') == injection
    assert engine.select("region")[0] == "east"  # the table is still there


def test_parameters_are_placeholders(engine: Engine) -> None:
    rows = engine.select(
        "ifelse(region = ${Region} AND qty > $Threshold, 'hit', 'miss')",
        parameters={"Region": "east", "Threshold": 4},
    )
    assert rows == ["miss", "hit", "miss", "miss", "miss"]


CONDITIONAL_CASES: list[tuple[str, list[object]]] = [
    ("ifelse(qty > 4, 'high', qty > 2, 'mid', 'low')", ["mid", "high", "low", "low", "high"]),
    ("ifelse(isNull(qty), 0, qty)", [3, 5, 0, 2, 8]),
    ("switch(region, 'east', 1, 'west', 2, 0)", [1, 1, 2, 2, 0]),
    ("in(region, ['east', 'north'])", [True, True, False, False, True]),
    ("notIn(region, ['east', 'north'])", [False, False, True, True, False]),
    ("in(qty, [3, 8])", [True, False, None, False, True]),
    ("isNull(revenue)", [False, False, False, True, False]),
    ("isNotNull(revenue)", [True, True, True, False, True]),
    ("coalesce(qty, 0) + 1", [4, 6, 1, 3, 9]),
    ("coalesce(revenue, qty, -1)", [10.5, 20.0, 7.25, 2.0, 100.0]),
    ("nullIf(region, 'east')", [None, None, "west", "west", "north"]),
    ("in(d, ['2024-03-31 23:59:59', '2023-12-31'])", [False, True, True, False, False]),
    ("d > '2024-02-01'", [False, True, False, True, True]),
    ("ifelse(flag, 1, NULL)", [1, None, 1, None, None]),
    ("TRUE AND flag", [True, False, True, None, False]),
]


@pytest.mark.parametrize(("text", "expected"), CONDITIONAL_CASES)
def test_conditionals(engine: Engine, text: str, expected: list[object]) -> None:
    assert engine.select(text) == expected
