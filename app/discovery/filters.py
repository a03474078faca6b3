"""What a resident asked the results page for, read leniently from the URL.

A value that can't be used is dropped with a message saying so, and the rest of the search
still runs: a typo in the price box never costs the resident their other choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from app.catalog.search import words
from app.shared.citytime import city_day_bounds, city_today
from app.shared.money import AmountError, amount_text, parse_amount
from app.shared.paging import page_number

MAX_QUERY_LENGTH = 100
SORTS = {
    "recommended": "Recommended",
    "rating": "Best rated",
    "price": "Lowest price",
    "soonest": "Soonest available",
}
RATINGS = {"4.5": "4.5 stars and up", "4": "4 stars and up", "3": "3 stars and up"}
RATING_TENTHS = {"4.5": 45, "4": 40, "3": 30}  # compared in whole numbers on every engine
AVAILABLE = {"today": "Today", "tomorrow": "Tomorrow", "week": "In the next 7 days"}
ON_A_DAY = "day"  # the "On a day" choice: the day itself comes in the form's date field

PRICE_UNREADABLE = "We ignored the {which} price “{text}”: {reason}"
PRICE_RANGE_SWAPPED = "The lowest price was above the highest, so we swapped them."
DATE_UNREADABLE = "We ignored the date “{text}”: pick a day from the calendar."
DATE_PAST = "That day has passed, so we looked from today instead."
DATE_TOO_FAR = "We ignored the date “{text}”: free times are shown up to {days} days ahead."
DAY_MISSING = "Pick a day in the calendar to see who is free then."
QUERY_UNUSABLE = "We couldn't search for “{text}”: use letters or numbers, like “plumber”."
FURTHEST_DAYS = 90  # the longest booking window a provider can choose


@dataclass(frozen=True, slots=True)
class Filters:
    query: str = ""
    category: str = ""  # slug
    neighbourhood: str = ""  # slug
    price_min_cents: int | None = None
    price_max_cents: int | None = None
    min_rating: str = ""  # a key of RATINGS
    available: str = ""  # a key of AVAILABLE, or an ISO date
    sort: str = "recommended"
    page: int = 1

    def without_page(self) -> Filters:
        return replace(self, page=1)

    def is_plain(self) -> bool:
        """Nothing narrows the list: the page is the whole city's catalogue."""
        return self.without_page() == Filters(sort=self.sort)

    def url(self, **changes) -> str:
        """The results URL for these filters with ``changes`` (a changed filter starts at page 1)."""
        changes.setdefault("page", 1)
        params = replace(self, **changes).to_params()
        return f"/?{urlencode(params)}" if params else "/"

    def to_params(self) -> dict[str, str]:
        """The URL query that reproduces these filters (for pagination and canonical links)."""
        params = {
            "q": self.query,
            "category": self.category,
            "neighbourhood": self.neighbourhood,
            "price_min": _euros(self.price_min_cents),
            "price_max": _euros(self.price_max_cents),
            "rating": self.min_rating,
            "available": self.available,
            "sort": "" if self.sort == "recommended" else self.sort,
            "page": "" if self.page == 1 else str(self.page),
        }
        return {key: value for key, value in params.items() if value}


def _euros(cents: int | None) -> str:
    return "" if cents is None else amount_text(cents)


def _price(params: Mapping[str, str], name: str, which: str, notes: list[str]) -> int | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse_amount(text)
    except AmountError as error:
        notes.append(PRICE_UNREADABLE.format(which=which, text=text[:20], reason=str(error)))
        return None


def _available(params: Mapping[str, str], notes: list[str]) -> str:
    """The "Free" choice. A day picked in the form's date field counts when the resident chose
    "On a day" or left the choice at "any day"; a shared URL carries the day itself."""
    available = (params.get("available") or "").strip()
    day = (params.get("day") or "").strip()
    if available == ON_A_DAY or (not available and day):
        if not day:
            notes.append(DAY_MISSING)
        return day
    return available


def parse_filters(params: Mapping[str, str], *, now: datetime, zone: ZoneInfo) -> tuple[Filters, list[str]]:
    """(filters, notes): notes tell the resident which values were ignored or adjusted, and why."""
    notes: list[str] = []
    price_min = _price(params, "price_min", "lowest", notes)
    price_max = _price(params, "price_max", "highest", notes)
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min, price_max = price_max, price_min
        notes.append(PRICE_RANGE_SWAPPED)
    available = _available(params, notes)
    if available and available not in AVAILABLE:
        try:
            day = date.fromisoformat(available)
        except ValueError:
            notes.append(DATE_UNREADABLE.format(text=available[:20]))
            available = ""
        else:
            if day < city_today(now, zone):
                notes.append(DATE_PAST)
                available = "today"
            elif day > city_today(now, zone) + timedelta(days=FURTHEST_DAYS):
                notes.append(DATE_TOO_FAR.format(text=available[:20], days=FURTHEST_DAYS))
                available = ""
    query = " ".join((params.get("q") or "").split())[:MAX_QUERY_LENGTH]
    if query and not words(query):
        notes.append(QUERY_UNUSABLE.format(text=query[:40]))
        query = ""
    rating = (params.get("rating") or "").strip()
    sort = (params.get("sort") or "").strip()
    filters = Filters(
        query=query,
        category=(params.get("category") or "").strip()[:80],
        neighbourhood=(params.get("neighbourhood") or "").strip()[:80],
        price_min_cents=price_min,
        price_max_cents=price_max,
        min_rating=rating if rating in RATINGS else "",
        available=available,
        sort=sort if sort in SORTS else "recommended",
        page=page_number(params.get("page")),
    )
    return filters, notes


def availability_range(available: str, *, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The UTC instants a free slot must start within for the "available" choice."""
    if not available:
        return None
    today = city_today(now, zone)
    if available == "today":
        return now, city_day_bounds(today, zone)[1]
    if available == "tomorrow":
        return city_day_bounds(today + timedelta(days=1), zone)
    if available == "week":
        return now, city_day_bounds(today + timedelta(days=6), zone)[1]
    day = date.fromisoformat(available)
    start, end = city_day_bounds(day, zone)
    return max(start, now), end
