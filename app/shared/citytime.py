"""Wall-clock rules in the city's time zone, on top of UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime


def to_city(instant: datetime, zone: ZoneInfo) -> datetime:
    """The city's wall-clock reading of a UTC-aware instant."""
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant.astimezone(zone)


def city_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The instant when the city's clocks show ``day`` ``at``.

    Returns None for a wall-clock time that does not exist (skipped by the spring DST change,
    e.g. 02:30 on the last Sunday of March in Europe/Madrid). An ambiguous time (repeated in
    autumn) resolves to its first occurrence.
    """
    local = datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return as_utc


def city_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where the city's calendar ``day`` begins and the next one begins.

    DST days are 23 or 25 hours long; midnight always exists in Europe/Madrid.
    """
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def city_today(now: datetime, zone: ZoneInfo) -> date:
    return to_city(now, zone).date()


def format_duration(minutes: int) -> str:
    """90 -> "1 h 30 min", 45 -> "45 min", 120 -> "2 h"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@lru_cache(maxsize=4096)  # slot times repeat across cards and pages; Babel is slow
def format_city_time(
    instant: datetime, zone: ZoneInfo, locale: str, pattern: str = "EEE d MMM, HH:mm"
) -> str:
    """An instant as the city's clocks and calendar show it, in the city's language."""
    return format_datetime(to_city(instant, zone), pattern, locale=locale)


@lru_cache(maxsize=1024)  # the same days appear on every calendar and day picker
def format_city_date(day: date, locale: str, pattern: str = "EEE d MMM") -> str:
    """A calendar day in the city's language."""
    return format_date(day, pattern, locale=locale)
