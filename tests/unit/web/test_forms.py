from datetime import UTC, date, datetime

import pytest
from litestar.datastructures import MultiDict

from app.booking.forms import DAY_OFF_OUTSIDE, TIME_NOT_OFFERED, RescheduleForm, TimeOffForm
from app.web.forms import FormInput, choice_id
from app.web.params import MAX_ID

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
OUTSIDE = DAY_OFF_OUTSIDE.format(last="23 November 2027")


@pytest.mark.parametrize(
    ("value", "chosen"),
    [("3", 3), (str(MAX_ID), MAX_ID), ("0", 0), (str(10**20), None), ("²", None), ("٣", None), ("", None)],
)
def test_a_select_value_is_a_number_only_in_ascii_digits_within_the_database_range(value, chosen):
    assert choice_id(value) == chosen


def posted(**fields: str) -> FormInput:
    return FormInput(MultiDict(fields))


def time_off(first: str, last: str) -> TimeOffForm:
    return TimeOffForm(posted(first_day=first, last_day=last), today=TODAY)


def test_days_off_from_today_to_a_year_ahead_are_accepted():
    form = time_off("2026-11-22", "2027-11-23")
    assert form.validate(), form.errors
    assert (form.first_day.data, form.last_day.data) == (date(2026, 11, 22), date(2027, 11, 23))


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-12-01", "9999-12-31", "last_day"),
        ("0001-01-01", "2026-12-01", "first_day"),
        ("2026-11-21", "2026-11-21", "first_day"),  # yesterday
        ("2026-12-01", "2027-11-24", "last_day"),
    ],
)
def test_days_off_outside_the_year_ahead_are_refused_beside_the_field(first, last, field):
    form = time_off(first, last)
    assert not form.validate()
    assert form[field].errors == [OUTSIDE]


def test_the_date_pickers_offer_only_the_days_that_are_accepted():
    html = TimeOffForm(today=TODAY).first_day()
    assert 'min="2026-11-22"' in html and 'max="2027-11-23"' in html


@pytest.mark.parametrize(
    "starts_at",
    [
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "2027-11-24T09:00:00+00:00",
        "2025-11-20T09:00:00+00:00",
    ],
)
def test_times_further_than_a_year_from_now_are_not_offered(starts_at):
    form = RescheduleForm(posted(starts_at=starts_at), now=NOW)
    assert not form.validate()
    assert form.starts_at.errors == [TIME_NOT_OFFERED]


def test_a_time_within_the_year_is_read_in_utc():
    form = RescheduleForm(posted(starts_at="2026-11-25T10:00:00+01:00"), now=NOW)
    assert form.validate(), form.errors
    assert form.starts_at.instant == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
