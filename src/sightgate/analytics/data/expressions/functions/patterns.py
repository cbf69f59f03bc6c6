"""Java (Joda) date patterns, as formatDate and parseDate take them, built into trees.

A pattern is compiled into SQL parts rather than handed to STRFTIME/TO_CHAR: the two
engines' format languages differ (PostgreSQL pads month names to nine characters), and
a format string handed to the database would have to stay out of the engine's literal
binding. Every letter not listed in LETTERS is an error naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from ..typed import sql_type, wrap
from .strings import concatenate

DEFAULT_FORMAT = "yyyy-MM-dd'T'kk:mm:ss:SSS"
"""formatDate's default, as QuickSight documents it (its T quoted, as Joda needs)."""
DEFAULT_PARSE = "yyyy-MM-dd"

LETTERS = {
    "y": "year (yy: two digits)",
    "M": "month (M, MM: number; MMM: Jan; MMMM: January)",
    "d": "day of the month",
    "E": "day of the week (E to EEE: Mon; EEEE: Monday)",
    "H": "hour 0-23",
    "k": "hour 1-24",
    "h": "hour 1-12",
    "a": "AM or PM",
    "m": "minute",
    "s": "second",
    "S": "fraction of a second (S to SSS)",
}
"""The pattern letters formatDate supports; parseDate supports y, M, d, H, m, s, S."""
PARSE_LETTERS = frozenset("yMdHmsS")

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


@dataclass(frozen=True)
class Token:
    """A run of one pattern letter (``letter`` set) or literal text."""

    letter: str | None
    count: int
    text: str = ""


Pattern = tuple[Token, ...]


def parse(pattern: str) -> Pattern:
    """The tokens of ``pattern``; ValueError names an unsupported letter or a quote left
    open. Quoted text ('T', 'o''clock') and characters other than letters are literal."""
    tokens: list[Token] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = i + 1
            text = ""
            while True:
                close = pattern.find("'", end)
                if close < 0:
                    raise ValueError("has a quote that is not closed")
                text += pattern[end:close]
                if close + 1 < len(pattern) and pattern[close + 1] == "'":
                    text += "'"
                    end = close + 2
                    continue
                break
            tokens.append(Token(None, 0, text if close > i + 1 else "'"))
            i = close + 1
        elif char.isascii() and char.isalpha():
            if char not in LETTERS:
                raise ValueError(f"uses the pattern letter {char!r}, which is not supported")
            run = len(re.match(f"{char}+", pattern[i:]).group())  # type: ignore[union-attr]
            if char == "S" and run > 3:
                raise ValueError("takes at most SSS (milliseconds)")
            tokens.append(Token(char, run))
            i += run
        else:
            tokens.append(Token(None, 0, char))
            i += 1
    return tuple(tokens)


# -- formatDate -----------------------------------------------------------------------


def _number(value: int) -> exp.Expression:
    return exp.Literal.number(value)


def _part(unit: str, node: exp.Expression) -> exp.Expression:
    return exp.Cast(
        this=exp.Floor(this=exp.Extract(this=exp.var(unit), expression=node)),
        to=sql_type("BIGINT"),
    )


def _text(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=sql_type("TEXT"))


def _padded(node: exp.Expression, width: int) -> exp.Expression:
    text = _text(node)
    if width < 2:
        return text
    return exp.Pad(
        this=text, expression=_number(width), fill_pattern=exp.Literal.string("0"), is_left=True
    )


def _names(number: exp.Expression, names: list[str], first: int) -> exp.Expression:
    return exp.Case(
        this=number,
        ifs=[
            exp.If(this=_number(i + first), true=exp.Literal.string(n)) for i, n in enumerate(names)
        ],
    )


def _mod(node: exp.Expression, divisor: int) -> exp.Expression:
    return exp.Anonymous(this="MOD", expressions=[node, _number(divisor)])


def _field(token: Token, node: exp.Expression) -> exp.Expression:
    letter, count = token.letter, token.count
    if letter == "y":
        year = _part("YEAR", node)
        return (
            _padded(_mod(year, 100), 2) if count == 2 else _padded(year, count if count > 3 else 1)
        )
    if letter == "M":
        month = _part("MONTH", node)
        if count >= 3:
            return _names(month, _month_names(token), 1)
        return _padded(month, count)
    if letter == "E":
        day = _part("DOW", node)
        return _names(day, [d if count > 3 else d[:3] for d in DAYS], 0)
    if letter == "a":
        hour = _part("HOUR", node)
        return exp.Case(
            ifs=[
                exp.If(
                    this=exp.LT(this=hour, expression=_number(12)), true=exp.Literal.string("AM")
                )
            ],
            default=exp.Literal.string("PM"),
        )
    if letter is not None and letter in "Hkh":
        hour = _part("HOUR", node)
        if letter == "k":
            hour = exp.Case(
                ifs=[exp.If(this=exp.EQ(this=hour, expression=_number(0)), true=_number(24))],
                default=hour,
            )
        elif letter == "h":
            twelve = _mod(hour, 12)
            hour = exp.Case(
                ifs=[exp.If(this=exp.EQ(this=twelve, expression=_number(0)), true=_number(12))],
                default=twelve,
            )
        return _padded(hour, count)
    if letter == "S":
        millis = _padded(_mod(_part("MILLISECOND", node), 1000), 3)
        return millis if count == 3 else exp.Left(this=millis, expression=_number(count))
    units = {"d": "DAY", "m": "MINUTE", "s": "SECOND"}
    return _padded(_part(units[str(letter)], node), count)


