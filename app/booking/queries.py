"""Reads for booking: what a resident can book, their bookings, and a provider's calendar."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.booking.availability import Claim, MemberSlot, clashes
from app.booking.codes import grouped, normalize
from app.booking.days import BookingDay
from app.booking.state import LIVE_STATUSES_SQL, Status
from app.booking.tables import Booking, ClosedTime, Slot, TimeOff
from app.catalog.rules import Price, ServiceLocation
from app.catalog.tables import Provider, ProviderServiceArea, Service
from app.database import SqlValues, instant_from_db
from app.shared.citytime import city_day_bounds, city_today, to_city

BOOKING_DAYS_SHOWN = 14


def free_slot_sql(
    alias: str,
    sql: SqlValues,
    now: datetime,
    *,
    for_residents: bool = True,
    ignoring_booking: int | None = None,
) -> str:
    """SQL that is true when slot ``alias`` can take one more booking at ``now``.

    A seat is left, the time is open and for sale (not closed, not withdrawn) and, for residents,
    still bookable (``book_by``), and the
    slot's member has no other live booking whose claim overlaps the slot's own. A member's live
    bookings never overlap each other (the database sees to it), so only the latest one starting
    before the slot's claim ends can overlap it: one step of ``booking_member_live_idx``. The
    same text decides what residents are offered and, inside a conditional UPDATE, what a hold
    claims. A provider moving a booking may use a time past the notice (``for_residents=False``);
    a booking moving to another time doesn't stand in its own way (``ignoring_booking``).
    """
    bookable = ""
    if for_residents:
        bookable = f"{alias}.starts_at >= {sql.bind(now)} AND {alias}.book_by >= {sql.bind(now)} AND "
    itself = f"AND b.id <> {sql.bind(ignoring_booking)} " if ignoring_booking is not None else ""
    return (
        f"{bookable}{alias}.booked < {alias}.capacity AND NOT {alias}.is_closed AND NOT {alias}.is_withdrawn "
        f"AND COALESCE((SELECT b.claim_until FROM booking b WHERE b.member = {alias}.member "
        f"AND b.status IN ({LIVE_STATUSES_SQL}) AND b.slot <> {alias}.id {itself}"
        f"AND b.starts_at < {alias}.claim_until ORDER BY b.starts_at DESC LIMIT 1) "
        f"<= {alias}.starts_at, TRUE)"
    )


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
    member_public_id: str | None  # None: not assigned yet (see the team migration)
    member_name: str | None
    member_requested: bool

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

    def status_at(self, now: datetime) -> Status:
        """The status as of ``now``: a hold whose time ran out is expired, before the sweep stores it."""
        return Status.expired if self.status is Status.held and self.held_until <= now else self.status


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
    Booking.member.public_id,
    Booking.member.name,
    Booking.member_requested,
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
        member_public_id=row["member.public_id"],
        member_name=row["member.name"],
        member_requested=bool(row["member_requested"]),
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


@dataclass(frozen=True, slots=True)
class BookableService:
    """A service residents can book now, with the provider it belongs to."""

    id: int
    public_id: str
    name: str
    duration_minutes: int
    price: Price
    at_home: bool  # at the resident's address; otherwise at the provider's premises
    provider_id: int
    provider_name: str
    provider_slug: str
    provider_address: str


async def bookable_service(provider_slug: str, service_public_id: str) -> BookableService | None:
    """The service and its verified, not suspended provider, if residents can book it."""
    rows = await Service.raw(
        "SELECT s.id, s.public_id, s.name, s.duration_minutes, s.online_price_cents, s.list_price_cents, "
        "s.location, p.id AS provider_id, p.name AS provider_name, p.slug AS provider_slug, "
        "p.address AS provider_address "
        "FROM service s JOIN provider p ON p.id = s.provider "
        "WHERE s.public_id = {} AND p.slug = {} AND NOT s.is_archived "
        "AND p.is_verified AND NOT p.is_suspended",
        service_public_id,
        provider_slug,
    )
    if not rows:
        return None
    row = rows[0]
    return BookableService(
        id=row["id"],
        public_id=row["public_id"],
        name=row["name"],
        duration_minutes=row["duration_minutes"],
        price=Price(online_cents=row["online_price_cents"], list_cents=row["list_price_cents"]),
        at_home=row["location"] == ServiceLocation.customer_address.value,
        provider_id=row["provider_id"],
        provider_name=row["provider_name"],
        provider_slug=row["provider_slug"],
        provider_address=row["provider_address"],
    )


@dataclass(frozen=True, slots=True)
class HoldTarget:
    """A service as a hold needs it, with its team members' slots at the chosen start."""

    service_id: int
    provider_id: int
    location: str
    online_price_cents: int
    list_price_cents: int
    is_verified: bool
    is_suspended: bool
    next_free_at: datetime | None
    slots: list[TargetSlot]


