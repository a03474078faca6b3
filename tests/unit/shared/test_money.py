from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.shared.money import (
    AMOUNT_NEGATIVE,
    AMOUNT_NOT_A_NUMBER,
    AMOUNT_TOO_LARGE,
    AMOUNT_TOO_PRECISE,
    MAX_CENTS,
    AmountError,
    amount_text,
    format_money,
    parse_amount,
    percent_of,
    round_half_up,
)


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("45", 4500),
        ("45.5", 4550),
        ("45,50", 4550),
        ("€45.50", 4550),
        (" 45 € ", 4500),
        ("1.234,50", 123450),
        ("1,234.50", 123450),
        ("1.234", 123400),
        ("0,05", 5),
        (",5", 50),
    ],
)
def test_amounts_typed_the_ways_people_type_them_become_cents(typed, cents):
    assert parse_amount(typed) == cents


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", AMOUNT_NOT_A_NUMBER),
        ("abc", AMOUNT_NOT_A_NUMBER),
        ("12a", AMOUNT_NOT_A_NUMBER),
        ("-5", AMOUNT_NEGATIVE),
        ("4.5678", AMOUNT_TOO_PRECISE),
        ("99999999999", AMOUNT_TOO_LARGE),
    ],
)
def test_unreadable_amounts_explain_themselves(typed, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(typed)


@pytest.mark.parametrize(
    ("value", "expected"), [("0.5", 1), ("1.5", 2), ("2.5", 3), ("2.4999", 2), ("-0.5", -1)]
)
def test_rounding_is_half_up_everywhere(value, expected):
    assert round_half_up(Decimal(value)) == expected


def test_percentages_of_cents_round_half_up():
    assert percent_of(1005, 10) == 101  # 100.5 cents -> 101
    assert percent_of(1004, 10) == 100
    assert percent_of(4550, "12.5") == 569  # 568.75


def test_prices_display_without_decimals_only_when_whole():
    assert format_money(4500, "EUR", "en_GB") == "€45"
    assert format_money(4550, "EUR", "en_GB") == "€45.50"
    assert format_money(123456, "EUR", "es_ES") == "1.234,56\xa0€"
    assert format_money(12345600, "EUR", "es_ES") == "123.456\xa0€"
    assert format_money(5, "EUR", "en_GB") == "€0.05"


@given(st.integers(min_value=0, max_value=MAX_CENTS), st.sampled_from(["en_GB", "es_ES", "en_IE", "de_DE"]))
def test_a_displayed_price_reads_back_as_the_same_cents(cents, locale):
    assert parse_amount(format_money(cents, "EUR", locale)) == cents


@given(st.integers(min_value=0, max_value=MAX_CENTS))
def test_an_amount_shown_in_a_form_field_reads_back_as_the_same_cents(cents):
    assert parse_amount(amount_text(cents)) == cents


def test_amounts_in_form_fields_drop_zero_cents():
    assert (amount_text(3000), amount_text(3050), amount_text(5)) == ("30", "30.50", "0.05")
