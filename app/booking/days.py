"""The days a resident picks from: each with its number of free times, and the day a URL asks for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

DAY_UNREADABLE = "We couldn't read that day. Choose one of the days above."
DAY_NOT_SHOWN = "We show free times for the next {count} days only. Choose one of the days above."


@dataclass(frozen=True, slots=True)
class BookingDay:
    day: date
    free_times: int

    @property
    def is_open(self) -> bool:
        """Whether the day can be chosen: a day without free times is shown, but not as a link."""
        return self.free_times > 0

    @property
    def count_label(self) -> str:
        return f"{self.free_times} free" if self.is_open else "No times"


def asked_day(raw: str | None, days: Sequence[BookingDay]) -> tuple[date | None, str]:
    """The day ``raw`` (an ISO date from the URL) names if it is one of ``days``; else no day and
    why not (nothing when no day was asked for)."""
    if not raw:
        return None, ""
    try:
        asked = date.fromisoformat(raw)
    except ValueError:
        return None, DAY_UNREADABLE
    if not any(d.day == asked for d in days):
        return None, DAY_NOT_SHOWN.format(count=len(days))
    return asked, ""
