"""Money as integer cents: parsing, arithmetic with one rounding rule, and display."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache

from babel import Locale
from babel.numbers import NumberPattern, format_currency, parse_pattern

AMOUNT_NOT_A_NUMBER = "Enter an amount like 45 or 45.50."
AMOUNT_TOO_PRECISE = "Use at most two decimals, like 45.50."
AMOUNT_NEGATIVE = "The amount can't be negative."
AMOUNT_TOO_LARGE = "That amount is too large."

MAX_CENTS = 100_000_000  # one million in the city currency: far above any home-service price


class AmountError(ValueError):
    """A user-typed amount that cannot be read as money; the message is safe to show."""


def round_half_up(value: Decimal) -> int:
    """The platform's only rounding rule for cents: half up (0.5 cent rounds away from zero)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(cents: int, percent: Decimal | int | str) -> int:
    """``percent`` % of ``cents``, rounded half up to a whole cent."""
    return round_half_up(Decimal(cents) * Decimal(percent) / Decimal(100))


def parse_amount(text: str) -> int:
    """Read an amount a person typed ("45", "45.5", "45,50", "€ 1.234,50") as cents.

    A single comma or dot followed by one or two digits is the decimal separator; other dots,
    commas and spaces group thousands.
    """
    cleaned = "".join(ch for ch in text.strip() if ch not in "€$£ \u00a0")
    if not cleaned:
        raise AmountError(AMOUNT_NOT_A_NUMBER)
    if cleaned.startswith("-"):
        raise AmountError(AMOUNT_NEGATIVE)
    last_sep = max(cleaned.rfind(","), cleaned.rfind("."))
    if last_sep != -1 and len(cleaned) - last_sep - 1 in (1, 2):
        whole, fraction = cleaned[:last_sep], cleaned[last_sep + 1 :]
    elif last_sep != -1 and len(cleaned) - last_sep - 1 > 3:
        raise AmountError(AMOUNT_TOO_PRECISE)
    else:
        whole, fraction = cleaned, ""
    whole = whole.replace(",", "").replace(".", "")
    if not whole:
        whole = "0"
    if not (whole.isdigit() and (fraction == "" or fraction.isdigit())):
        raise AmountError(AMOUNT_NOT_A_NUMBER)
    try:
        cents = int(Decimal(f"{whole}.{fraction or '0'}") * 100)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the digit checks above
        raise AmountError(AMOUNT_NOT_A_NUMBER) from exc
    if cents > MAX_CENTS:
        raise AmountError(AMOUNT_TOO_LARGE)
    return cents


@cache
def _whole_amount_pattern(locale: str) -> NumberPattern:
    """The locale's own currency pattern ("¤#,##0.00", "#,##0.00 ¤", ...) without the decimals."""
    pattern = parse_pattern(Locale.parse(locale).currency_formats["standard"].pattern)
    pattern.frac_prec = (0, 0)
    return pattern


@lru_cache(maxsize=4096)  # pages show the same few prices again and again; Babel is slow
def format_money(cents: int, currency: str, locale: str) -> str:
    """Cents as the city shows prices: "€45" (or "45 €") for whole amounts, "€45.50" otherwise."""
    amount = Decimal(cents) / 100
    if cents % 100 == 0:
        return _whole_amount_pattern(locale).apply(amount, locale, currency=currency, currency_digits=False)
    return format_currency(amount, currency, locale=locale)


def amount_text(cents: int) -> str:
    """An amount as a person types it into a form field again: "30", "30.50" (no currency)."""
    return f"{cents // 100}" if cents % 100 == 0 else f"{cents / 100:.2f}"
