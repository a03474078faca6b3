"""A city at benchmark scale: thousands of providers, a month of slots and a long booking history.

Made from the demo city's material (app.demo.data, the loader's provider drafts) and the app's own
pure rules (slot times, book-by times, search documents), planned in Python and then written with
multi-row INSERTs in one transaction. Never in production, and only into an empty database.

Ids are given explicitly (the database is empty), so rows can point at each other without reading
anything back. A slot pattern (the start times of one kind of service) is the same for every
provider with the same hours, duration, buffer and notice, so future slots are made by the
database from one pattern and the list of services that share it (INSERT ... SELECT).
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import math
import os
import random
import secrets
import shutil
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from app import database
from app.accounts import passwords
from app.accounts.identity import Role
from app.accounts.tables import UserAccount
from app.booking.availability import claim_end
from app.booking.codes import new_code
from app.booking.slots import SlotTime, book_by, booking_window, slot_times
from app.booking.state import Status
from app.catalog.hours import Interval
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Category, Neighbourhood, Provider
from app.demo.data import (
    CATEGORIES,
    NEIGHBOURHOODS,
    REPLIES,
    REVIEW_TEXTS,
    REVIEWER_NAMES,
    SOLO_NAMES,
    STREETS,
)
from app.demo.loader import (
    DemoRefusedError,
    PlannedProvider,
    ProviderDraft,
    _draft,
    _hours,
    _insert_categories,
    _insert_neighbourhoods,
    _stars,
)
from app.demo.photos import demo_photo
from app.media.storage import MediaStore, StoredImage
from app.settings import Settings
from app.shared.citytime import city_today
from app.shared.text import slugify

EMAIL_DOMAIN = "bench.cityloop.example"
# Every resident and owner account signs in with this password (one hash, computed once).
BENCH_PASSWORD = "bench-password"
HISTORY_DAYS = 120  # past bookings happened in the last four months
PHOTOS_PER_CATEGORY = 2
# Share of past bookings that were cancelled or missed; the rest were redeemed.
CANCELLED_SHARE = 0.07
NO_SHOW_SHARE = 0.05
PROVIDER_CANCELS_SHARE = 0.2  # of the cancellations
PROVIDER_CANCEL_REASON = "Sorry, our technician is ill that day. You have been refunded in full."
REPLY_SHARE = 0.35
TEAM_EVERY = 5  # every fifth business is two people, the others one
# Values per statement, under SQLite's 32766 and asyncpg's 32767.
_MAX_PARAMETERS = 32_000
_SERVICES_PER_PATTERN_INSERT = 1_000


def resident_email(n: int) -> str:
    """The n-th resident's sign-in (1-based)."""
    return f"resident{n}@{EMAIL_DOMAIN}"


def owner_email(n: int) -> str:
    """The sign-in of the n-th provider's owner (1-based)."""
    return f"owner{n}@{EMAIL_DOMAIN}"


class ScaleRefusedError(DemoRefusedError):
    pass


@dataclass(frozen=True)
class ScaleReport:
    providers: int
    services: int
    open_slots: int  # future slots, none booked
    past_bookings: int
    reviews: int
    residents: int
    seconds: float  # wall time of the seeding


