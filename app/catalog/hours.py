"""Weekly opening hours: intervals of wall-clock minutes in the city, per weekday (0 = Monday)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_PER_DAY = 24 * 60
STEP_MINUTES = 15
MAX_INTERVALS_PER_DAY = 2

TIME_UNREADABLE = "Use a time like 09:00 or 17:30."
TIME_NOT_ON_STEP = f"Use times on the quarter hour (every {STEP_MINUTES} minutes)."
CLOSES_BEFORE_OPENS = "The closing time must be after the opening time."
INTERVALS_OVERLAP = "The afternoon hours must start after the morning hours end."
HALF_INTERVAL = "Give both an opening and a closing time, or neither."

_TIME = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    weekday: int
    opens: int  # minutes after midnight
    closes: int  # minutes after midnight; 1440 means midnight at the end of the day


def parse_time(text: str) -> int:
    """'9:00', '09.30', '17h15' -> minutes after midnight; '24:00' is the end of the day."""
    match = _TIME.match(text)
    if not match:
        raise ValueError(TIME_UNREADABLE)
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(TIME_UNREADABLE)
    total = hours * 60 + minutes
    if total % STEP_MINUTES:
        raise ValueError(TIME_NOT_ON_STEP)
    return total


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_problem(intervals: list[Interval]) -> str | None:
    """Why one day's intervals can't be saved, or None."""
    ordered = sorted(intervals)
    for interval in ordered:
        if not 0 <= interval.opens < interval.closes <= MINUTES_PER_DAY:
            return CLOSES_BEFORE_OPENS
    for earlier, later in pairwise(ordered):
        if later.opens < earlier.closes:
            return INTERVALS_OVERLAP
    return None


def intersect(first: Iterable[Interval], second: Iterable[Interval]) -> list[Interval]:
    """The times inside both weekly schedules (each day's intervals may not overlap each other)."""
    by_day: dict[int, list[Interval]] = {}
    for interval in second:
        by_day.setdefault(interval.weekday, []).append(interval)
    common = []
    for a in first:
        for b in by_day.get(a.weekday, ()):
            opens, closes = max(a.opens, b.opens), min(a.closes, b.closes)
            if opens < closes:
                common.append(Interval(a.weekday, opens, closes))
    return sorted(common)


def member_service_hours(
    *, business: list[Interval], service_own: list[Interval], member_own: list[Interval]
) -> list[Interval]:
    """When a team member can do a service, week by week.

    Someone who follows the business hours works whenever the service is offered: the service's
    own hours if it has them, else the business hours. Someone with their own hours works only
    then, and a service with its own hours narrows that further.
    """
    if not member_own:
        return sorted(service_own or business)
    return intersect(member_own, service_own) if service_own else sorted(member_own)


def weekly_summary(intervals: Iterable[Interval]) -> list[tuple[str, str]]:
    """[("Monday", "09:00–13:00, 15:00–19:00"), ("Sunday", "Closed"), ...]."""
    by_day: dict[int, list[Interval]] = {}
    for interval in sorted(intervals):
        by_day.setdefault(interval.weekday, []).append(interval)
    return [
        (
            name,
            ", ".join(f"{format_minutes(i.opens)}–{format_minutes(i.closes)}" for i in by_day[day])
            if day in by_day
            else "Closed",
        )
        for day, name in enumerate(WEEKDAYS)
    ]
