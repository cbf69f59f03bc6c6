"""Date functions with QuickSight's period codes. Weeks start on Sunday; dateDiff counts
the period boundaries between two dates (dateDiff of 31 Jan and 1 Feb in 'MM' is 1);
every part is computed from EXTRACT and DATE_TRUNC so both engines agree."""

from __future__ import annotations

from sqlglot import exp

from ...model import ColumnType
from ..registry import Call, Family
from ..typed import Typed, derive, sql_type, wrap
from . import patterns

family = Family("Date")
DATETIME = {ColumnType.DATETIME}
STRING = {ColumnType.STRING}
INTEGERS = {ColumnType.INTEGER, ColumnType.BIT}

PERIODS = ("YYYY", "Q", "MM", "WK", "DD", "HH", "MI", "SS", "MS")
_TRUNC_UNITS = {
    "YYYY": "YEAR",
    "Q": "QUARTER",
    "MM": "MONTH",
    "DD": "DAY",
    "HH": "HOUR",
    "MI": "MINUTE",
    "SS": "SECOND",
    "MS": "MILLISECOND",
}
_SECONDS = {"DD": 86400, "HH": 3600, "MI": 60, "SS": 1}


def number(value: int) -> exp.Expression:
    return exp.Literal.number(value)


def timestamp(node: exp.Expression) -> exp.Expression:
    """A DATETIME value as a timestamp without time zone (a DATE column, a parameter)."""
    return exp.Cast(this=node, to=sql_type("TIMESTAMP"))


def bigint(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=sql_type("BIGINT"))


def part(unit: str, node: exp.Expression) -> exp.Expression:
    """EXTRACT(unit FROM node) as a whole number (PostgreSQL's is numeric, with fractions
    of seconds)."""
    return bigint(exp.Floor(this=exp.Extract(this=exp.var(unit), expression=node)))


def add(node: exp.Expression, amount: exp.Expression, unit: str) -> exp.Expression:
    return exp.DateAdd(this=node, expression=amount, unit=exp.var(unit))


def truncate(period: str, node: exp.Expression) -> exp.Expression:
    """The start of ``period`` containing ``node``; a week starts on Sunday."""
    if period == "WK":  # DATE_TRUNC's weeks start on Monday: shift by a day and back
        monday = exp.TimestampTrunc(this=add(node, number(1), "DAY"), unit=exp.var("WEEK"))
        return add(monday, number(-1), "DAY")
    return exp.TimestampTrunc(this=node, unit=exp.var(_TRUNC_UNITS[period]))


def _period(call: Call, index: int) -> str:
    return call.keyword(index, "period", PERIODS)


@family("now", "now()", "DATETIME", "The current date and time in UTC.")
def _now(call: Call) -> Typed:
    call.arity(0, 0)
    node = timestamp(exp.AtTimeZone(this=exp.CurrentTimestamp(), zone=exp.Literal.string("UTC")))
    return derive(call.field, node, ColumnType.DATETIME, call.position, [])


@family(
    "truncDate",
    "truncDate(period, date)",
    "DATETIME",
    "The start of the period ('YYYY', 'Q', 'MM', 'WK', 'DD', 'HH', 'MI', 'SS', 'MS') "
    "holding the date.",
)
def _trunc_date(call: Call) -> Typed:
    call.arity(2, 2)
    period = _period(call, 0)
    value = call.expr(1, "date", DATETIME)
    node = truncate(period, timestamp(value.node))
    return derive(call.field, node, ColumnType.DATETIME, call.position, [value])


def _serial(period: str, node: exp.Expression) -> exp.Expression:
    """A number that grows by one per ``period`` (YYYY, Q, MM): year*12+month, ..."""
    year = part("YEAR", node)
    if period == "YYYY":
        return year
    unit, per_year = ("QUARTER", 4) if period == "Q" else ("MONTH", 12)
    return exp.Add(
        this=exp.Mul(this=year, expression=number(per_year)), expression=part(unit, node)
    )


def _epoch(node: exp.Expression) -> exp.Expression:
    return exp.Extract(this=exp.var("EPOCH"), expression=node)


def difference(period: str, start: exp.Expression, end: exp.Expression) -> exp.Expression:
    """How many ``period`` boundaries lie between ``start`` and ``end`` (negative when
    end is earlier)."""
    if period in ("YYYY", "Q", "MM"):
        return exp.Sub(this=wrap(_serial(period, end)), expression=wrap(_serial(period, start)))
    if period == "MS":
        seconds, scale = 1, 1000
        start, end = truncate("MS", start), truncate("MS", end)
    else:
        unit = "DD" if period == "WK" else period
        seconds, scale = _SECONDS[unit] * (7 if period == "WK" else 1), 1
        start, end = truncate(period, start), truncate(period, end)
    span = exp.Sub(this=_epoch(end), expression=_epoch(start))
    scaled = exp.Mul(this=exp.Paren(this=span), expression=number(scale)) if scale != 1 else span
    return bigint(exp.Round(this=exp.Div(this=exp.Paren(this=scaled), expression=number(seconds))))