async def load_city_at_scale(
    settings: Settings,
    *,
    now: datetime,
    providers: int = 5000,
    services_per_provider: int = 3,
    days: int = 30,
    past_bookings: int = 100_000,
    reviews: int = 50_000,
    residents: int = 20_000,
    seed: int = 2026,
) -> ScaleReport:
    """Fill an empty, migrated database with a city of ``providers`` verified businesses.

    Each has an owner account, one or (every fifth) two team members doing all of its
    ``services_per_provider`` services of its category, opening hours, a service area, a cover
    photo and ``days`` days of slots for each member; ``past_bookings`` visits of the last
    months by ``residents`` residents (redeemed, a few cancelled or missed), ``reviews`` of them
    reviewed and approved. Raises ScaleRefusedError in production or when the database has data.
    """
    started = time.perf_counter()
    if settings.is_production:
        raise ScaleRefusedError("The benchmark city is never loaded in production.")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if past_bookings and not residents:
        raise ValueError("past bookings need residents")
    if not await _is_empty():
        raise ScaleRefusedError("The benchmark city is only loaded into an empty database.")
    store = MediaStore(settings.media_root)
    # Pictures are drawn (mostly outside the GIL) while the city is planned (pure Python).
    drawing = asyncio.ensure_future(anyio.to_thread.run_sync(_draw_pictures, store, seed))
    try:
        city, history = await anyio.to_thread.run_sync(
            functools.partial(
                _plan,
                seed=seed,
                now=now,
                zone=settings.city.zone,
                providers=providers,
                services_per_provider=services_per_provider,
                days=days,
                past_bookings=past_bookings,
                reviews=reviews,
                residents=residents,
                hold_minutes=settings.hold_minutes,
                commission_basis_points=settings.commission_basis_points,
            )
        )
    finally:
        pictures = await drawing
    covers = await anyio.to_thread.run_sync(_link_covers, city, pictures, store)
    password_hash = await passwords.hash_password(BENCH_PASSWORD)
    writer = _Writer(database.current_engine())
    async with database.transaction():
        if not await _is_empty():
            raise ScaleRefusedError("The benchmark city is only loaded into an empty database.")
        neighbourhood_ids = await _insert_neighbourhoods()
        category_ids = await _insert_categories()
        ids = await _Ids.read(writer, len(city.providers))
        await _write_accounts(writer, city, ids, residents, password_hash, now)
        await _write_providers(writer, city, history, ids, neighbourhood_ids, category_ids, covers)
        await _write_history(writer, history, ids, neighbourhood_ids)
        open_slots = await _write_open_slots(writer, city, ids)
    return ScaleReport(
        providers=len(city.providers),
        services=city.service_count,
        open_slots=open_slots,
        past_bookings=len(history.bookings),
        reviews=len(history.reviews),
        residents=residents,
        seconds=round(time.perf_counter() - started, 2),
    )


async def _is_empty() -> bool:
    return not any(
        [
            await UserAccount.exists(),
            await Provider.exists(),
            await Category.exists(),
            await Neighbourhood.exists(),
        ]
    )


# --- the plan: pure Python, from the seed ------------------------------------------------------


def _plan(
    *,
    seed: int,
    now: datetime,
    zone: ZoneInfo,
    providers: int,
    services_per_provider: int,
    days: int,
    past_bookings: int,
    reviews: int,
    residents: int,
    hold_minutes: int,
    commission_basis_points: int,
) -> tuple[_City, _History]:
    rng = random.Random(seed)
    city = _plan_city(
        rng, now=now, zone=zone, providers=providers, services_per_provider=services_per_provider, days=days
    )
    history = _plan_history(
        city,
        rng,
        now=now,
        past_bookings=past_bookings,
        reviews=reviews,
        residents=residents,
        hold_minutes=hold_minutes,
        commission_basis_points=commission_basis_points,
    )
    return city, history


@dataclass(frozen=True)
class _Provider:
    index: int  # 0-based; ids are offsets from the first free id
    slug: str
    draft: ProviderDraft
    created_at: datetime
    # One entry per service, in position order: its slot pattern's key, its public id.
    patterns: tuple[tuple, ...]
    public_ids: tuple[str, ...]
    calendar_token: str
    next_free_at: datetime | None
    members: int  # people on its team


@dataclass
class _City:
    providers: list[_Provider]
    service_offsets: list[int]  # the offset of each provider's first service
    service_count: int
    member_offsets: list[int]  # the offset of each provider's first team member
    member_count: int
    horizon_days: int
    # Slot patterns by (weekly hours, duration, buffer): the times to come, and those that ended.
    future: dict[tuple, list[SlotTime]]
    past: dict[tuple, list[SlotTime]]


