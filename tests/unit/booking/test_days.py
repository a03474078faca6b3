"""Which days of a day strip can be chosen, what they say, and which day a URL asks for."""

from datetime import date, timedelta

import pytest

from app.booking.days import DAY_NOT_SHOWN, DAY_UNREADABLE, BookingDay, asked_day

MONDAY = date(2026, 11, 23)
WEEK = [BookingDay(MONDAY + timedelta(days=n), free) for n, free in enumerate([3, 1, 0, 12, 0, 0, 0])]


@pytest.mark.parametrize(
    ("free_times", "is_open", "label"), [(3, True, "3 free"), (1, True, "1 free"), (0, False, "No times")]
)
def test_a_day_with_free_times_can_be_chosen_and_says_how_many(free_times, is_open, label):
    day = BookingDay(MONDAY, free_times)
    assert day.is_open is is_open
    assert day.count_label == label


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, (None, "")),
        ("", (None, "")),
        ("2026-11-24", (date(2026, 11, 24), "")),
        ("2026-11-25", (date(2026, 11, 25), "")),  # a full day may be asked for: it says so
        ("2026-11-29", (date(2026, 11, 29), "")),  # the last day shown
        ("2026-11-30", (None, DAY_NOT_SHOWN.format(count=7))),
        ("2026-11-22", (None, DAY_NOT_SHOWN.format(count=7))),
        ("0001-01-01", (None, DAY_NOT_SHOWN.format(count=7))),
        ("2026-13-01", (None, DAY_UNREADABLE)),
        ("tomorrow", (None, DAY_UNREADABLE)),
        ("2026-11-24T10:00", (None, DAY_UNREADABLE)),
    ],
)
def test_the_day_asked_for_must_be_one_the_strip_shows(raw, expected):
    assert asked_day(raw, WEEK) == expected