def render(pattern: Pattern, node: exp.Expression) -> exp.Expression:
    """``node`` (a timestamp) as text in ``pattern``; NULL stays NULL."""
    parts: list[exp.Expression] = []
    literal = ""
    for token in pattern:
        if token.letter is None:
            literal += token.text
            continue
        if literal:
            parts.append(exp.Literal.string(literal))
            literal = ""
        parts.append(_field(token, node))
    if len(parts) == 0:  # literal text only: still NULL for a NULL date
        not_null = exp.Not(this=exp.Is(this=wrap(node), expression=exp.Null()))
        return exp.Case(ifs=[exp.If(this=not_null, true=exp.Literal.string(literal))])
    if literal:
        parts.append(exp.Literal.string(literal))
    return concatenate(parts)


# -- parseDate ------------------------------------------------------------------------

_RANGES = {"M": (1, 12), "d": (1, 31), "H": (0, 23), "m": (0, 59), "s": (0, 59)}
SEPARATOR = "|"


def _month_names(token: Token) -> list[str]:
    return [m if token.count > 3 else m[:3] for m in MONTHS]


def _regex(token: Token, fixed: bool) -> str:
    """The group matching ``token``: a fixed width when another number follows it with
    no separator (yyyyMMdd), else one or two digits (M/d/yyyy reads 7/4/2010)."""
    if token.letter == "M" and token.count >= 3:
        return "(" + "|".join(name.lower() for name in _month_names(token)) + ")"
    if token.letter == "y":
        return f"([0-9]{{{2 if token.count == 2 else 4}}})"
    if fixed:
        return f"([0-9]{{{token.count}}})"
    return f"([0-9]{{1,{max(token.count, 3 if token.letter == 'S' else 2)}}})"


def reader(pattern: Pattern, node: exp.Expression) -> exp.Expression:
    """The timestamp ``node`` (text) holds in ``pattern``, or NULL when it does not match
    (or names a day its month lacks, such as 30 February)."""
    regex = "^"
    order: list[Token] = []
    for index, token in enumerate(pattern):
        if token.letter is None:
            regex += re.escape(token.text.lower())
            continue
        if token.letter not in PARSE_LETTERS:
            raise ValueError(
                f"uses the pattern letter {token.letter!r}, which parseDate does not support"
            )
        following = pattern[index + 1] if index + 1 < len(pattern) else None
        fixed = following is not None and following.letter is not None
        regex += _regex(token, fixed)
        order.append(token)
    regex += "$"
    letters = [token.letter for token in order]
    if "y" not in letters or "M" not in letters or "d" not in letters:
        raise ValueError("must contain a year (y), a month (M) and a day (d)")
    if len(set(letters)) != len(letters):
        raise ValueError("names a field twice")
    groups = SEPARATOR.join(f"\\{i + 1}" for i in range(len(order)))
    cleaned = exp.Lower(this=exp.Trim(this=node))  # month names match in any case
    fields = exp.RegexpReplace(
        this=cleaned, expression=exp.Literal.string(regex), replacement=exp.Literal.string(groups)
    )

    def piece(letter: str) -> exp.Expression | None:
        for i, token in enumerate(order):
            if token.letter == letter:
                text = exp.SplitPart(
                    this=fields, delimiter=exp.Literal.string(SEPARATOR), part_index=_number(i + 1)
                )
                if letter == "M" and token.count >= 3:
                    names = _month_names(token)
                    return exp.Case(
                        this=text,
                        ifs=[
                            exp.If(this=exp.Literal.string(n.lower()), true=_number(k + 1))
                            for k, n in enumerate(names)
                        ],
                    )
                value: exp.Expression = exp.Cast(this=text, to=sql_type("INT"))
                if letter == "y" and token.count == 2:
                    value = exp.Add(this=value, expression=_number(2000))
                return value
        return None

    year, month, day = piece("y"), piece("M"), piece("d")
    assert year is not None and month is not None and day is not None
    hour, minute, second = (piece(x) or _number(0) for x in "Hms")
    millis = piece("S")
    seconds: exp.Expression = second
    if millis is not None:
        fraction = exp.Div(
            this=exp.Cast(this=millis, to=sql_type("DOUBLE")),
            expression=_number(10 ** next(t.count for t in order if t.letter == "S")),
        )
        seconds = exp.Add(this=second, expression=fraction)
    first_of_month = exp.TimestampFromParts(
        year=year, month=month, day=_number(1), hour=hour, min=minute, sec=seconds
    )
    moment = exp.DateAdd(
        this=first_of_month,
        expression=exp.Sub(this=wrap(day), expression=_number(1)),
        unit=exp.var("DAY"),
    )
    checks: list[exp.Expression] = []
    for letter, (least, most) in _RANGES.items():
        value = {"M": month, "d": day, "H": hour, "m": minute, "s": second}[letter]
        if letter in letters or letter in "Md":
            checks.append(exp.Between(this=value, low=_number(least), high=_number(most)))
    valid = checks[0]
    for check in checks[1:]:
        valid = exp.And(this=wrap(valid), expression=wrap(check))
    same_month = exp.EQ(
        this=exp.Cast(
            this=exp.Extract(this=exp.var("MONTH"), expression=moment), to=sql_type("INT")
        ),
        expression=month,
    )
    inner = exp.Case(
        ifs=[exp.If(this=valid, true=exp.Case(ifs=[exp.If(this=same_month, true=moment)]))]
    )
    matched = exp.RegexpLike(this=cleaned, expression=exp.Literal.string(regex))
    return exp.Case(ifs=[exp.If(this=matched, true=inner)])
