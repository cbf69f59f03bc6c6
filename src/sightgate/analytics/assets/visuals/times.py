"""Dates as definitions hold them, and calendar arithmetic for relative-date filters.

Definitions store timestamps as the API sent them: epoch seconds (what boto3 sends),
ISO 8601 text, or ``datetime``. The engine's dates are timestamps without time zone in
UTC, so every value becomes a naive UTC ``datetime`` here. Periods are truncated and
shifted in Python (weeks start on the definition's ``Options.WeekStart``, Sunday by
default), and the bounds are bound as values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sightgate.platform.errors import ValidationError

from .model import UnsupportedError

PERIODS = {
    "YEAR": "YYYY",
    "QUARTER": "Q",
    "MONTH": "MM",
    "WEEK": "WK",
    "DAY": "DD",
    "HOUR": "HH",
    "MINUTE": "MI",
    "SECOND": "SS",
}
"""``TimeGranularity`` -> the calculated-field period of ``truncDate``."""

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def period(granularity: object, where: str) -> str:
    """The ``truncDate`` period of a ``TimeGranularity``."""
    if not isinstance(granularity, str):
        raise ValidationError(where, "a time granularity is required")
    found = PERIODS.get(granularity)
    if found is None:
        raise UnsupportedError(f"{where}: time granularity {granularity} is not supported")
    return found


def to_datetime(value: object, where: str) -> datetime:
    """A definition's or a person's timestamp as a naive UTC ``datetime``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(where, "a timestamp must be ISO 8601 or epoch seconds") from None
    else:
        raise ValidationError(where, "a timestamp must be ISO 8601 or epoch seconds")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def truncate(moment: datetime, granularity: str, week_start: str = "SUNDAY") -> datetime:
    """The start of the period of ``granularity`` that holds ``moment``."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "YEAR":
        return day.replace(month=1, day=1)
    if granularity == "QUARTER":
        return day.replace(month=(moment.month - 1) // 3 * 3 + 1, day=1)
    if granularity == "MONTH":
        return day.replace(day=1)
    if granularity == "WEEK":
        back = (moment.weekday() - WEEKDAYS.index(week_start)) % 7
        return day - timedelta(days=back)
    if granularity == "DAY":
        return day
    if granularity == "HOUR":
        return moment.replace(minute=0, second=0, microsecond=0)
    if granularity == "MINUTE":
        return moment.replace(second=0, microsecond=0)
    if granularity == "SECOND":
        return moment.replace(microsecond=0)
    raise UnsupportedError(f"time granularity {granularity} is not supported")


def shift(moment: datetime, granularity: str, amount: int) -> datetime:
    """``moment`` moved by ``amount`` periods (month ends clamp: 31 January + 1 month is
    the last day of February)."""
    months = {"YEAR": 12, "QUARTER": 3, "MONTH": 1}.get(granularity)
    if months is not None:
        total = moment.year * 12 + moment.month - 1 + months * amount
        year, month = divmod(total, 12)
        last = _days_in_month(year, month + 1)
        return moment.replace(year=year, month=month + 1, day=min(moment.day, last))
    seconds = {"WEEK": 604800, "DAY": 86400, "HOUR": 3600, "MINUTE": 60, "SECOND": 1}.get(
        granularity
    )
    if seconds is None:
        raise UnsupportedError(f"time granularity {granularity} is not supported")
    return moment + timedelta(seconds=seconds * amount)


def _days_in_month(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
