import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.booking.codes import ALPHABET, LENGTH, grouped, new_code, normalize


def test_the_alphabet_leaves_out_characters_people_confuse():
    assert not set("0O1IL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_codes_are_eight_characters_of_the_alphabet_and_random():
    rng = random.Random(3)
    codes = {new_code(rng) for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in codes)
    assert new_code(random.Random(3)) == new_code(random.Random(3))


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("K7QX-3M9P", "K7QX3M9P"),
        ("k7qx 3m9p", "K7QX3M9P"),
        ("  K7Q X3M-9P ", "K7QX3M9P"),
        ("https://valencia.cityloop.example/dashboard/redeem?code=K7QX-3M9P", "K7QX3M9P"),
        ("K7QX-3M9", None),
        ("K7QX-3M9PP", None),
        ("K7QX-3M0P", None),  # zero is not in the alphabet
        ("K7QX-3MOP", None),
        ("", None),
        ("ＫＫＫＫＫＫＫＫ", None),  # full-width letters are not ours
    ],
)
def test_typed_and_scanned_codes_are_normalised(typed, code):
    assert normalize(typed) == code


@given(st.text(alphabet=ALPHABET, min_size=8, max_size=8))
def test_a_code_survives_being_shown_and_typed_back(code):
    shown = grouped(code)
    assert shown[4] == "-" and normalize(shown) == code and normalize(shown.lower()) == code