@dataclass(frozen=True, slots=True)
class TargetSlot:
    slot: MemberSlot
    member_public_id: str | None  # None: the member is no longer active
    is_free: bool
    day_load: int  # the member's live bookings that city day
    member_position: int


def _slots_at_sql(
    sql: SqlValues, starts_at: datetime, *, now: datetime, zone: ZoneInfo, **free
) -> tuple[str, str]:
    """The columns and joins that bring every member's slot of service ``s`` starting at ``starts_at``."""
    day_start, day_end = city_day_bounds(to_city(starts_at, zone).date(), zone)
    columns = (
        "sl.id AS slot_id, sl.member, sl.starts_at, sl.ends_at, sl.claim_until, sl.booked, sl.capacity, "
        "sl.is_closed, sl.is_withdrawn, sl.book_by, m.public_id AS member_public_id, "
        "m.position AS member_position, "
        f"CASE WHEN sl.id IS NOT NULL AND {free_slot_sql('sl', sql, now, **free)} THEN 1 ELSE 0 END "
        "AS is_free, "
        "(SELECT COUNT(*) FROM booking b WHERE b.member = sl.member "
        f"AND b.status IN ({LIVE_STATUSES_SQL}) AND b.starts_at >= {sql.bind(day_start)} "
        f"AND b.starts_at < {sql.bind(day_end)}) AS day_load"
    )
    joins = (
        f"LEFT JOIN slot sl ON sl.service = s.id AND sl.starts_at = {sql.bind(starts_at)} "
        "LEFT JOIN team_member m ON m.id = sl.member AND m.is_active"
    )
    return columns, joins


def _target_slots(rows: list[dict]) -> list[TargetSlot]:
    return [
        TargetSlot(
            slot=_member_slot(row),
            member_public_id=row["member_public_id"],
            is_free=bool(row["is_free"]) and row["member_public_id"] is not None,
            day_load=row["day_load"],
            member_position=row["member_position"] or 0,
        )
        for row in rows
        if row["slot_id"] is not None
    ]


async def hold_target(
    provider_slug: str, service_public_id: str, starts_at: datetime, *, now: datetime, zone: ZoneInfo
) -> HoldTarget | None:
    """The service, its provider and every member's slot starting at ``starts_at``, in one query."""
    sql = SqlValues()
    columns, joins = _slots_at_sql(sql, starts_at, now=now, zone=zone)
    rows = await Service.raw(
        "SELECT s.id AS service_id, s.provider, s.location, s.online_price_cents, s.list_price_cents, "
        f"p.is_verified, p.is_suspended, p.next_free_at, {columns} "
        f"FROM service s JOIN provider p ON p.id = s.provider {joins} "
        f"WHERE s.public_id = {sql.bind(service_public_id)} AND p.slug = {sql.bind(provider_slug)} "
        "AND NOT s.is_archived",
        *sql.args,
    )
    if not rows:
        return None
    first = rows[0]
    return HoldTarget(
        service_id=first["service_id"],
        provider_id=first["provider"],
        location=first["location"],
        online_price_cents=first["online_price_cents"],
        list_price_cents=first["list_price_cents"],
        is_verified=bool(first["is_verified"]),
        is_suspended=bool(first["is_suspended"]),
        next_free_at=instant_from_db(first["next_free_at"]) if first["next_free_at"] else None,
        slots=_target_slots(rows),
    )


async def slots_at(
    service_id: int,
    starts_at: datetime,
    *,
    now: datetime,
    zone: ZoneInfo,
    ignoring_booking: int | None = None,
) -> list[TargetSlot]:
    """Every member's slot of a service starting at ``starts_at`` (a booking moving there doesn't
    count against its own member)."""
    sql = SqlValues()
    columns, joins = _slots_at_sql(sql, starts_at, now=now, zone=zone, ignoring_booking=ignoring_booking)
    rows = await Service.raw(
        f"SELECT {columns} FROM service s {joins} WHERE s.id = {sql.bind(service_id)}", *sql.args
    )
    return _target_slots(rows)


