from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.web.params import MAX_ID, DayWindow, day_from, id_from, safe_next_path, whole_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("42", 42),
        ("0042", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),  # PostgreSQL's integer ids end here
        (str(2**63), None),
        ("9" * 5000, None),  # more digits than int() converts
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_000", None),
        ("²", None),  # "²".isdigit() is True, yet int("²") raises
        ("٣", None),  # int("٣") is 3: only ASCII digits count
        ("", None),
        (None, None),
        (7, None),  # a file part or anything not typed
    ],
)
def test_ids_are_ascii_digits_in_the_range_of_the_database(text, expected):
    assert id_from(text) == expected


def test_a_whole_number_may_start_at_zero_and_end_where_asked():
    assert whole_number("0") == 0
    assert whole_number("20", most=20) == 20
    assert whole_number("21", most=20) is None
    assert whole_number("4", least=5) is None


@given(st.text(max_size=30))
def test_no_text_makes_the_readers_raise(text):
    number = id_from(text)
    assert number is None or 1 <= number <= MAX_ID
    day = day_from(text)
    assert day is None or isinstance(day, date)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24", date(2026, 12, 24)),
        ("9999-12-31", date(9999, 12, 31)),  # readable: the window decides whether it is usable
        ("0001-01-01", date(1, 1, 1)),
        ("2026-02-30", None),
        ("20261224", None),
        ("2026-W52-4", None),
        ("2026-12-24T10:00", None),
        ("٢٠٢٦-١٢-٢٤", None),
        ("", None),
        (None, None),
    ],
)
def test_days_are_read_only_in_the_iso_form_people_and_pages_write(text, expected):
    assert day_from(text) == expected


def test_a_day_window_holds_its_ends_and_brings_other_days_to_the_nearest_end():
    today = date(2026, 11, 22)
    window = DayWindow.around(today, back=timedelta(days=7), ahead=timedelta(days=30))
    assert (window.first, window.last) == (date(2026, 11, 15), date(2026, 12, 22))
    assert window.first in window and window.last in window and today in window
    assert date(9999, 12, 31) not in window and date(1, 1, 1) not in window and "2026-11-22" not in window
    assert window.nearest(date(9999, 12, 31)) == window.last
    assert window.nearest(date(1, 1, 1)) == window.first
    assert window.nearest(today) == today


@pytest.mark.parametrize("path", ["/account", "/dashboard?tab=today", "/"])
def test_local_paths_are_safe_places_to_return_to(path):
    assert safe_next_path(path) == path


@pytest.mark.parametrize(
    "path",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "account",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x=1",
    ],
)
def test_other_sites_and_odd_paths_are_never_returned_to(path):
    assert safe_next_path(path) is None
