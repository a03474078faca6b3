from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from app.booking.calendar import CalendarEntry, calendar_file

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def entry(starts_at: datetime, ends_at: datetime, **extra) -> CalendarEntry:
    return CalendarEntry(
        uid="abc123@cityloop.test",
        title="Fix a leaking tap with Fontanería Russafa",
        starts_at=starts_at,
        ends_at=ends_at,
        location="Carrer de Sueca, 12",
        description="https://cityloop.test/bookings/abc123",
        **extra,
    )


def test_a_booking_on_the_spring_dst_sunday_keeps_its_wall_clock_time():
    # 10:00 in Valencia on 29 March 2026 is 08:00 UTC (summer time started at 02:00 that night).
    text = calendar_file(
        [entry(datetime(2026, 3, 29, 8, 0, tzinfo=UTC), datetime(2026, 3, 29, 9, 0, tzinfo=UTC))],
        zone=MADRID,
        now=NOW,
    ).decode()
    assert "DTSTART;TZID=Europe/Madrid:20260329T100000" in text
    assert "DTEND;TZID=Europe/Madrid:20260329T110000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Madrid" in text
    assert "TZOFFSETTO:+0200" in text and "TZOFFSETTO:+0100" in text


def test_times_in_the_hour_repeated_in_autumn_are_written_unambiguously():
    # 02:00-03:00 on 25 October 2026: it starts at the first 02:00 (00:00 UTC) and ends at the
    # second one (01:00 UTC). A local "02:00" end would read as the start.
    starts = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    ends = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    raw = calendar_file([entry(starts, ends)], zone=MADRID, now=NOW)
    assert b"DTEND:20261025T010000Z" in raw
    parsed = Calendar.from_ical(raw)
    event = next(iter(parsed.walk("VEVENT")))
    assert event.decoded("dtstart").astimezone(UTC) == starts
    assert event.decoded("dtend").astimezone(UTC) == ends
    assert str(event["status"]) == "CONFIRMED" and str(event["uid"]) == "abc123@cityloop.test"


def test_cancelled_bookings_are_marked_cancelled_for_calendar_apps():
    text = calendar_file(
        [entry(datetime(2026, 4, 1, 8, tzinfo=UTC), datetime(2026, 4, 1, 9, tzinfo=UTC), cancelled=True)],
        zone=MADRID,
        now=NOW,
        name="Fontanería Russafa · Cityloop",
    ).decode()
    assert "STATUS:CANCELLED" in text and "X-WR-CALNAME:Fontanería Russafa · Cityloop" in text
