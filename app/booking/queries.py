"""Reads for booking: what a resident can book, their bookings, and a provider's calendar."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.booking.state import Status
from app.booking.tables import Booking, Slot, TimeOff
from app.catalog.tables import Provider, ProviderServiceArea, Service
from app.database import instant_from_db
from app.redemption.codes import grouped, normalize
from app.shared.citytime import city_day_bounds, city_today, to_city

BOOKING_DAYS_SHOWN = 14


@dataclass(frozen=True, slots=True)
class BookingView:
    id: int
    public_id: str
    status: Status
    starts_at: datetime
    ends_at: datetime
    held_until: datetime
    price_cents: int
    list_price_cents: int
    address: str
    neighbourhood: str | None
    note: str
    created_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str
    cancel_reason: str
    service_public_id: str
    service_name: str
    location: str
    provider_id: int
    provider_name: str
    provider_slug: str
    provider_address: str
    provider_phone: str
    resident_name: str
    resident_email: str
    confirmed_at: datetime | None
    redemption_code: str | None
    redeemed_at: datetime | None

    @property
    def code_display(self) -> str:
        return grouped(self.redemption_code) if self.redemption_code else ""

    @property
    def at_home(self) -> bool:
        return self.location == "customer_address"

    @property
    def saving_cents(self) -> int:
        return max(self.list_price_cents - self.price_cents, 0)

    def is_upcoming(self, now: datetime) -> bool:
        return self.status in (Status.held, Status.confirmed) and self.ends_at > now


_COLUMNS = (
    Booking.id,
    Booking.public_id,
    Booking.status,
    Booking.starts_at,
    Booking.ends_at,
    Booking.held_until,
    Booking.price_cents,
    Booking.list_price_cents,
    Booking.address,
    Booking.neighbourhood.name,
    Booking.note,
    Booking.created_at,
    Booking.cancelled_at,
    Booking.cancelled_by,
    Booking.cancel_reason,
    Booking.service.public_id,
    Booking.service.name,
    Booking.service.location,
    Booking.provider.id,
    Booking.provider.name,
    Booking.provider.slug,
    Booking.provider.address,
    Booking.provider.phone,
    Booking.resident.display_name,
    Booking.resident.email,
    Booking.confirmed_at,
    Booking.redemption_code,
    Booking.redeemed_at,
)


def _view(row: dict) -> BookingView:
    return BookingView(
        id=row["id"],
        public_id=row["public_id"],
        status=Status(row["status"]),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        held_until=row["held_until"],
        price_cents=row["price_cents"],
        list_price_cents=row["list_price_cents"],
        address=row["address"],
        neighbourhood=row["neighbourhood.name"],
        note=row["note"],
        created_at=row["created_at"],
        cancelled_at=row["cancelled_at"],
        cancelled_by=row["cancelled_by"],
        cancel_reason=row["cancel_reason"],
        service_public_id=row["service.public_id"],
        service_name=row["service.name"],
        location=row["service.location"],
        provider_id=row["provider.id"],
        provider_name=row["provider.name"],
        provider_slug=row["provider.slug"],
        provider_address=row["provider.address"],
        provider_phone=row["provider.phone"],
        resident_name=row["resident.display_name"],
        resident_email=row["resident.email"],
        confirmed_at=row["confirmed_at"],
        redemption_code=row["redemption_code"],
        redeemed_at=row["redeemed_at"],
    )


async def booking_view(
    public_id: str, *, resident_id: int | None = None, provider_id: int | None = None
) -> BookingView | None:
    """One booking, optionally only if it is this resident's or this provider's."""
    query = Booking.select(*_COLUMNS).where(Booking.public_id == public_id)
    if resident_id is not None:
        query = query.where(Booking.resident == resident_id)
    if provider_id is not None:
        query = query.where(Booking.provider == provider_id)
    row = await query.first()
    return _view(row) if row else None


async def resident_booking(resident_id: int, public_id: str) -> BookingView | None:
    return await booking_view(public_id, resident_id=resident_id)


async def provider_booking(provider_id: int, public_id: str) -> BookingView | None:
    return await booking_view(public_id, provider_id=provider_id)


async def find_bookings(text: str, *, limit: int = 50) -> list[BookingView]:
    """For admins: bookings by reference, redemption code or the resident's email; latest first.
    Without a search, the latest paid ones."""
    query = Booking.select(*_COLUMNS).order_by(Booking.created_at, ascending=False).limit(limit)
    text = text.strip()
    if not text:
        return [_view(row) for row in await query.where(Booking.confirmed_at.is_not_null())]
    code = normalize(text)
    matches = (Booking.public_id == text.lower()) | (Booking.resident.email == text.lower())
    if code is not None:
        matches = matches | (Booking.redemption_code == code)
    return [_view(row) for row in await query.where(matches)]


async def resident_bookings(
    resident_id: int, *, now: datetime
) -> tuple[list[BookingView], list[BookingView]]:
    """(upcoming, soonest first; past and ended, latest first). Holds that lapsed count as ended."""
    rows = await Booking.select(*_COLUMNS).where(Booking.resident == resident_id).order_by(Booking.starts_at)
    views = [_view(row) for row in rows]
    upcoming = [
        v for v in views if v.is_upcoming(now) and not (v.status is Status.held and v.held_until <= now)
    ]
    ids = {v.id for v in upcoming}
    past = sorted((v for v in views if v.id not in ids), key=lambda v: v.starts_at, reverse=True)
    return upcoming, past


# --- choosing a time ---------------------------------------------------------------------------


async def bookable_service(provider_slug: str, service_public_id: str) -> dict | None:
    """The service and its verified, not suspended provider, if residents can book it."""
    rows = await Service.raw(
        "SELECT s.id, s.public_id, s.name, s.description, s.duration_minutes, s.online_price_cents, "
        's.list_price_cents, s.location, p.id AS "provider.id", p.name AS "provider.name", '
        'p.slug AS "provider.slug", p.address AS "provider.address", '
        'p.min_notice_minutes AS "provider.min_notice_minutes", p.horizon_days AS "provider.horizon_days" '
        "FROM service s JOIN provider p ON p.id = s.provider "
        "WHERE s.public_id = {} AND p.slug = {} AND NOT s.is_archived "
        "AND p.is_verified AND NOT p.is_suspended",
        service_public_id,
        provider_slug,
    )
    return rows[0] if rows else None


async def hold_target(provider_slug: str, service_public_id: str, starts_at: datetime) -> dict | None:
    """The service, its provider and the slot starting at ``starts_at`` (slot columns None if none)."""
    rows = await Service.raw(
        "SELECT s.id AS service_id, s.provider, s.location, s.online_price_cents, s.list_price_cents, "
        "p.is_verified, p.is_suspended, p.next_free_at, sl.id AS slot_id, sl.starts_at, sl.ends_at, "
        "sl.booked, sl.capacity "
        "FROM service s JOIN provider p ON p.id = s.provider "
        "LEFT JOIN slot sl ON sl.service = s.id AND sl.starts_at = {} "
        "WHERE s.public_id = {} AND p.slug = {} AND NOT s.is_archived",
        starts_at,
        service_public_id,
        provider_slug,
    )
    return rows[0] if rows else None


async def service_id_of(provider_id: int, public_id: str) -> int | None:
    row = (
        await Service.select(Service.id)
        .where(Service.provider == provider_id, Service.public_id == public_id)
        .first()
    )
    return row["id"] if row else None


@dataclass(frozen=True, slots=True)
class BookingDay:
    day: date
    free_times: int


async def service_days(
    service_id: int, *, now: datetime, zone: ZoneInfo, days: int = BOOKING_DAYS_SHOWN
) -> list[BookingDay]:
    """The next ``days`` days with their number of free times, counted by the database."""
    today = city_today(now, zone)
    bounds = [city_day_bounds(today + timedelta(days=n), zone)[0] for n in range(days + 1)]
    # Each slot's day number, from the city's midnights (which SQL alone can't place).
    day_number = " ".join(f"WHEN starts_at < {{}} THEN {n}" for n in range(days - 1))
    rows = await Slot.raw(
        f"SELECT CASE {day_number} ELSE {days - 1} END AS day_number, COUNT(*) AS free_times FROM slot "
        "WHERE service = {} AND starts_at >= {} AND starts_at < {} "
        "AND book_by >= {} AND booked < capacity AND NOT is_closed GROUP BY day_number",
        *bounds[1:days],
        service_id,
        bounds[0],
        bounds[days],
        now,
    )
    free = {row["day_number"]: row["free_times"] for row in rows}
    return [BookingDay(today + timedelta(days=n), free.get(n, 0)) for n in range(days)]


async def service_day_times(service_id: int, day: date, *, now: datetime, zone: ZoneInfo) -> list[datetime]:
    start, end = city_day_bounds(day, zone)
    rows = await Slot.raw(
        "SELECT starts_at FROM slot WHERE service = {} AND starts_at >= {} AND starts_at < {} "
        "AND book_by >= {} AND booked < capacity AND NOT is_closed ORDER BY starts_at",
        service_id,
        start,
        end,
        now,
    )
    return [instant_from_db(row["starts_at"]) for row in rows]


async def service_area_choices(provider_id: int) -> list[tuple[int, str]]:
    rows = (
        await ProviderServiceArea.select(
            ProviderServiceArea.neighbourhood, ProviderServiceArea.neighbourhood.name
        )
        .where(ProviderServiceArea.provider == provider_id)
        .order_by(ProviderServiceArea.neighbourhood.name)
    )
    return [(row["neighbourhood"], row["neighbourhood.name"]) for row in rows]


# --- the provider's side -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarSlot:
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    is_closed: bool
    held: int

    @property
    def state(self) -> str:
        """closed, booked (full), held (full, some only held), partly, free."""
        if self.is_closed:
            return "closed"
        if self.booked >= self.capacity:
            return "held" if self.held and self.held == self.booked else "booked"
        return "partly" if self.booked else "free"


async def week_slots(
    service_id: int, first_day: date, *, zone: ZoneInfo, now: datetime
) -> dict[date, list[CalendarSlot]]:
    """Each day of the week starting ``first_day``: its slots of one service with their state."""
    start = city_day_bounds(first_day, zone)[0]
    end = city_day_bounds(first_day + timedelta(days=6), zone)[1]
    slots = (
        await Slot.select()
        .where(Slot.service == service_id, Slot.starts_at >= start, Slot.starts_at < end)
        .order_by(Slot.starts_at)
    )
    held = await Booking.select(Booking.slot).where(
        Booking.service == service_id,
        Booking.starts_at >= start,
        Booking.starts_at < end,
        Booking.status == Status.held.value,
        Booking.held_until > now,
    )
    held_per_slot = Counter(row["slot"] for row in held)
    week: dict[date, list[CalendarSlot]] = {first_day + timedelta(days=n): [] for n in range(7)}
    for row in slots:
        week.setdefault(to_city(row["starts_at"], zone).date(), []).append(
            CalendarSlot(
                id=row["id"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                capacity=row["capacity"],
                booked=row["booked"],
                is_closed=row["is_closed"],
                held=held_per_slot[row["id"]],
            )
        )
    return week


async def calendar_slot(provider_id: int, slot_id: int, *, now: datetime) -> CalendarSlot | None:
    row = await Slot.select().where(Slot.id == slot_id, Slot.provider == provider_id).first()
    if row is None:
        return None
    held = await Booking.count().where(
        Booking.slot == slot_id, Booking.status == Status.held.value, Booking.held_until > now
    )
    return CalendarSlot(
        row["id"], row["starts_at"], row["ends_at"], row["capacity"], row["booked"], row["is_closed"], held
    )


async def day_agenda(provider_id: int, day: date, *, zone: ZoneInfo) -> list[BookingView]:
    """A day's confirmed, done and missed bookings, in order (what the provider works through)."""
    start, end = city_day_bounds(day, zone)
    rows = (
        await Booking.select(*_COLUMNS)
        .where(
            Booking.provider == provider_id,
            Booking.starts_at >= start,
            Booking.starts_at < end,
            Booking.status.is_in([Status.confirmed.value, Status.redeemed.value, Status.no_show.value]),
        )
        .order_by(Booking.starts_at)
    )
    return [_view(row) for row in rows]


async def time_off_of(provider_id: int, *, today: date) -> list[dict]:
    return (
        await TimeOff.select()
        .where(TimeOff.provider == provider_id, TimeOff.last_day >= today)
        .order_by(TimeOff.first_day)
    )


async def provider_by_calendar_token(token: str) -> dict | None:
    if not token:
        return None
    return await Provider.select(Provider.id, Provider.name).where(Provider.calendar_token == token).first()


async def calendar_feed_bookings(provider_id: int, *, since: datetime) -> list[BookingView]:
    rows = (
        await Booking.select(*_COLUMNS)
        .where(
            Booking.provider == provider_id,
            Booking.ends_at >= since,
            Booking.status.is_in([Status.confirmed.value, Status.redeemed.value, Status.cancelled.value]),
        )
        .order_by(Booking.starts_at)
    )
    return [_view(row) for row in rows if row["status"] != Status.cancelled.value or row["cancelled_at"]]