def _member_slot(row: dict, *, id_column: str = "slot_id") -> MemberSlot:
    return MemberSlot(
        slot_id=row[id_column],
        member_id=row["member"],
        starts_at=instant_from_db(row["starts_at"]),
        ends_at=instant_from_db(row["ends_at"]),
        claim_until=instant_from_db(row["claim_until"]),
        capacity=row["capacity"],
        booked=row["booked"],
        is_closed=bool(row["is_closed"]),
        is_withdrawn=bool(row["is_withdrawn"]),
        book_by=instant_from_db(row["book_by"]),
    )


async def service_id_of(provider_id: int, public_id: str) -> int | None:
    row = (
        await Service.select(Service.id)
        .where(Service.provider == provider_id, Service.public_id == public_id)
        .first()
    )
    return row["id"] if row else None


async def service_days(
    service_id: int,
    *,
    now: datetime,
    zone: ZoneInfo,
    member_id: int | None = None,
    ignoring_booking: int | None = None,
    days: int = BOOKING_DAYS_SHOWN,
) -> list[BookingDay]:
    """The next ``days`` days with their number of free times (of one member, or of anyone).

    ``ignoring_booking``: a booking looking for a new time doesn't make its own member busy.
    """
    today = city_today(now, zone)
    bounds = [city_day_bounds(today + timedelta(days=n), zone)[0] for n in range(days + 1)]
    sql = SqlValues()
    # Each slot's day number, from the city's midnights (which SQL alone can't place).
    day_number = " ".join(f"WHEN starts_at < {sql.bind(bounds[n + 1])} THEN {n}" for n in range(days - 1))
    rows = await Slot.raw(
        # Distinct starts: two members free at 10:00 are one free time for the resident.
        f"SELECT CASE {day_number} ELSE {days - 1} END AS day_number, COUNT(*) AS free_times "
        "FROM (SELECT DISTINCT sl.starts_at FROM slot sl "
        f"WHERE sl.service = {sql.bind(service_id)} AND sl.starts_at >= {sql.bind(bounds[0])} "
        f"AND sl.starts_at < {sql.bind(bounds[days])} {_member_filter(sql, member_id)}"
        f"AND {free_slot_sql('sl', sql, now, ignoring_booking=ignoring_booking)}) times "
        "GROUP BY day_number",
        *sql.args,
    )
    free = {row["day_number"]: row["free_times"] for row in rows}
    return [BookingDay(today + timedelta(days=n), free.get(n, 0)) for n in range(days)]


def _member_filter(sql: SqlValues, member_id: int | None) -> str:
    return "" if member_id is None else f"AND sl.member = {sql.bind(member_id)} "


