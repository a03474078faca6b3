from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.booking.policy import STANDARD_POLICY
from app.booking.slots import MAX_HORIZON_DAYS, book_by, booking_window, days_off, slot_times
from app.catalog.hours import Interval
from app.shared.citytime import to_city

MADRID = ZoneInfo("Europe/Madrid")


def local(slot) -> tuple[str, str]:
    return to_city(slot.starts_at, MADRID).strftime("%H:%M"), to_city(slot.ends_at, MADRID).strftime("%H:%M")


def test_slots_follow_the_service_duration_inside_each_interval():
    monday = date(2026, 11, 23)
    slots = slot_times(
        [Interval(0, 9 * 60, 13 * 60), Interval(0, 15 * 60, 17 * 60)],
        duration_minutes=90,
        first_day=monday,
        last_day=monday,
        zone=MADRID,
    )
    assert [local(s) for s in slots] == [("09:00", "10:30"), ("10:30", "12:00"), ("15:00", "16:30")]


def test_no_slot_starts_in_the_hour_skipped_in_spring():
    sunday = date(2026, 3, 29)  # 02:00 -> 03:00 in Europe/Madrid
    slots = slot_times(
        [Interval(6, 0, 6 * 60)], duration_minutes=60, first_day=sunday, last_day=sunday, zone=MADRID
    )
    assert [local(s)[0] for s in slots] == ["00:00", "01:00", "03:00", "04:00", "05:00"]
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in slots)


def test_the_repeated_hour_in_autumn_gives_one_slot_not_two():
    sunday = date(2026, 10, 25)  # 03:00 -> 02:00 in Europe/Madrid
    slots = slot_times(
        [Interval(6, 60, 4 * 60)], duration_minutes=60, first_day=sunday, last_day=sunday, zone=MADRID
    )
    starts = [s.starts_at for s in slots]
    assert len(starts) == len(set(starts)) == 3  # 01:00, 02:00 (first time), 03:00
    assert [local(s)[0] for s in slots] == ["01:00", "02:00", "03:00"]


def test_a_long_service_that_would_run_past_closing_is_not_offered():
    monday = date(2026, 11, 23)
    assert (
        slot_times(
            [Interval(0, 16 * 60, 18 * 60)],
            duration_minutes=180,
            first_day=monday,
            last_day=monday,
            zone=MADRID,
        )
        == []
    )


def test_the_window_starts_today_in_the_city_and_book_by_applies_the_notice():
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already Monday in Valencia
    assert booking_window(now, MADRID, 30) == (date(2026, 11, 23), date(2026, 12, 22))
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert book_by(start, 120) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        slot_times([], duration_minutes=0, first_day=date(2026, 1, 1), last_day=date(2026, 1, 1), zone=MADRID)


def test_days_off_are_clipped_to_the_window_however_far_they_reach():
    window = (date(2026, 11, 23), date(2026, 11, 29))
    stored = [(date(2026, 11, 28), date.max), (date.min, date(2026, 11, 23)), (date(2027, 1, 1), date.max)]
    assert days_off(stored, window=window) == {date(2026, 11, 23), date(2026, 11, 28), date(2026, 11, 29)}


@pytest.mark.parametrize(("horizon", "days"), [(30, 30), (10**12, MAX_HORIZON_DAYS), (0, 1), (-(10**12), 1)])
def test_the_window_spans_one_day_to_a_year_whatever_horizon_is_stored(horizon, days):
    now = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    today = date(2026, 11, 22)
    assert booking_window(now, MADRID, horizon) == (today, today + timedelta(days=days - 1))


def test_the_cancellation_policy_is_written_out_for_residents():
    assert STANDARD_POLICY.describe().startswith("Free cancellation until 24 hours before the visit.")


quarter_hours = st.integers(min_value=0, max_value=96).map(lambda q: q * 15)


@st.composite
def weekly_hours(draw):
    intervals = []
    for weekday in range(7):
        edges = sorted(draw(st.sets(quarter_hours, max_size=4)))
        for opens, closes in zip(edges[::2], edges[1::2], strict=False):
            if opens < closes:
                intervals.append(Interval(weekday, opens, closes))
    return intervals