@family(
    "dateDiff",
    "dateDiff(date1, date2 [, period])",
    "INTEGER",
    "date2 minus date1 in periods (default 'DD'): the period boundaries between them.",
)
def _date_diff(call: Call) -> Typed:
    call.arity(2, 3)
    first, second = call.expr(0, "date1", DATETIME), call.expr(1, "date2", DATETIME)
    period = _period(call, 2) if len(call) == 3 else "DD"
    node = difference(period, timestamp(first.node), timestamp(second.node))
    return derive(call.field, node, ColumnType.INTEGER, call.position, [first, second])


_ADD_UNITS = {
    "YYYY": ("YEAR", 1),
    "Q": ("MONTH", 3),
    "MM": ("MONTH", 1),
    "WK": ("DAY", 7),
    "DD": ("DAY", 1),
    "HH": ("HOUR", 1),
    "MI": ("MINUTE", 1),
    "SS": ("SECOND", 1),
    "MS": ("MILLISECOND", 1),
}


@family(
    "addDateTime",
    "addDateTime(amount, period, datetime)",
    "DATETIME",
    "The datetime moved by amount periods (negative: back); a month end clamps "
    "(31 Jan + 1 MM is 29 Feb in a leap year).",
)
def _add_date_time(call: Call) -> Typed:
    call.arity(3, 3)
    amount = call.expr(0, "amount", INTEGERS)
    period = _period(call, 1)
    value = call.expr(2, "datetime", DATETIME)
    unit, factor = _ADD_UNITS[period]
    count = (
        amount.node if factor == 1 else exp.Mul(this=wrap(amount.node), expression=number(factor))
    )
    node = add(timestamp(value.node), count, unit)
    return derive(call.field, node, ColumnType.DATETIME, call.position, [amount, value])


_EXTRACT_PERIODS = ("YYYY", "Q", "MM", "DD", "WD", "HH", "MI", "SS", "MS")


def extract(period: str, node: exp.Expression) -> exp.Expression:
    """The ``period`` part of ``node`` as QuickSight numbers it (WD: Sunday is 1; MS: the
    milliseconds within the second)."""
    if period == "WD":
        return exp.Add(this=part("DOW", node), expression=number(1))
    if period == "MS":
        return exp.Anonymous(this="MOD", expressions=[part("MILLISECOND", node), number(1000)])
    unit = _TRUNC_UNITS[period]
    return part(unit, node)


@family(
    "extract",
    "extract(period, date)",
    "INTEGER",
    "A part of the date: 'YYYY', 'Q', 'MM', 'DD', 'WD' (Sunday is 1), 'HH', 'MI', 'SS', 'MS'.",
)
def _extract(call: Call) -> Typed:
    call.arity(2, 2)
    period = call.keyword(0, "period", _EXTRACT_PERIODS)
    value = call.expr(1, "date", DATETIME)
    node = extract(period, timestamp(value.node))
    return derive(call.field, node, ColumnType.INTEGER, call.position, [value])


def _format(call: Call, index: int, default: str) -> tuple[str, patterns.Pattern]:
    """The literal Java date pattern of argument ``index`` (or ``default``), parsed."""
    text = default
    if len(call) > index:
        value = call.literal(index, "format", STRING).literal
        assert isinstance(value, str)
        text = value
    try:
        return text, patterns.parse(text)
    except ValueError as error:
        raise call.error(
            f"argument {index + 1} (format) {error}",
            call.where(index) if len(call) > index else None,
        ) from None


@family(
    "formatDate",
    "formatDate(date [, format])",
    "STRING",
    f"The date as text in a Java date pattern (default '{patterns.DEFAULT_FORMAT}').",
)
def _format_date(call: Call) -> Typed:
    call.arity(1, 2)
    value = call.expr(0, "date", DATETIME)
    _, pattern = _format(call, 1, patterns.DEFAULT_FORMAT)
    node = patterns.render(pattern, timestamp(value.node))
    return derive(call.field, node, ColumnType.STRING, call.position, [value])


@family(
    "parseDate",
    "parseDate(expression [, format])",
    "DATETIME",
    f"The text as a date in a Java date pattern (default '{patterns.DEFAULT_PARSE}'), "
    "NULL when it does not match.",
)
def _parse_date(call: Call) -> Typed:
    call.arity(1, 2)
    value = call.expr(0, "expression", STRING)
    _, pattern = _format(call, 1, patterns.DEFAULT_PARSE)
    try:
        node = patterns.reader(pattern, value.node)
    except ValueError as error:
        raise call.error(
            f"argument 2 (format) {error}", call.where(1) if len(call) > 1 else None
        ) from None
    return derive(call.field, node, ColumnType.DATETIME, call.position, [value])
