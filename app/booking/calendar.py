"""iCalendar files: a booking for the resident's calendar, and a provider's subscribable feed.

Times are written in the city's zone with its VTIMEZONE, so calendar apps show the right hour
on both sides of a DST change. A wall-clock time that happens twice (the hour repeated in
autumn) is written in UTC instead, the one form no calendar can misread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

PRODUCT_ID = "-//Cityloop//Bookings//EN"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str
    cancelled: bool = False


def _unambiguous(instant: datetime, zone: ZoneInfo) -> datetime:
    local = instant.astimezone(zone)
    repeated = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
    return instant.astimezone(UTC) if repeated else local


def calendar_file(
    entries: Iterable[CalendarEntry], *, zone: ZoneInfo, now: datetime, name: str = ""
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", now)
        event.add("dtstart", _unambiguous(entry.starts_at, zone))
        event.add("dtend", _unambiguous(entry.ends_at, zone))
        event.add("summary", entry.title)
        if entry.location:
            event.add("location", entry.location)
        if entry.description:
            event.add("description", entry.description)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
