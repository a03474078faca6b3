"""Reads for residents finding a provider: the results page and provider pages with their
free days and reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app import database
from app.booking.days import BookingDay
from app.booking.queries import BOOKING_DAYS_SHOWN, free_slot_sql
from app.catalog.hours import Interval
from app.catalog.queries import Photo
from app.catalog.rules import Price
from app.catalog.search import search_terms
from app.catalog.tables import (
    Provider,
    Service,
)
from app.database import SqlValues, instant_from_db
from app.discovery import ranking
from app.discovery.filters import RATING_TENTHS, Filters, availability_range
from app.reviews.queries import review_photos
from app.reviews.tables import Review
from app.shared.citytime import city_day_bounds, city_today
from app.shared.paging import Page, PageWindow

PER_PAGE = 20
REVIEWS_PER_PAGE = 5
DAYS_SHOWN = BOOKING_DAYS_SHOWN  # the provider page's strip reaches as far as the booking page's


@dataclass(frozen=True, slots=True)
class Rating:
    count: int
    total: int

    @property
    def mean(self) -> float | None:
        return ranking.mean_rating(self.count, self.total)


@dataclass(frozen=True, slots=True)
class ProviderCard:
    id: int
    slug: str
    name: str
    is_verified: bool
    neighbourhood: str | None
    categories: tuple[str, ...]
    from_price: Price | None
    cover: Photo | None
    rating: Rating
    next_free_at: datetime | None


@dataclass(frozen=True, slots=True)
class ResultsPage(Page[ProviderCard]):
    total: int  # providers matching, on every page (counted, so the page can say how many)


# --- results -----------------------------------------------------------------------------------


def _service_match(
    sql: SqlValues, filters: Filters, category_id: int | None, neighbourhood_id: int | None
) -> str:
    """Conditions on service ``s`` of provider ``p`` for the filters that concern services."""
    conditions = ["s.provider = p.id", "NOT s.is_archived"]
    if category_id is not None:
        conditions.append(f"s.category = {sql.bind(category_id)}")
    if filters.price_min_cents is not None:
        conditions.append(f"s.online_price_cents >= {sql.bind(filters.price_min_cents)}")
    if filters.price_max_cents is not None:
        conditions.append(f"s.online_price_cents <= {sql.bind(filters.price_max_cents)}")
    if neighbourhood_id is not None:
        # At home: the neighbourhood is in the service area. At the premises: the provider is there.
        conditions.append(
            "((s.location = 'customer_address' AND EXISTS (SELECT 1 FROM provider_service_area a "
            f"WHERE a.provider = p.id AND a.neighbourhood = {sql.bind(neighbourhood_id)})) "
            f"OR (s.location = 'provider_premises' AND p.neighbourhood = {sql.bind(neighbourhood_id)}))"
        )
    return " AND ".join(conditions)


def _order_by(sql: SqlValues, sort: str, now: datetime) -> str:
    weight, prior = ranking.PRIOR_WEIGHT, ranking.PRIOR_MEAN
    bayes = f"(({weight} * {prior} + p.rating_sum) * 1.0 / ({weight} + p.rating_count))"
    if sort == "rating":
        return f"{bayes} DESC, p.rating_count DESC"
    if sort == "price":
        return "from_price ASC"
    if sort == "soonest":
        return "next_free ASC NULLS LAST"
    availability = (
        "CASE WHEN p.next_free_at IS NULL THEN 0 "
        f"WHEN p.next_free_at <= {sql.bind(now + ranking.SOON)} THEN 1 "
        f"WHEN p.next_free_at <= {sql.bind(now + ranking.LATER)} THEN 0.5 ELSE 0 END"
    )
    return f"({ranking.RATING_SHARE} * {bayes} / 5 + {ranking.AVAILABILITY_SHARE} * {availability}) DESC"


def _conditions(
    sql: SqlValues,
    filters: Filters,
    category_id: int | None,
    neighbourhood_id: int | None,
    window: tuple[datetime, datetime] | None,
    now: datetime,
) -> str:
    matching = lambda: _service_match(sql, filters, category_id, neighbourhood_id)  # noqa: E731 - binds in place
    where = ["p.is_verified", "NOT p.is_suspended"]

    # Implied by the service match below; said outright, they let the database start from the
    # indexes of the category's services and the neighbourhood's providers, and read only the
    # providers that can match instead of every provider.
    def near() -> str:
        return (
            "(SELECT a.provider FROM provider_service_area a "
            f"WHERE a.neighbourhood = {sql.bind(neighbourhood_id)} "
            f"UNION SELECT b.id FROM provider b WHERE b.neighbourhood = {sql.bind(neighbourhood_id)})"
        )

    if category_id is not None:
        in_category = f"c.category = {sql.bind(category_id)} AND NOT c.is_archived"
        nearby = f" AND c.provider IN {near()}" if neighbourhood_id is not None else ""
        where.append(f"p.id IN (SELECT c.provider FROM service c WHERE {in_category}{nearby})")
    elif neighbourhood_id is not None:
        where.append(f"p.id IN {near()}")
    where.append(f"EXISTS (SELECT 1 FROM service s WHERE {matching()})")
    for term in search_terms(filters.query):
        where.append(f"p.search_text LIKE {sql.bind(f'% {term}%')}")
    if filters.min_rating:
        where.append(
            "p.rating_count > 0 AND p.rating_sum * 10 >= "
            f"{sql.bind(RATING_TENTHS[filters.min_rating])} * p.rating_count"
        )
    if window is not None:
        # Service by service, each a range of its (service, starts_at) index that stops at the
        # first free slot (a join of slots and services leaves the planners no such plan).
        where.append(
            f"EXISTS (SELECT 1 FROM service s WHERE {matching()} AND EXISTS (SELECT 1 FROM slot sl "
            f"WHERE sl.service = s.id AND sl.starts_at >= {sql.bind(window[0])} "
            f"AND sl.starts_at < {sql.bind(window[1])} AND {free_slot_sql('sl', sql, now)}))"
        )
    return " AND ".join(where)


async def search_providers(
    filters: Filters,
    *,
    now: datetime,
    zone: ZoneInfo,
    category_id: int | None = None,
    neighbourhood_id: int | None = None,
    per_page: int = PER_PAGE,
) -> ResultsPage:
    """Verified, not suspended providers matching the filters, one page of them, in the chosen order.

    One query whatever the page size: each row carries the total, the cover photo, and the
    from-price, categories and next free time of the services that match the filters.
    """
    window = availability_range(filters.available, now=now, zone=zone)
    offset = (filters.page - 1) * per_page
    sql = SqlValues()  # fragments are built in the order they appear, so the values line up
    matching = lambda: _service_match(sql, filters, category_id, neighbourhood_id)  # noqa: E731 - binds in place

    def from_price() -> str:
        return f"(SELECT MIN(s.online_price_cents) FROM service s WHERE {matching()})"

    def next_free() -> str:
        in_window = ""
        if window is not None:
            in_window = f"AND sl.starts_at >= {sql.bind(window[0])} AND sl.starts_at < {sql.bind(window[1])} "
        # The earliest of each matching service's first free slot, each read in time order from
        # its (service, starts_at) index and stopping at the first slot whose person is free: a
        # join of slots and services would make the planners test every slot of the month.
        return (
            "(SELECT MIN((SELECT sl.starts_at FROM slot sl WHERE sl.service = s.id "
            f"{in_window}AND {free_slot_sql('sl', sql, now)} ORDER BY sl.starts_at LIMIT 1)) "
            f"FROM service s WHERE {matching()})"
        )

    # The page's own columns, computed for its rows only (the inner query below picks them).
    price = from_price()
    # The in-store price of that cheapest service, for the struck-through price and the saving.
    list_price = (
        f"(SELECT s.list_price_cents FROM service s WHERE {matching()} "
        "ORDER BY s.online_price_cents, s.list_price_cents DESC LIMIT 1)"
    )
    aggregate = "group_concat(d.name, char(31))" if database.is_sqlite() else "string_agg(d.name, chr(31))"
    category_names = (
        f"(SELECT {aggregate} FROM (SELECT DISTINCT c.name, c.position FROM service s "
        f"JOIN category c ON c.id = s.category WHERE {matching()} ORDER BY c.position, c.name) d)"
    )
    free_time = next_free()
    # The inner query finds and orders the matching providers with as little as the sort needs.
    sort_keys = ""
    if filters.sort == "price":
        sort_keys = f", {from_price()} AS from_price"
    elif filters.sort == "soonest":
        sort_keys = f", {next_free()} AS next_free"
    where = _conditions(sql, filters, category_id, neighbourhood_id, window, now)
    inner_order = _order_by(sql, filters.sort, now)
    limit = f"LIMIT {sql.bind(per_page)} OFFSET {sql.bind(offset)}"
    outer_order = _order_by(sql, filters.sort, now)
    rows = await Provider.raw(
        "SELECT p.id, p.slug, p.name, p.is_verified, p.rating_count, p.rating_sum, "
        f"n.name AS neighbourhood_name, page.total, {price} AS from_price, "
        f"{list_price} AS from_list_price, {category_names} AS category_names, "
        f"{free_time} AS next_free, ph.image_key, ph.width, ph.height, ph.alt_text "
        f"FROM (SELECT p.id, COUNT(*) OVER () AS total{sort_keys} FROM provider p "
        f"WHERE {where} ORDER BY {inner_order}, p.name, p.id {limit}) page "
        "JOIN provider p ON p.id = page.id LEFT JOIN neighbourhood n ON n.id = p.neighbourhood "
        # The cover is the first photo.
        "LEFT JOIN provider_photo ph ON ph.id = (SELECT f.id FROM provider_photo f "
        "WHERE f.provider = p.id ORDER BY f.position, f.id LIMIT 1) "
        f"ORDER BY {outer_order}, p.name, p.id",
        *sql.args,
    )
    if rows:
        total = rows[0]["total"]
    else:  # past the last page: the window count has no row to ride on
        count_sql = SqlValues()
        where = _conditions(count_sql, filters, category_id, neighbourhood_id, window, now)
        counted = await Provider.raw(
            f"SELECT COUNT(*) AS total FROM provider p WHERE {where}", *count_sql.args
        )
        total = counted[0]["total"]
    cards = [_card(row) for row in rows]
    return ResultsPage(items=cards, page=filters.page, has_next=offset + len(rows) < total, total=total)


def _card(row: dict) -> ProviderCard:
    return ProviderCard(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        is_verified=bool(row["is_verified"]),
        neighbourhood=row["neighbourhood_name"],
        categories=tuple(row["category_names"].split("\x1f")) if row["category_names"] else (),
        from_price=Price(row["from_price"], row["from_list_price"]) if row["from_price"] else None,
        cover=Photo(row["image_key"], row["width"], row["height"], row["alt_text"])
        if row["image_key"]
        else None,
        rating=Rating(row["rating_count"], row["rating_sum"]),
        next_free_at=instant_from_db(row["next_free"]) if row["next_free"] else None,
    )


# --- provider page -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceOffer:
    id: int
    public_id: str
    name: str
    description: str
    category: str
    duration_minutes: int
    price: Price
    location: str
    capacity: int
    next_free_at: datetime | None
    rating: Rating


@dataclass(frozen=True, slots=True)
class ReviewView:
    stars: int
    body: str
    author: str
    service: str | None
    created_at: datetime
    reply: str
    replied_at: datetime | None
    # Written after a redeemed booking (the demo's imported reviews have none).
    verified_visit: bool
    photos: list[Photo]


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    id: int
    owner_id: int
    slug: str
    name: str
    description: str
    is_verified: bool
    neighbourhood: str | None
    address: str
    phone: str
    photos: list[Photo]
    hours: list[Interval]
    service_area: list[str]
    services: list[ServiceOffer]
    days: list[BookingDay]  # the free times per day of ``days_service``
    days_service: ServiceOffer | None
    rating: Rating
    stars: dict[int, int]  # approved reviews per number of stars, 5 to 1
    # Hidden from residents by an administrator; the owner still sees the page, with a banner.
    is_suspended: bool = False

    @property
    def works_at_premises(self) -> bool:
        return any(service.location == "provider_premises" for service in self.services)

    @property
    def comes_to_you(self) -> bool:
        return any(service.location == "customer_address" for service in self.services)


async def provider_profile(
    slug: str, *, now: datetime, zone: ZoneInfo, days_service: str | None = None
) -> ProviderProfile | None:
    """Everything the public provider page shows, in three queries: the provider with its star
    counts and the free times per day of one service (``days_service``, a public id; the first
    service by default), its services, then its photos, hours and service area."""
    today = city_today(now, zone)
    bounds = [city_day_bounds(today + timedelta(days=n), zone)[0] for n in range(DAYS_SHOWN + 1)]
    sql = SqlValues()
    stars = ", ".join(f"SUM(CASE WHEN r.stars = {n} THEN 1 ELSE 0 END) AS stars_{n}" for n in range(1, 6))
    # Distinct start times: two people free at 10:00 are one free time for a resident.
    days = ", ".join(
        f"SUM(CASE WHEN starts_at >= {sql.bind(bounds[n])} AND starts_at < {sql.bind(bounds[n + 1])} "
        f"THEN 1 ELSE 0 END) AS day_{n}"
        for n in range(DAYS_SHOWN)
    )
    # The values are bound in the order the fragments appear in the text.
    shown = (
        "COALESCE((SELECT c.id FROM service c JOIN provider cp ON cp.id = c.provider "
        f"WHERE cp.slug = {sql.bind(slug)} AND c.public_id = {sql.bind(days_service or '')} "
        "AND NOT c.is_archived), (SELECT c.id FROM service c JOIN provider cp ON cp.id = c.provider "
        f"WHERE cp.slug = {sql.bind(slug)} AND NOT c.is_archived ORDER BY c.position, c.id LIMIT 1))"
    )
    in_strip = f"sl.starts_at >= {sql.bind(bounds[0])} AND sl.starts_at < {sql.bind(bounds[-1])}"
    free = free_slot_sql("sl", sql, now)
    stars_provider = sql.bind(slug)
    provider = sql.bind(slug)
    rows = await Provider.raw(
        "SELECT p.id, p.owner, p.slug, p.name, p.description, p.is_verified, p.is_suspended, "
        "n.name AS neighbourhood_name, p.address, p.phone, p.rating_count, p.rating_sum, st.*, fr.* "
        "FROM provider p LEFT JOIN neighbourhood n ON n.id = p.neighbourhood "
        f"LEFT JOIN (SELECT {days} FROM (SELECT DISTINCT sl.starts_at FROM slot sl "
        f"WHERE sl.service = {shown} AND {in_strip} AND {free}) times) fr ON TRUE "
        f"LEFT JOIN (SELECT {stars} FROM review r JOIN provider rp ON rp.id = r.provider "
        f"WHERE rp.slug = {stars_provider} AND r.status = 'approved') st ON TRUE "
        f"WHERE p.slug = {provider}",
        *sql.args,
    )
    if not rows:
        return None
    row = rows[0]
    provider_id = row["id"]
    free_sql = SqlValues()
    free = free_slot_sql("sl", free_sql, now)
    services = await Service.raw(
        "SELECT s.id, s.public_id, s.name, s.description, c.name AS category, s.duration_minutes, "
        "s.online_price_cents, s.list_price_cents, s.location, s.capacity, s.rating_count, s.rating_sum, "
        f"(SELECT sl.starts_at FROM slot sl WHERE sl.service = s.id AND {free} "
        "ORDER BY sl.starts_at LIMIT 1) AS next_free "
        "FROM service s JOIN category c ON c.id = s.category "
        f"WHERE s.provider = {{}} AND NOT s.is_archived ORDER BY s.position, s.id",
        *free_sql.args,
        provider_id,
    )
    parts = await Provider.raw(
        "SELECT 0 AS kind, f.position AS a, f.id AS b, f.width AS c, f.height AS d, "
        "f.image_key AS t, f.alt_text AS u FROM provider_photo f WHERE f.provider = {} "
        "UNION ALL SELECT 1, h.weekday, h.opens_minute, h.closes_minute, NULL, NULL, NULL "
        "FROM opening_hours h WHERE h.provider = {} AND h.service IS NULL "
        "UNION ALL SELECT 2, NULL, NULL, NULL, NULL, n.name, NULL FROM provider_service_area sa "
        "JOIN neighbourhood n ON n.id = sa.neighbourhood WHERE sa.provider = {} "
        "ORDER BY kind, a, b, t",
        provider_id,
        provider_id,
        provider_id,
    )
    offers = [
        ServiceOffer(
            id=s["id"],
            public_id=s["public_id"],
            name=s["name"],
            description=s["description"],
            category=s["category"],
            duration_minutes=s["duration_minutes"],
            price=Price(s["online_price_cents"], s["list_price_cents"]),
            location=s["location"],
            capacity=s["capacity"],
            next_free_at=instant_from_db(s["next_free"]) if s["next_free"] else None,
            rating=Rating(s["rating_count"], s["rating_sum"]),
        )
        for s in services
    ]
    return ProviderProfile(
        id=provider_id,
        owner_id=row["owner"],
        slug=row["slug"],
        name=row["name"],
        description=row["description"],
        is_verified=bool(row["is_verified"]),
        is_suspended=bool(row["is_suspended"]),
        neighbourhood=row["neighbourhood_name"],
        address=row["address"],
        phone=row["phone"],
        photos=[Photo(p["t"], p["c"], p["d"], p["u"]) for p in parts if p["kind"] == 0],
        hours=[Interval(h["a"], h["b"], h["c"]) for h in parts if h["kind"] == 1],
        service_area=[a["t"] for a in parts if a["kind"] == 2],
        services=offers,
        days=[BookingDay(today + timedelta(days=n), row[f"day_{n}"] or 0) for n in range(DAYS_SHOWN)],
        days_service=next((o for o in offers if o.public_id == days_service), offers[0] if offers else None),
        rating=Rating(row["rating_count"], row["rating_sum"]),
        stars={n: row[f"stars_{n}"] or 0 for n in range(5, 0, -1)},
    )


async def provider_reviews(
    provider_id: int, *, page: int, per_page: int = REVIEWS_PER_PAGE
) -> Page[ReviewView]:
    """Approved reviews, newest first, with the provider's replies."""
    window = PageWindow(page, per_page)
    rows = (
        await Review.select(
            Review.id,
            Review.booking,
            Review.stars,
            Review.body,
            Review.author.display_name,
            Review.service.name,
            Review.created_at,
            Review.reply,
            Review.replied_at,
        )
        .where(Review.provider == provider_id, Review.status == "approved")
        .order_by(Review.created_at, ascending=False)
        .order_by(Review.id, ascending=False)
        .limit(window.limit)
        .offset(window.offset)
    )
    photos = await review_photos([r["id"] for r in window.shown(rows)])
    return window.page(
        rows,
        lambda r: ReviewView(
            stars=r["stars"],
            body=r["body"],
            author=_first_name_and_initial(r["author.display_name"]),
            service=r["service.name"],
            created_at=r["created_at"],
            reply=r["reply"],
            replied_at=r["replied_at"],
            verified_visit=r["booking"] is not None,
            photos=photos.get(r["id"], []),
        ),
    )


def _first_name_and_initial(display_name: str) -> str:
    """Reviews show "Lucía N.", never a resident's full name."""
    parts = display_name.split()
    if len(parts) < 2:
        return display_name
    return f"{parts[0]} {parts[-1][0]}."
