"""When a code may be redeemed, and for how long a redemption can be undone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.shared.citytime import city_day_bounds, city_today

UNDO_WINDOW = timedelta(minutes=10)


def redeemable_from(starts_at: datetime, zone: ZoneInfo) -> datetime:
    """Codes work from the start of the visit's day in the city: a provider who arrives early
    can redeem, but nobody can take the money for a visit days ahead."""
    return city_day_bounds(city_today(starts_at, zone), zone)[0]


def may_redeem_now(starts_at: datetime, now: datetime, zone: ZoneInfo) -> bool:
    return now >= redeemable_from(starts_at, zone)


def undo_deadline(redeemed_at: datetime) -> datetime:
    return redeemed_at + UNDO_WINDOW


def may_undo(redeemed_at: datetime, now: datetime) -> bool:
    return now <= undo_deadline(redeemed_at)
