from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.shared.citytime import city_day_bounds, city_to_utc, city_today, to_city

MADRID = ZoneInfo("Europe/Madrid")


def test_a_wall_clock_time_in_winter_is_one_hour_ahead_of_utc():
    assert city_to_utc(date(2026, 11, 23), time(10, 0), MADRID) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_wall_clock_time_in_summer_is_two_hours_ahead_of_utc():
    assert city_to_utc(date(2026, 7, 1), time(10, 0), MADRID) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_the_hour_skipped_on_the_spring_dst_sunday_does_not_exist():
    # Clocks jump from 02:00 to 03:00 on 29 March 2026.
    assert city_to_utc(date(2026, 3, 29), time(2, 30), MADRID) is None
    assert city_to_utc(date(2026, 3, 29), time(3, 0), MADRID) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_the_repeated_hour_on_the_autumn_dst_sunday_means_its_first_occurrence():
    # Clocks go back from 03:00 to 02:00 on 25 October 2026.
    assert city_to_utc(date(2026, 10, 25), time(2, 30), MADRID) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 11, 22), 24)]
)
def test_city_days_are_23_24_or_25_hours_long(day, hours):
    start, end = city_day_bounds(day, MADRID)
    assert end - start == timedelta(hours=hours)
    assert to_city(start, MADRID).time() == time(0, 0)


def test_today_is_the_city_date_not_the_utc_date():
    late_evening_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # 00:30 on the 23rd in Valencia
    assert city_today(late_evening_utc, MADRID) == date(2026, 11, 23)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        to_city(datetime(2026, 11, 22, 9, 0), MADRID)
