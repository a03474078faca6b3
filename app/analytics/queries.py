"""Reads of how often a provider was seen: listing and page views per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.analytics.tables import ProviderViewDay


@dataclass(frozen=True, slots=True)
class Views:
    listing: int
    page: int


async def views_since(provider_id: int, first_day: date) -> Views:
    rows = await ProviderViewDay.select(ProviderViewDay.listing_views, ProviderViewDay.page_views).where(
        ProviderViewDay.provider == provider_id, ProviderViewDay.day >= first_day
    )
    return Views(sum(r["listing_views"] for r in rows), sum(r["page_views"] for r in rows))


def last_days(today: date, days: int) -> date:
    return today - timedelta(days=days - 1)
