"""The payout spreadsheets administrators download: one row per provider for a month, or one row
per booking behind one provider's payout. Plain Python: rows in, CSV text out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.shared.citytime import format_city_time

# A cell starting with one of these runs as a formula in a spreadsheet; names are typed by providers.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PAYOUTS_HEADER = (
    "provider",
    "web_address",
    "bookings",
    "paid",
    "refunded",
    "commission",
    "payout",
    "currency",
)
BOOKINGS_HEADER = (
    "booking",
    "released",
    "visit",
    "service",
    "customer",
    "outcome",
    "paid",
    "refunded",
    "commission",
    "payout",
    "currency",
)
_WHEN = "yyyy-MM-dd HH:mm"


def amount(cents: int) -> str:
    """Two decimals and a dot, whatever the city's language: spreadsheets read it as a number."""
    return f"{Decimal(cents) / 100:.2f}"


def cell(value: object) -> str:
    """A spreadsheet cell that can't run as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


def payouts_csv(rows: Iterable, *, currency: str) -> str:
    """One row per provider: its month's bookings and money (payments.queries.payouts)."""
    return csv_text(
        [
            PAYOUTS_HEADER,
            *(
                (
                    row.name,
                    row.slug,
                    row.totals.bookings,
                    amount(row.totals.paid_cents),
                    amount(row.totals.refunded_cents),
                    amount(row.totals.commission_cents),
                    amount(row.totals.earning_cents),
                    currency,
                )
                for row in rows
            ),
        ]
    )


def provider_payout_csv(lines: Iterable, *, zone: ZoneInfo, locale: str, currency: str) -> str:
    """One row per booking behind one provider's payout (payments.queries.released_between)."""
    return csv_text(
        [
            BOOKINGS_HEADER,
            *(
                (
                    line.public_id,
                    format_city_time(line.released_at, zone, locale, _WHEN),
                    format_city_time(line.starts_at, zone, locale, _WHEN),
                    line.service_name,
                    line.customer,
                    line.status.label,
                    amount(line.ledger.paid_cents),
                    amount(line.ledger.refunded_cents),
                    amount(line.ledger.commission_cents),
                    amount(line.ledger.earning_cents),
                    currency,
                )
                for line in lines
            ),
        ]
    )
