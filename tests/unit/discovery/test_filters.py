from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.discovery.filters import (
    DATE_PAST,
    DATE_TOO_FAR,
    DATE_UNREADABLE,
    DAY_MISSING,
    PRICE_RANGE_SWAPPED,
    QUERY_UNUSABLE,
    Filters,
    availability_range,
    parse_filters,
)
from app.shared.citytime import city_day_bounds

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)  # Sunday 10:30 in Valencia


def parse(**params):
    return parse_filters(params, now=NOW, zone=MADRID)


def test_a_clean_url_gives_the_plain_catalogue():
    filters, notes = parse()
    assert filters == Filters() and filters.is_plain() and notes == []


def test_every_filter_is_read_from_the_url():
    filters, notes = parse(
        q="  fontanero   urgente ",
        category="plumbing",
        neighbourhood="benimaclet",
        price_min="40",
        price_max="80,50",
        rating="4",
        available="tomorrow",
        sort="price",
        page="2",
    )
    assert notes == []
    assert filters == Filters(
        query="fontanero urgente",
        category="plumbing",
        neighbourhood="benimaclet",
        price_min_cents=4000,
        price_max_cents=8050,
        min_rating="4",
        available="tomorrow",
        sort="price",
        page=2,
    )
    assert filters.url(page=3) == (
        "/?q=fontanero+urgente&category=plumbing&neighbourhood=benimaclet&price_min=40&price_max=80.50"
        "&rating=4&available=tomorrow&sort=price&page=3"
    )
    assert filters.url(category="") == (
        "/?q=fontanero+urgente&neighbourhood=benimaclet&price_min=40&price_max=80.50&rating=4&available=tomorrow&sort=price"
    )


def test_bad_values_are_dropped_with_a_note_and_the_rest_is_kept():
    filters, notes = parse(price_min="cheap", price_max="80", rating="7", sort="random", available="someday")
    assert filters.price_min_cents is None and filters.price_max_cents == 8000
    assert filters.min_rating == "" and filters.sort == "recommended" and filters.available == ""
    assert any("lowest price “cheap”" in note for note in notes)
    assert DATE_UNREADABLE.format(text="someday") in notes


def test_a_reversed_price_range_is_swapped_and_a_past_day_becomes_today():
    filters, notes = parse(price_min="90", price_max="20", available="2026-11-01")
    assert (filters.price_min_cents, filters.price_max_cents) == (2000, 9000)
    assert filters.available == "today"
    assert PRICE_RANGE_SWAPPED in notes and DATE_PAST in notes


@pytest.mark.parametrize(
    ("available", "start", "end"),
    [
        ("today", NOW, city_day_bounds(date(2026, 11, 22), MADRID)[1]),
        ("tomorrow", *city_day_bounds(date(2026, 11, 23), MADRID)),
        ("week", NOW, city_day_bounds(date(2026, 11, 28), MADRID)[1]),
        ("2026-11-25", *city_day_bounds(date(2026, 11, 25), MADRID)),
    ],
)
def test_availability_choices_are_city_days(available, start, end):
    assert availability_range(available, now=NOW, zone=MADRID) == (start, end)
    assert availability_range("", now=NOW, zone=MADRID) is None


def test_tomorrow_starts_at_midnight_in_valencia():
    start, end = availability_range("tomorrow", now=NOW, zone=MADRID)
    assert start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=24)


def test_dates_far_in_the_future_are_refused_instead_of_overflowing():
    filters, notes = parse(available="9999-12-31")
    assert filters.available == ""
    assert DATE_TOO_FAR.format(text="9999-12-31", days=90) in notes


def test_a_search_without_letters_or_digits_is_explained_not_run():
    filters, notes = parse(q="¡¡!!", category="plumbing")
    assert filters.query == "" and filters.category == "plumbing"
    assert QUERY_UNUSABLE.format(text="¡¡!!") in notes


def test_a_day_picked_in_the_form_becomes_the_available_day():
    assert parse(available="day", day="2026-11-26") == (Filters(available="2026-11-26"), [])
    # Only the day was set: the resident's intent is plain.
    assert parse(available="", day="2026-11-26") == (Filters(available="2026-11-26"), [])
    assert parse(available="2026-11-26") == (Filters(available="2026-11-26"), [])  # a shared URL


def test_a_named_choice_wins_over_a_leftover_day():
    assert parse(available="tomorrow", day="2026-11-26") == (Filters(available="tomorrow"), [])


def test_on_a_day_without_a_day_asks_for_one_and_the_day_is_checked_like_any_date():
    assert parse(available="day", day="") == (Filters(), [DAY_MISSING])
    filters, notes = parse(available="day", day="26/11/2026")
    assert filters.available == "" and notes == [DATE_UNREADABLE.format(text="26/11/2026")]
    filters, notes = parse(available="day", day="2026-11-01")
    assert filters.available == "today" and notes == [DATE_PAST]
