"""Slot computation: the start times a service can be booked at, from weekly opening hours.

Works in the city's wall clock and stores UTC instants. On the spring DST Sunday the skipped hour
has no slots; on the autumn one a repeated wall-clock time gives one slot (its first occurrence).
A slot fits when it ends, in real elapsed time, no later than the interval's closing instant,
and a slot never starts before the previous one of the service has ended.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.catalog.hours import MINUTES_PER_DAY, Interval
from app.shared.citytime import city_to_utc, city_today

# The furthest ahead slots are ever made, whatever a provider's stored horizon says.
MAX_HORIZON_DAYS = 366
# A slot overlapping a time starts at most this long before it: services last at most 12 hours
# (catalog.forms) and buffers are shorter than a day.
LONGEST_CLAIM = timedelta(days=2)


@dataclass(frozen=True, slots=True, order=True)
class SlotTime:
    starts_at: datetime
    ends_at: datetime


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime | None:
    if minute == MINUTES_PER_DAY:
        return city_to_utc(day + timedelta(days=1), time(0), zone)
    return city_to_utc(day, time(minute // 60, minute % 60), zone)


def _closing_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """When the interval ends; a closing time inside the spring gap means the gap's end."""
    while (instant := _instant(day, minute, zone)) is None:
        minute += 1
    return instant


def slot_times(
    intervals: Iterable[Interval],
    *,
    duration_minutes: int,
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
    buffer_minutes: int = 0,
    days_off: Iterable[date] = (),
) -> list[SlotTime]:
    """Every slot of a service lasting ``duration_minutes`` on the days first_day..last_day.

    Consecutive slots are ``buffer_minutes`` apart (travel time); days off have none.
    """
    if duration_minutes <= 0 or buffer_minutes < 0:
        raise ValueError("a service lasts at least one minute and buffers are not negative")
    off = set(days_off)
    gap = timedelta(minutes=buffer_minutes)
    by_weekday: dict[int, list[Interval]] = {}
    for interval in intervals:
        by_weekday.setdefault(interval.weekday, []).append(interval)
    length = timedelta(minutes=duration_minutes)
    slots: list[SlotTime] = []
    day = first_day
    while day <= last_day:
        for interval in [] if day in off else sorted(by_weekday.get(day.weekday(), [])):
            closes = _closing_instant(day, interval.closes, zone)
            minute = interval.opens
            previous_end = None
            while minute < interval.closes:
                starts = _instant(day, minute, zone)
                # None: the hour skipped when clocks go forward. A start just after the skipped
                # hour can fall before the previous slot really ends: that one is skipped too.
                if starts is not None and (previous_end is None or starts >= previous_end + gap):
                    if starts + length > closes:
                        break
                    slots.append(SlotTime(starts, starts + length))
                    previous_end = starts + length
                minute += duration_minutes + buffer_minutes
        day += timedelta(days=1)
    return sorted(set(slots))


def days_off(ranges: Iterable[tuple[date, date]], *, window: tuple[date, date]) -> set[date]:
    """The days of ``window`` (first and last day included) that time-off ranges cover.

    Each range is clipped to the window first: a range stored up to 9999-12-31 costs no more
    than one inside the window, and no day past the window is ever computed.
    """
    window_first, window_last = window
    covered: set[date] = set()
    for first, last in ranges:
        day, last = max(first, window_first), min(last, window_last)
        while day <= last:
            covered.add(day)
            day += timedelta(days=1)
    return covered


def booking_window(now: datetime, zone: ZoneInfo, horizon_days: int) -> tuple[date, date]:
    """The city days slots exist for: today and the following ``horizon_days - 1`` days.

    The horizon counts between 1 and MAX_HORIZON_DAYS whatever a stored setting says, so the
    work of a refresh is bounded and its date arithmetic stays within a year of today.
    """
    today = city_today(now, zone)
    return today, today + timedelta(days=min(max(horizon_days, 1), MAX_HORIZON_DAYS) - 1)


def book_by(starts_at: datetime, min_notice_minutes: int) -> datetime:
    """The last instant a slot can still be booked."""
    return starts_at - timedelta(minutes=min_notice_minutes)
