"""Counting listing and page views without a database write per request.

Each worker adds views up in memory and writes them as one upsert every few seconds (and at
shutdown), so a busy results page costs a dictionary update, not a write lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.shared.citytime import city_today

LISTING = "listing_views"
PAGE = "page_views"


class ViewCounter:
    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._pending: Counter[tuple[int, date, str]] = Counter()

    def listed(self, provider_ids: Iterable[int], now: datetime) -> None:
        day = city_today(now, self.zone)
        for provider_id in provider_ids:
            self._pending[(provider_id, day, LISTING)] += 1

    def page_viewed(self, provider_id: int, now: datetime) -> None:
        self._pending[(provider_id, city_today(now, self.zone), PAGE)] += 1

    def take(self) -> dict[tuple[int, date], tuple[int, int]]:
        """Hand over what was counted since the last call: {(provider, day): (listing, page)}."""
        pending, self._pending = self._pending, Counter()
        totals: dict[tuple[int, date], tuple[int, int]] = {}
        for (provider_id, day, kind), count in pending.items():
            listing, page = totals.get((provider_id, day), (0, 0))
            totals[(provider_id, day)] = (
                (listing + count, page) if kind == LISTING else (listing, page + count)
            )
        return totals
