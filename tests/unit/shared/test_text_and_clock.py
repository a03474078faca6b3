from datetime import UTC, datetime, timedelta

import pytest

from app.shared.clock import FixedClock, SystemClock
from app.shared.text import fold, is_slug, slugify


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Fontanería", "fontaneria"),
        ("PELUQUERÍA", "peluqueria"),
        ("La Saïdia", "la saidia"),
        ("  a \n b ", "a b"),
    ],
)
def test_fold_ignores_case_accents_and_extra_spaces(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Fontanería Russafa", "fontaneria-russafa"),
        ("L'Eixample", "l-eixample"),
        ("Hair & beauty at home", "hair-beauty-at-home"),
        ("¡¡!!", ""),
    ],
)
def test_slugs_are_readable_ascii(text, slug):
    assert slugify(text) == slug


def test_slugs_are_cut_at_a_word_boundary_without_a_trailing_dash():
    assert slugify("a" * 59 + " bcd", max_length=60) == "a" * 59


def test_the_system_clock_is_utc_aware():
    assert SystemClock().now().tzinfo is UTC


def test_a_fixed_clock_moves_only_when_told():
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == clock.now()
    clock.advance(timedelta(minutes=5))
    assert clock.now() == datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fontaneria-russafa", True),
        ("a1", True),
        ("", False),
        ("-a", False),
        ("a--b", False),
        ("A", False),
        ("a\x00", False),
        ("a" * 81, False),
    ],
)
def test_only_slug_shaped_text_can_name_a_page(text, expected):
    assert is_slug(text) is expected