def _plan_city(
    rng: random.Random,
    *,
    now: datetime,
    zone: ZoneInfo,
    providers: int,
    services_per_provider: int,
    days: int,
) -> _City:
    """Providers spread evenly over categories and neighbourhoods, and their slot patterns.

    Slot times come from the slot rules exactly as ``slots_refresh`` computes them, once per
    pattern instead of once per service.
    """
    first_day, last_day = booking_window(now, zone, days)
    today = city_today(now, zone)
    future: dict[tuple, list[SlotTime]] = {}
    past: dict[tuple, list[SlotTime]] = {}
    planned: list[_Provider] = []
    offsets: list[int] = []
    slugs: set[str] = set()
    public_ids: set[str] = set()
    service_count = 0
    member_offsets: list[int] = []
    member_count = 0
    for index in range(providers):
        # Consecutive providers differ in both, and every pairing of the two comes round in turn.
        category = CATEGORIES[index % len(CATEGORIES)]
        home = (index + index // math.lcm(len(CATEGORIES), len(NEIGHBOURHOODS))) % len(NEIGHBOURHOODS)
        template_name = category.providers[
            (index // (len(CATEGORIES) * len(NEIGHBOURHOODS))) % len(category.providers)
        ]
        name = f"{template_name} {NEIGHBOURHOODS[home][0]} {index + 1}"
        slug = slugify(name)
        if slug in slugs:
            raise AssertionError(f"two providers would share the slug {slug}")
        slugs.add(slug)
        plan = PlannedProvider(name, category, home, photos=1)
        draft = _draft(plan, rng, services=services_per_provider)
        hours = tuple(_hours(plan))
        keys = []
        first_free = None
        for template, _ in draft.services:
            key = (hours, template.duration_minutes, draft.buffer_minutes)
            if key not in future:
                times = _times(key, first_day, last_day, zone)
                future[key] = [t for t in times if t.starts_at >= now]  # as slots_refresh keeps them
                ended = _times(key, today - timedelta(days=HISTORY_DAYS), today, zone)
                past[key] = [t for t in ended if t.ends_at <= now]
            keys.append(key)
            bookable = next(
                (t.starts_at for t in future[key] if book_by(t.starts_at, draft.min_notice_minutes) >= now),
                None,
            )
            if bookable is not None and (first_free is None or bookable < first_free):
                first_free = bookable
        planned.append(
            _Provider(
                index=index,
                slug=slug,
                draft=draft,
                created_at=now - timedelta(days=HISTORY_DAYS + 20 + rng.randint(0, 400)),
                patterns=tuple(keys),
                public_ids=tuple(_hex_id(rng, public_ids) for _ in keys),
                calendar_token=rng.randbytes(18).hex(),
                next_free_at=first_free,
                members=2 if index % TEAM_EVERY == TEAM_EVERY - 1 else 1,
            )
        )
        offsets.append(service_count)
        service_count += len(draft.services)
        member_offsets.append(member_count)
        member_count += planned[-1].members
    return _City(planned, offsets, service_count, member_offsets, member_count, days, future, past)


def _times(key: tuple, first_day: date, last_day: date, zone: ZoneInfo) -> list[SlotTime]:
    """A pattern's slot times: key is (weekly hours, duration, buffer)."""
    hours, duration, buffer = key
    return slot_times(
        [Interval(day, opens, closes) for day, opens, closes in hours],
        duration_minutes=duration,
        buffer_minutes=buffer,
        first_day=first_day,
        last_day=last_day,
        zone=zone,
    )


@dataclass
class _PastSlot:
    offset: int  # id offset
    provider: int  # provider index
    service: int  # service offset
    member: int  # team member offset
    time: SlotTime
    claim_until: datetime
    book_by: datetime
    capacity: int
    live: int = 0  # redeemed bookings on it
    residents: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Booking:
    offset: int
    provider: int
    service: int  # service offset
    slot: int  # slot offset
    member: int  # team member offset
    resident: int  # 0-based resident number
    seat: int
    status: str
    starts_at: datetime
    ends_at: datetime
    claim_until: datetime
    created_at: datetime
    held_until: datetime
    confirmed_at: datetime
    price_cents: int
    list_price_cents: int
    at_home: bool
    street: str
    area_choice: int  # neighbourhood index the visit was in (home visits)
    code: str
    public_id: str
    commission_basis_points: int
    redeemed_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: str
    cancel_reason: str
    released_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class _Review:
    provider: int
    service: int  # service offset
    author: int  # 0-based resident number
    booking: int  # booking offset
    stars: int
    body: str
    created_at: datetime
    moderated_at: datetime
    reply: str
    replied_at: datetime | None


@dataclass
class _History:
    slots: list[_PastSlot]
    bookings: list[_Booking]
    reviews: list[_Review]
    provider_ratings: dict[int, list[int]]  # provider index -> [count, sum]
    service_ratings: dict[int, list[int]]  # service offset -> [count, sum]


def _hex_id(rng: random.Random, taken: set[str]) -> str:
    """12 hex characters like ``secrets.token_hex(6)``, drawn from the seed and never repeated."""
    while (value := f"{rng.getrandbits(48):012x}") in taken:
        pass
    taken.add(value)
    return value


def _plan_history(
    city: _City,
    rng: random.Random,
    *,
    now: datetime,
    past_bookings: int,
    reviews: int,
    residents: int,
    hold_minutes: int,
    commission_basis_points: int,
) -> _History:
    """Past visits on times the slot rules offered, and reviews of redeemed ones.

    Live bookings (redeemed) never exceed a slot's capacity and take distinct seats; cancelled
    and missed ones hold no seat, as ``booked`` counts live bookings only. A team member's live
    bookings never overlap (start to end plus buffer), as the database requires.
    """
    popularity = [rng.lognormvariate(0, 0.8) for _ in city.providers]
    chosen = rng.choices(range(len(city.providers)), weights=popularity, k=past_bookings)
    slots: dict[tuple[int, int, datetime], _PastSlot] = {}
    busy = _Busy()
    bookings: list[_Booking] = []
    codes: set[str] = set()
    public_ids: set[str] = set()
    redeemed: list[int] = []
    for provider_index in chosen:
        provider = city.providers[provider_index]
        draft = provider.draft
        roll = rng.random()
        if roll < CANCELLED_SHARE:
            status = Status.cancelled
        elif roll < CANCELLED_SHARE + NO_SHOW_SHARE:
            status = Status.no_show
        else:
            status = Status.redeemed
        resident = rng.randrange(residents)
        slot = None
        for _ in range(50):
            position = rng.randrange(len(draft.services))
            times = city.past[provider.patterns[position]]
            if not times:
                continue
            when = rng.choice(times)
            service = city.service_offsets[provider_index] + position
            member = city.member_offsets[provider_index] + rng.randrange(provider.members)
            candidate = slots.get((service, member, when.starts_at))
            if candidate is None:
                template = draft.services[position][0]
                candidate = _PastSlot(
                    offset=len(slots),
                    provider=provider_index,
                    service=service,
                    member=member,
                    time=when,
                    claim_until=claim_end(when.ends_at, draft.buffer_minutes),
                    book_by=book_by(when.starts_at, draft.min_notice_minutes),
                    capacity=template.capacity,
                )
            if resident in candidate.residents:
                continue
            if status.is_live and candidate.live >= candidate.capacity:
                continue
            if status.is_live and not candidate.live and busy.clashes(candidate):
                continue
            slot = candidate
            slots[(service, member, when.starts_at)] = slot
            break
        if slot is None:
            continue  # no time left for it (a provider that is never open, or fully booked)
        slot.residents.add(resident)
        seat = slot.live
        if status.is_live:
            if not slot.live:
                busy.add(slot)
            slot.live += 1
        template, online_price = draft.services[position]
        created = slot.book_by - timedelta(minutes=rng.randint(0, 14 * 24 * 60))
        confirmed = created + timedelta(seconds=rng.randint(20, max(20, hold_minutes * 60 - 20)))
        redeemed_at = cancelled_at = None
        cancelled_by = cancel_reason = ""
        if status is Status.redeemed:
            redeemed_at = min(now, slot.time.starts_at + timedelta(minutes=rng.randint(0, 10)))
            released = redeemed_at
        elif status is Status.no_show:
            released = min(now, slot.time.ends_at + timedelta(hours=rng.randint(1, 48)))
        else:
            cancelled_at = confirmed + (slot.time.starts_at - confirmed) * rng.random()
            released = cancelled_at
            if rng.random() < PROVIDER_CANCELS_SHARE:
                cancelled_by, cancel_reason = "provider", PROVIDER_CANCEL_REASON
            else:
                cancelled_by = "resident"
        at_home = template.location is ServiceLocation.customer_address
        booking = _Booking(
            offset=len(bookings),
            provider=provider_index,
            service=slot.service,
            slot=slot.offset,
            member=slot.member,
            resident=resident,
            seat=seat,
            status=status.value,
            starts_at=slot.time.starts_at,
            ends_at=slot.time.ends_at,
            claim_until=slot.claim_until,
            created_at=created,
            held_until=created + timedelta(minutes=hold_minutes),
            confirmed_at=confirmed,
            price_cents=online_price,
            list_price_cents=template.list_price_cents,
            at_home=at_home,
            street=f"{rng.choice(STREETS)} {rng.randint(1, 120)}, {rng.randint(1, 9)}º" if at_home else "",
            area_choice=rng.choice(draft.area),
            code=_code(rng, codes),
            public_id=_hex_id(rng, public_ids),
            commission_basis_points=commission_basis_points,
            redeemed_at=redeemed_at,
            cancelled_at=cancelled_at,
            cancelled_by=cancelled_by,
            cancel_reason=cancel_reason,
            released_at=released,
            updated_at=released,
        )
        if status is Status.redeemed:
            redeemed.append(booking.offset)
        bookings.append(booking)
    if reviews > len(redeemed):
        raise ValueError(f"{reviews} reviews need as many redeemed visits; there are {len(redeemed)}")
    quality = [rng.uniform(3.6, 4.9) for _ in city.providers]
    written: list[_Review] = []
    provider_ratings: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    service_ratings: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for offset in sorted(rng.sample(redeemed, k=reviews)):
        booking = bookings[offset]
        stars = _stars(rng, quality[booking.provider])
        # Within three days of the visit (or of now, for the latest ones), moderated, maybe answered.
        gap = min(now - booking.ends_at, timedelta(days=3))
        created = booking.ends_at + gap * rng.uniform(0.1, 0.6)
        moderated = created + gap * 0.3
        replied = rng.random() < REPLY_SHARE
        written.append(
            _Review(
                provider=booking.provider,
                service=booking.service,
                author=booking.resident,
                booking=offset,
                stars=stars,
                body=rng.choice(REVIEW_TEXTS[stars]),
                created_at=created,
                moderated_at=moderated,
                reply=rng.choice(REPLIES) if replied else "",
                replied_at=moderated + gap * 0.1 if replied else None,
            )
        )
        for totals in (provider_ratings[booking.provider], service_ratings[booking.service]):
            totals[0] += 1
            totals[1] += stars
    return _History(list(slots.values()), bookings, written, provider_ratings, service_ratings)


class _Busy:
    """The claimed times of each team member, kept sorted, to plan visits that never overlap."""

    def __init__(self) -> None:
        self._starts: dict[int, list[datetime]] = defaultdict(list)
        self._untils: dict[int, list[datetime]] = defaultdict(list)

    def clashes(self, slot: _PastSlot) -> bool:
        starts, untils = self._starts[slot.member], self._untils[slot.member]
        # Claims of one member don't overlap each other, so only the latest one starting before
        # this slot's claim ends can overlap it.
        before = bisect.bisect_left(starts, slot.claim_until)
        return before > 0 and untils[before - 1] > slot.time.starts_at

    def add(self, slot: _PastSlot) -> None:
        starts, untils = self._starts[slot.member], self._untils[slot.member]
        at = bisect.bisect_left(starts, slot.time.starts_at)
        starts.insert(at, slot.time.starts_at)
        untils.insert(at, slot.claim_until)


def _code(rng: random.Random, taken: set[str]) -> str:
    while (code := new_code(rng)) in taken:
        pass
    taken.add(code)
    return code


def _draw_pictures(store: MediaStore, seed: int) -> dict[str, list[StoredImage]]:
    """A few stored pictures per category, drawn once (two at a time: Pillow releases the GIL)."""
    jobs = [(category, n) for category in CATEGORIES for n in range(PHOTOS_PER_CATEGORY)]

    def draw(job: int) -> StoredImage:
        category, _ = jobs[job]
        return store.save(demo_photo(category.name, category.colour, random.Random(seed + job)))

    with ThreadPoolExecutor(max_workers=2) as pool:
        drawn = list(pool.map(draw, range(len(jobs))))
    pictures: dict[str, list[StoredImage]] = defaultdict(list)
    for (category, _), image in zip(jobs, drawn, strict=True):
        pictures[category.slug].append(image)
    return pictures


def _link_covers(city: _City, pictures: dict[str, list[StoredImage]], store: MediaStore) -> list[StoredImage]:
    """A cover per provider: one of its category's pictures under a key of its own.

    The picture's variant files are hard-linked to the new key (copied where links aren't
    possible), so every key is a real image that can be deleted on its own.
    """
    suffixes = {
        image.key: [path.name.removeprefix(image.key) for path in store.root.glob(f"{image.key}-*.webp")]
        for images in pictures.values()
        for image in images
    }
    covers = []
    for provider in city.providers:
        choices = pictures[provider.draft.plan.category.slug]
        source = choices[provider.index % len(choices)]
        key = secrets.token_urlsafe(12)  # as MediaStore.save names a picture
        for suffix in suffixes[source.key]:
            _link(store.root / f"{source.key}{suffix}", store.root / f"{key}{suffix}")
        covers.append(StoredImage(key=key, width=source.width, height=source.height))
    return covers


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# --- writing -----------------------------------------------------------------------------------


class _Compiled(QueryString):
    """A statement already in the engine's placeholder style, with its values.

    Piccolo parses a template value by value; with hundreds of thousands of values that costs
    more than the inserts themselves, so the compiled form is handed over as is.
    """

    def __init__(self, sql: str, values: list) -> None:
        super().__init__("")
        self._frozen_compiled_strings = (sql, values)


class _Writer:
    """Multi-row INSERTs through the bound engine, with ``?`` markers numbered for PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = not database.is_sqlite(engine)

    async def run(self, sql: str, values: list) -> list[dict]:
        if self.postgres:
            pieces = sql.split("?")
            sql = "".join(f"{piece}${n}" for n, piece in enumerate(pieces[:-1], start=1)) + pieces[-1]
        return await self.engine.run_querystring(_Compiled(sql, values))

    async def insert(self, table: str, rows: Sequence[dict]) -> None:
        """Insert ``rows`` (dicts with the same keys in the same order) as few statements as fit."""
        if not rows:
            return
        columns = list(rows[0])
        marker = "(" + ", ".join("?" for _ in columns) + ")"
        per_statement = _MAX_PARAMETERS // len(columns)
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = [value for row in chunk for value in row.values()]
            await self.run(head + ", ".join(marker for _ in chunk), values)

    async def first_ids(self, *tables: str) -> dict[str, int]:
        """The first free id of each table: rows written here take ids from there on."""
        ids = {}
        for table in tables:
            rows = await self.run(f"SELECT COALESCE(MAX(id), 0) + 1 AS first FROM {table}", [])
            ids[table] = int(rows[0]["first"])
        return ids

    async def ids_taken(self, table: str) -> None:
        """After explicit ids: PostgreSQL's sequence continues after them (SQLite's does by itself)."""
        if self.postgres:
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            await self.run(f"SELECT setval({sequence}, MAX(id)) FROM {table}", [])


@dataclass(frozen=True)
class _Ids:
    """Where each table's rows start: the plan's offsets become ids by adding these."""

    account: int
    provider: int
    service: int
    member: int
    slot: int
    booking: int
    providers: int  # residents' accounts come after the owners'

    @classmethod
    async def read(cls, writer: _Writer, providers: int) -> _Ids:
        first = await writer.first_ids(
            "user_account", "provider", "service", "team_member", "slot", "booking"
        )
        return cls(
            account=first["user_account"],
            provider=first["provider"],
            service=first["service"],
            member=first["team_member"],
            slot=first["slot"],
            booking=first["booking"],
            providers=providers,
        )

    def owner(self, provider: int) -> int:
        return self.account + provider

    def resident(self, n: int) -> int:
        return self.account + self.providers + n


async def _write_accounts(
    writer: _Writer, city: _City, ids: _Ids, residents: int, password_hash: str, now: datetime
) -> None:
    first_names = [name.split()[0] for name in REVIEWER_NAMES]
    last_names = [name.split()[-1] for name in REVIEWER_NAMES]
    owners = [
        {
            "id": ids.owner(p.index),
            "email": owner_email(p.index + 1),
            "display_name": f"{p.draft.plan.name} team",
            "password_hash": password_hash,
            "role": Role.provider.value,
            "is_active": True,
            "created_at": p.created_at - timedelta(days=1),
        }
        for p in city.providers
    ]
    joined = now - timedelta(days=HISTORY_DAYS + 30)
    people = [
        {
            "id": ids.resident(n),
            "email": resident_email(n + 1),
            "display_name": f"{first_names[n % len(first_names)]} "
            f"{last_names[(n // len(first_names)) % len(last_names)]}",
            "password_hash": password_hash,
            "role": Role.resident.value,
            "is_active": True,
            "created_at": joined - timedelta(days=n % 365),
        }
        for n in range(residents)
    ]
    await writer.insert("user_account", owners + people)
    await writer.ids_taken("user_account")


async def _write_providers(
    writer: _Writer,
    city: _City,
    history: _History,
    ids: _Ids,
    neighbourhood_ids: list[int],
    category_ids: dict[str, int],
    covers: list[StoredImage],
) -> None:
    providers, areas, hours, services, photos, members, performs = [], [], [], [], [], [], []
    for p in city.providers:
        draft, plan = p.draft, p.draft.plan
        provider_id = ids.provider + p.index
        count, total = history.provider_ratings.get(p.index, (0, 0))
        providers.append(
            {
                "id": provider_id,
                "slug": p.slug,
                "name": plan.name,
                "description": draft.description,
                "owner": ids.owner(p.index),
                "neighbourhood": neighbourhood_ids[plan.neighbourhood],
                "address": draft.address,
                "phone": draft.phone,
                "is_verified": True,
                "verified_at": p.created_at + timedelta(days=2),
                "search_text": draft.search_text(),
                "min_notice_minutes": draft.min_notice_minutes,
                "horizon_days": city.horizon_days,
                "buffer_minutes": draft.buffer_minutes,
                "calendar_token": p.calendar_token,
                "rating_count": count,
                "rating_sum": total,
                "next_free_at": p.next_free_at,
                "created_at": p.created_at,
            }
        )
        areas += [{"provider": provider_id, "neighbourhood": neighbourhood_ids[i]} for i in draft.area]
        hours += [
            {"provider": provider_id, "weekday": day, "opens_minute": opens, "closes_minute": closes}
            for day, opens, closes in _hours(plan)
        ]
        for position, (template, online_price) in enumerate(draft.services):
            offset = city.service_offsets[p.index] + position
            count, total = history.service_ratings.get(offset, (0, 0))
            services.append(
                {
                    "id": ids.service + offset,
                    "public_id": p.public_ids[position],
                    "provider": provider_id,
                    "category": category_ids[plan.category.slug],
                    "name": template.name,
                    "description": draft.service_description(template),
                    "duration_minutes": template.duration_minutes,
                    "online_price_cents": online_price,
                    "list_price_cents": template.list_price_cents,
                    "location": template.location.value,
                    "capacity": template.capacity,
                    "is_archived": False,
                    "rating_count": count,
                    "rating_sum": total,
                    "position": position,
                    "created_at": p.created_at,
                }
            )
        for n in range(p.members):
            offset = city.member_offsets[p.index] + n
            members.append(
                {
                    "id": ids.member + offset,
                    "public_id": f"{offset:012x}",
                    "provider": provider_id,
                    "name": SOLO_NAMES[offset % len(SOLO_NAMES)],
                    "photo_key": "",
                    "photo_width": 0,
                    "is_active": True,
                    "position": n,
                    "created_at": p.created_at,
                }
            )
            performs += [
                {
                    "member": ids.member + offset,
                    "service": ids.service + city.service_offsets[p.index] + position,
                }
                for position in range(len(draft.services))
            ]
        cover = covers[p.index]
        photos.append(
            {
                "provider": provider_id,
                "image_key": cover.key,
                "width": cover.width,
                "height": cover.height,
                "alt_text": draft.photo_alt,
                "position": 0,
                "created_at": p.created_at,
            }
        )
    await writer.insert("provider", providers)
    await writer.ids_taken("provider")
    await writer.insert("provider_service_area", areas)
    await writer.insert("opening_hours", hours)
    await writer.insert("service", services)
    await writer.ids_taken("service")
    await writer.insert("team_member", members)
    await writer.ids_taken("team_member")
    await writer.insert("team_member_service", performs)
    await writer.insert("provider_photo", photos)


async def _write_history(writer: _Writer, history: _History, ids: _Ids, neighbourhood_ids: list[int]) -> None:
    """The past slots that were booked, the bookings on them and the reviews of some."""
    slots = [
        {
            "id": ids.slot + s.offset,
            "service": ids.service + s.service,
            "provider": ids.provider + s.provider,
            "member": ids.member + s.member,
            "starts_at": s.time.starts_at,
            "ends_at": s.time.ends_at,
            "claim_until": s.claim_until,
            "book_by": s.book_by,
            "capacity": s.capacity,
            "booked": s.live,
            "is_closed": False,
        }
        for s in history.slots
    ]
    await writer.insert("slot", slots)
    await writer.ids_taken("slot")
    bookings = [
        {
            "id": ids.booking + b.offset,
            "public_id": b.public_id,
            "resident": ids.resident(b.resident),
            "provider": ids.provider + b.provider,
            "service": ids.service + b.service,
            "slot": ids.slot + b.slot,
            "seat": b.seat,
            "member": ids.member + b.member,
            "member_requested": False,
            "status": b.status,
            "starts_at": b.starts_at,
            "ends_at": b.ends_at,
            "claim_until": b.claim_until,
            "held_until": b.held_until,
            "price_cents": b.price_cents,
            "list_price_cents": b.list_price_cents,
            "address": b.street,
            "neighbourhood": neighbourhood_ids[b.area_choice] if b.at_home else None,
            "note": "",
            "created_at": b.created_at,
            "confirmed_at": b.confirmed_at,
            "cancelled_at": b.cancelled_at,
            "cancelled_by": b.cancelled_by,
            "cancel_reason": b.cancel_reason,
            "updated_at": b.updated_at,
            "redemption_code": b.code,
            "redeemed_at": b.redeemed_at,
            "commission_basis_points": b.commission_basis_points,
            "earning_released_at": b.released_at,
        }
        for b in history.bookings
    ]
    await writer.insert("booking", bookings)
    await writer.ids_taken("booking")
    reviews = [
        {
            "provider": ids.provider + r.provider,
            "service": ids.service + r.service,
            "author": ids.resident(r.author),
            "booking": ids.booking + r.booking,
            "stars": r.stars,
            "body": r.body,
            "status": "approved",
            "created_at": r.created_at,
            "moderated_at": r.moderated_at,
            "reply": r.reply,
            "replied_at": r.replied_at,
        }
        for r in history.reviews
    ]
    await writer.insert("review", reviews)


async def _write_open_slots(writer: _Writer, city: _City, ids: _Ids) -> int:
    """Every service's future slots for each member who does it, made by the database from its
    pattern; returns how many.

    Services sharing a pattern and a notice get the same start and book-by times, so one
    INSERT ... SELECT writes the slots of up to a thousand services.
    """
    services: dict[tuple, list[int]] = defaultdict(list)
    team_size: dict[int, int] = {}
    for p in city.providers:
        for position, key in enumerate(p.patterns):
            service_id = ids.service + city.service_offsets[p.index] + position
            services[(key, p.draft.min_notice_minutes)].append(service_id)
            team_size[service_id] = p.members
    instant = "CAST(? AS TIMESTAMPTZ)" if writer.postgres else "?"
    count = 0
    for (key, notice), service_ids in services.items():
        times = city.future[key]
        if not times:
            continue
        buffer = key[2]
        pattern = ", ".join(f"({instant}, {instant}, {instant}, {instant})" for _ in times)
        values = [
            v
            for t in times
            for v in (t.starts_at, t.ends_at, claim_end(t.ends_at, buffer), book_by(t.starts_at, notice))
        ]
        per_statement = min(_SERVICES_PER_PATTERN_INSERT, _MAX_PARAMETERS - len(values))
        for start in range(0, len(service_ids), per_statement):
            chunk = service_ids[start : start + per_statement]
            await writer.run(
                f"WITH pattern (starts_at, ends_at, claim_until, book_by) AS (VALUES {pattern}) "
                "INSERT INTO slot (service, provider, member, starts_at, ends_at, claim_until, book_by, "
                "capacity, booked, is_closed) SELECT s.id, s.provider, ms.member, pattern.starts_at, "
                "pattern.ends_at, pattern.claim_until, pattern.book_by, s.capacity, 0, false "
                "FROM service s JOIN team_member_service ms ON ms.service = s.id CROSS JOIN pattern "
                f"WHERE s.id IN ({', '.join('?' for _ in chunk)}) "
                "ORDER BY s.id, pattern.starts_at, ms.member",
                values + chunk,
            )
            count += sum(team_size[service_id] for service_id in chunk) * len(times)
    return count
