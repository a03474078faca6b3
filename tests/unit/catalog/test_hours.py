import re

import pytest

from app.catalog.hours import (
    CLOSES_BEFORE_OPENS,
    INTERVALS_OVERLAP,
    TIME_NOT_ON_STEP,
    TIME_UNREADABLE,
    Interval,
    day_problem,
    format_minutes,
    intersect,
    member_service_hours,
    parse_time,
    weekly_summary,
)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("9:00", 540), ("09:30", 570), ("17.15", 1035), ("8h45", 525), ("00:00", 0), ("24:00", 1440)],
)
def test_times_are_read_the_ways_people_write_them(text, minutes):
    assert parse_time(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", TIME_UNREADABLE),
        ("9", TIME_UNREADABLE),
        ("25:00", TIME_UNREADABLE),
        ("10:61", TIME_UNREADABLE),
        ("24:15", TIME_UNREADABLE),
        ("10:10", TIME_NOT_ON_STEP),
        ("noon", TIME_UNREADABLE),
    ],
)
def test_unreadable_times_say_why(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_time(text)


def test_a_day_needs_closing_after_opening_and_no_overlap():
    assert day_problem([Interval(0, 540, 780), Interval(0, 900, 1140)]) is None
    assert day_problem([Interval(0, 780, 540)]) == CLOSES_BEFORE_OPENS
    assert day_problem([Interval(0, 540, 900), Interval(0, 840, 1140)]) == INTERVALS_OVERLAP


def test_the_weekly_summary_lists_every_day():
    summary = weekly_summary([Interval(0, 540, 780), Interval(0, 900, 1140), Interval(5, 600, 840)])
    assert summary[0] == ("Monday", "09:00–13:00, 15:00–19:00")
    assert summary[5] == ("Saturday", "10:00–14:00")
    assert summary[6] == ("Sunday", "Closed")
    assert format_minutes(1440) == "24:00"


MORNING = Interval(0, 9 * 60, 14 * 60)
AFTERNOON = Interval(0, 16 * 60, 20 * 60)


def test_two_schedules_meet_only_where_both_are_open():
    assert intersect([MORNING, AFTERNOON], [Interval(0, 12 * 60, 18 * 60)]) == [
        Interval(0, 12 * 60, 14 * 60),
        Interval(0, 16 * 60, 18 * 60),
    ]
    assert intersect([MORNING], [Interval(1, 9 * 60, 14 * 60)]) == []  # another day
    assert intersect([MORNING], [Interval(0, 14 * 60, 16 * 60)]) == []  # touching is not open


def test_who_follows_the_business_works_whenever_the_service_is_offered():
    business = [MORNING]
    evenings = [Interval(0, 18 * 60, 22 * 60)]
    assert member_service_hours(business=business, service_own=[], member_own=[]) == business
    assert member_service_hours(business=business, service_own=evenings, member_own=[]) == evenings


def test_own_hours_replace_the_business_hours_and_a_service_narrows_them():
    own = [Interval(5, 9 * 60, 13 * 60), AFTERNOON]  # Saturdays too, though the business is closed
    assert member_service_hours(business=[MORNING], service_own=[], member_own=own) == sorted(own)
    assert member_service_hours(
        business=[MORNING], service_own=[Interval(0, 17 * 60, 22 * 60)], member_own=own
    ) == [Interval(0, 17 * 60, 20 * 60)]