async def service_day_times(
    service_id: int,
    day: date,
    *,
    now: datetime,
    zone: ZoneInfo,
    member_id: int | None = None,
    ignoring_booking: int | None = None,
) -> list[datetime]:
    """A day's free start times of a service (of one member, or of anyone)."""
    start, end = city_day_bounds(day, zone)
    sql = SqlValues()
    rows = await Slot.raw(
        f"SELECT DISTINCT sl.starts_at FROM slot sl WHERE sl.service = {sql.bind(service_id)} "
        f"AND sl.starts_at >= {sql.bind(start)} AND sl.starts_at < {sql.bind(end)} "
        f"{_member_filter(sql, member_id)}"
        f"AND {free_slot_sql('sl', sql, now, ignoring_booking=ignoring_booking)} ORDER BY sl.starts_at",
        *sql.args,
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
    """A start time of a service with one team member, as the provider's calendar shows it."""

    id: int
    member_public_id: str
    member_name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    is_closed: bool
    held: int
    busy_with: str | None  # the member is on another booking then: that booking's service
    is_withdrawn: bool = False  # out of the hours: its bookings stay, it takes no more

    @property
    def state(self) -> str:
        """closed, booked (full or withdrawn), held (the same, some only held), partly, busy
        (elsewhere), free."""
        if self.is_closed:
            return "closed"
        if self.booked >= self.capacity or self.is_withdrawn:
            return "held" if self.held and self.held == self.booked else "booked"
        if self.busy_with is not None:
            return "busy"
        return "partly" if self.booked else "free"


@dataclass(frozen=True, slots=True)
class CalendarTime:
    """One start time of a service across the whole team (the calendar for everyone)."""

    slots: tuple[CalendarSlot, ...]

    @property
    def id(self) -> int:
        return self.slots[0].id

    @property
    def starts_at(self) -> datetime:
        return self.slots[0].starts_at

    @property
    def free(self) -> int:
        return sum(1 for slot in self.slots if slot.state in ("free", "partly"))

    @property
    def booked(self) -> int:
        return sum(slot.booked for slot in self.slots)

    @property
    def is_closed(self) -> bool:
        return all(slot.is_closed for slot in self.slots)

    @property
    def state(self) -> str:
        """closed (for everyone), free (everyone free), partly (some free), booked (nobody free)."""
        if self.is_closed:
            return "closed"
        if self.free == len(self.slots):
            return "free"
        return "partly" if self.free else "booked"


async def _calendar_slots(
    service_id: int, start: datetime, end: datetime, *, now: datetime, member_id: int | None
) -> list[CalendarSlot]:
    """The service's slots starting in [start, end) (one member's, or everyone's), with their state."""
    query = (
        Slot.select(Slot.all_columns(), Slot.member.public_id, Slot.member.name)
        .where(Slot.service == service_id, Slot.starts_at >= start, Slot.starts_at < end)
        # Slots withdrawn from the hours show only while someone is booked on them.
        .where(Slot.is_withdrawn.eq(False) | (Slot.booked > 0))
        .order_by(Slot.starts_at)
        .order_by(Slot.member.position)
    )
    if member_id is not None:
        query = query.where(Slot.member == member_id)
    slots = await query
    members = sorted({row["member"] for row in slots})
    if not members:
        return []
    # Live bookings of these members around the range: what makes them busy or holds a seat.
    live = await Booking.select(
        Booking.slot,
        Booking.member,
        Booking.status,
        Booking.starts_at,
        Booking.claim_until,
        Booking.held_until,
        Booking.service.name,
    ).where(
        Booking.member.is_in(members),
        Booking.starts_at < end + timedelta(days=1),
        Booking.starts_at >= start - timedelta(days=1),
        Booking.status.is_in([status.value for status in (Status.held, Status.confirmed, Status.redeemed)]),
    )
    held = Counter(
        row["slot"] for row in live if row["status"] == Status.held.value and row["held_until"] > now
    )
    claims = [
        (Claim(row["member"], row["slot"], row["starts_at"], row["claim_until"]), row["service.name"])
        for row in live
    ]
    calendar = []
    for row in slots:
        slot = _member_slot(row, id_column="id")
        busy_with = next((name for claim, name in claims if clashes(slot, claim)), None)
        calendar.append(
            CalendarSlot(
                id=row["id"],
                member_public_id=row["member.public_id"],
                member_name=row["member.name"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                capacity=row["capacity"],
                booked=row["booked"],
                is_closed=row["is_closed"],
                held=held[row["id"]],
                busy_with=busy_with,
                is_withdrawn=bool(row["is_withdrawn"]),
            )
        )
    return calendar


def _by_start(slots: list[CalendarSlot]) -> list[CalendarTime]:
    times: dict[datetime, list[CalendarSlot]] = {}
    for slot in slots:
        times.setdefault(slot.starts_at, []).append(slot)
    return [CalendarTime(tuple(group)) for group in times.values()]


async def week_slots(
    service_id: int, first_day: date, *, zone: ZoneInfo, now: datetime, member_id: int | None = None
) -> dict[date, list[CalendarSlot] | list[CalendarTime]]:
    """Each day of the week starting ``first_day``: one member's slots of a service, or (without
    ``member_id``) its start times across the team."""
    start = city_day_bounds(first_day, zone)[0]
    end = city_day_bounds(first_day + timedelta(days=6), zone)[1]
    slots = await _calendar_slots(service_id, start, end, now=now, member_id=member_id)
    week: dict[date, list] = {first_day + timedelta(days=n): [] for n in range(7)}
    for slot in slots:
        week.setdefault(to_city(slot.starts_at, zone).date(), []).append(slot)
    if member_id is None:
        week = {day: _by_start(day_slots) for day, day_slots in week.items()}
    return week


async def calendar_entry(
    provider_id: int, slot_id: int, *, now: datetime, everyone: bool
) -> CalendarSlot | CalendarTime | None:
    """One tile of the calendar again, after it was closed or reopened."""
    row = (
        await Slot.select(Slot.service, Slot.member, Slot.starts_at)
        .where(Slot.id == slot_id, Slot.provider == provider_id)
        .first()
    )
    if row is None:
        return None
    at = row["starts_at"]
    slots = await _calendar_slots(
        row["service"], at, at + timedelta(seconds=1), now=now, member_id=None if everyone else row["member"]
    )
    if not slots:
        return None
    return _by_start(slots)[0] if everyone else slots[0]


async def day_agenda(
    provider_id: int, day: date, *, zone: ZoneInfo, member_id: int | None = None
) -> list[BookingView]:
    """A day's confirmed, done and missed bookings, in order (what the provider works through)."""
    start, end = city_day_bounds(day, zone)
    query = (
        Booking.select(*_COLUMNS)
        .where(
            Booking.provider == provider_id,
            Booking.starts_at >= start,
            Booking.starts_at < end,
            Booking.status.is_in([Status.confirmed.value, Status.redeemed.value, Status.no_show.value]),
        )
        .order_by(Booking.starts_at)
    )
    if member_id is not None:
        query = query.where(Booking.member == member_id)
    return [_view(row) for row in await query]


async def unassigned_bookings(provider_id: int, *, now: datetime) -> list[BookingView]:
    """Upcoming live bookings nobody is assigned to (sold twice before team scheduling existed)."""
    rows = (
        await Booking.select(*_COLUMNS)
        .where(
            Booking.provider == provider_id,
            Booking.member.is_null(),
            Booking.ends_at > now,
            Booking.status.is_in([Status.held.value, Status.confirmed.value]),
        )
        .order_by(Booking.starts_at)
    )
    return [_view(row) for row in rows]


async def member_upcoming_bookings(member_id: int, *, now: datetime) -> list[BookingView]:
    """A member's held and confirmed bookings that have not ended: what deactivating them affects."""
    rows = (
        await Booking.select(*_COLUMNS)
        .where(
            Booking.member == member_id,
            Booking.ends_at > now,
            Booking.status.is_in([Status.held.value, Status.confirmed.value]),
        )
        .order_by(Booking.starts_at)
    )
    return [_view(row) for row in rows]


async def closed_times_of(
    member_ids: list[int], start: datetime, end: datetime
) -> list[tuple[int, datetime, datetime]]:
    """The members' closed times overlapping [start, end), as (member id, from, until)."""
    if not member_ids:
        return []
    rows = await ClosedTime.select(ClosedTime.member, ClosedTime.starts_at, ClosedTime.ends_at).where(
        ClosedTime.member.is_in(member_ids), ClosedTime.starts_at < end, ClosedTime.ends_at > start
    )
    return [(row["member"], row["starts_at"], row["ends_at"]) for row in rows]


@dataclass(frozen=True, slots=True)
class DaysOff:
    id: int
    first_day: date
    last_day: date
    note: str


async def time_off_of(provider_id: int, *, today: date, member_id: int | None = None) -> list[DaysOff]:
    """Days off still to come: the whole business's, or (with ``member_id``) one member's."""
    query = TimeOff.select(TimeOff.id, TimeOff.first_day, TimeOff.last_day, TimeOff.note).where(
        TimeOff.provider == provider_id, TimeOff.last_day >= today
    )
    query = query.where(TimeOff.member.is_null() if member_id is None else TimeOff.member == member_id)
    rows = await query.order_by(TimeOff.first_day)
    return [DaysOff(r["id"], r["first_day"], r["last_day"], r["note"]) for r in rows]


@dataclass(frozen=True, slots=True)
class FeedOwner:
    """The provider a calendar feed's secret address belongs to."""

    id: int
    name: str


async def provider_by_calendar_token(token: str) -> FeedOwner | None:
    if not token:
        return None
    row = await Provider.select(Provider.id, Provider.name).where(Provider.calendar_token == token).first()
    return FeedOwner(row["id"], row["name"]) if row else None


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
