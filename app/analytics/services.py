"""Writes for analytics: adding counted views to the per-day totals."""

from __future__ import annotations

from datetime import date

from app.analytics.tables import ProviderViewDay

_BATCH = 300


async def views_add(totals: dict[tuple[int, date], tuple[int, int]]) -> None:
    """Add view counts to each provider's day in one statement per batch (an upsert on both engines)."""
    rows = list(totals.items())
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        values = ", ".join("({}, {}, {}, {})" for _ in batch)
        args = [
            value
            for (provider_id, day), (listing, page) in batch
            for value in (provider_id, day, listing, page)
        ]
        await ProviderViewDay.raw(
            "INSERT INTO provider_view_day (provider, day, listing_views, page_views) "
            f"VALUES {values} ON CONFLICT (provider, day) DO UPDATE SET "
            "listing_views = provider_view_day.listing_views + excluded.listing_views, "
            "page_views = provider_view_day.page_views + excluded.page_views",
            *args,
        )