@settings(max_examples=150, deadline=None)
@given(
    hours=weekly_hours(),
    duration=st.sampled_from([15, 30, 45, 60, 90, 120, 180, 240]),
    first_day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    days=st.integers(min_value=1, max_value=10),
)
def test_slots_never_overlap_and_always_sit_inside_opening_hours(hours, duration, first_day, days):
    last_day = first_day + timedelta(days=days - 1)
    slots = slot_times(hours, duration_minutes=duration, first_day=first_day, last_day=last_day, zone=MADRID)
    for earlier, later in pairwise(slots):
        assert earlier.ends_at <= later.starts_at
    for slot in slots:
        assert slot.ends_at - slot.starts_at == timedelta(minutes=duration)
        start = to_city(slot.starts_at, MADRID)
        assert first_day <= start.date() <= last_day
        minute = start.hour * 60 + start.minute
        inside = [i for i in hours if i.weekday == start.weekday() and i.opens <= minute < i.closes]
        assert inside, f"{start} is outside the opening hours"
        assert slot.ends_at <= _closing(start.date(), inside[0].closes), f"{start} runs past closing time"


def _closing(day: date, minute: int) -> datetime:
    """When the clocks show ``minute`` on ``day`` (or just after, if that minute was skipped)."""
    while True:
        wall = datetime.combine(day, time(0)) + timedelta(minutes=minute)
        instant = wall.replace(tzinfo=MADRID).astimezone(UTC)
        if instant.astimezone(MADRID).replace(tzinfo=None) == wall:
            return instant
        minute += 1


def test_a_slot_after_the_spring_gap_never_starts_before_the_previous_one_ends():
    sunday = date(2027, 3, 28)  # 02:00 -> 03:00 in Europe/Madrid
    slots = slot_times(
        [Interval(6, 0, 6 * 60)], duration_minutes=45, first_day=sunday, last_day=sunday, zone=MADRID
    )
    for earlier, later in pairwise(slots):
        assert earlier.ends_at <= later.starts_at
    # 01:30 runs until 03:15 (summer time), so 03:00 is not offered; 03:45 is.
    assert [local(s)[0] for s in slots] == ["00:00", "00:45", "01:30", "03:45", "04:30", "05:15"]


def test_a_buffer_keeps_time_free_after_each_job():
    monday = date(2026, 11, 23)
    slots = slot_times(
        [Interval(0, 9 * 60, 13 * 60)],
        duration_minutes=60,
        buffer_minutes=30,
        first_day=monday,
        last_day=monday,
        zone=MADRID,
    )
    assert [local(s) for s in slots] == [("09:00", "10:00"), ("10:30", "11:30"), ("12:00", "13:00")]


def test_days_off_have_no_slots():
    monday = date(2026, 11, 23)
    off = days_off([(date(2026, 11, 24), date(2026, 11, 25))], window=(monday, monday + timedelta(days=3)))
    assert off == {date(2026, 11, 24), date(2026, 11, 25)}
    hours = [Interval(day, 9 * 60, 10 * 60) for day in range(7)]
    slots = slot_times(
        hours,
        duration_minutes=60,
        first_day=monday,
        last_day=monday + timedelta(days=3),
        zone=MADRID,
        days_off=off,
    )
    assert [to_city(s.starts_at, MADRID).date().day for s in slots] == [23, 26]


@settings(max_examples=100, deadline=None)
@given(
    hours=weekly_hours(),
    duration=st.sampled_from([30, 60, 90]),
    buffer=st.sampled_from([0, 15, 30]),
    first_day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    off_start=st.integers(min_value=0, max_value=9),
    off_length=st.integers(min_value=0, max_value=4),
)
def test_no_slot_falls_in_time_off_and_buffers_separate_slots(
    hours, duration, buffer, first_day, off_start, off_length
):
    last_day = first_day + timedelta(days=9)
    off = days_off(
        [(first_day + timedelta(days=off_start), first_day + timedelta(days=off_start + off_length))],
        window=(first_day, last_day),
    )
    slots = slot_times(
        hours,
        duration_minutes=duration,
        buffer_minutes=buffer,
        first_day=first_day,
        last_day=last_day,
        zone=MADRID,
        days_off=off,
    )
    assert not any(to_city(s.starts_at, MADRID).date() in off for s in slots)
    for earlier, later in pairwise(slots):
        if to_city(earlier.starts_at, MADRID).date() == to_city(later.starts_at, MADRID).date():
            assert (
                later.starts_at - earlier.ends_at >= timedelta(minutes=buffer)
                or later.starts_at >= earlier.ends_at
            )
