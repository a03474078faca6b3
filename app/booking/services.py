"""Writes for booking: slots generated from opening hours, and bookings moving through their states.

Every capacity change is a conditional write inside a transaction, backed by unique indexes on
live seats, so simultaneous requests can't double-book a seat on SQLite or PostgreSQL.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from app import database
from app.booking import queries
from app.booking.policy import CancellationPolicy
from app.booking.slots import book_by, booking_window, days_off, slot_times
from app.booking.state import (
    LIVE_STATUSES_SQL,
    Action,
    IllegalTransition,
    Status,
    allowed_from,
    next_status,
    refusal,
)
from app.booking.tables import Booking, Slot, TimeOff
from app.catalog.hours import Interval
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Neighbourhood, OpeningHours, Provider, ProviderServiceArea, Service
from app.redemption.codes import new_code
from app.shared.errors import ConflictError, DomainError, NotFoundError

_BATCH = 500


async def slots_refresh(
    provider_id: int, *, now: datetime, zone: ZoneInfo, service_ids: list[int] | None = None
) -> None:
    """Make the provider's future slots match its opening hours, services and booking rules.

    New slots are added for the whole booking window, unbooked slots that no longer fit are
    removed, and capacity and book-by times follow the current settings. Slots with bookings
    are never removed here. ``service_ids`` limits the work to the services that changed.
    """
    async with database.transaction():
        # Two refreshes of one provider at once would each delete what the other just made.
        await database.lock_row(Provider, provider_id)
        provider = (
            await Provider.select(Provider.min_notice_minutes, Provider.horizon_days, Provider.buffer_minutes)
            .where(Provider.id == provider_id)
            .first()
        )
        if provider is None:
            return
        provider_hours: list[Interval] = []
        service_hours: dict[int, list[Interval]] = {}
        for row in await OpeningHours.select().where(OpeningHours.provider == provider_id):
            interval = Interval(row["weekday"], row["opens_minute"], row["closes_minute"])
            if row["service"] is None:
                provider_hours.append(interval)
            else:
                service_hours.setdefault(row["service"], []).append(interval)
        services = await Service.select(Service.id, Service.duration_minutes, Service.capacity).where(
            Service.provider == provider_id, Service.is_archived.eq(False)
        )
        if service_ids is not None:
            services = [service for service in services if service["id"] in service_ids]
        first_day, last_day = booking_window(now, zone, provider["horizon_days"])
        time_off = days_off(
            (row["first_day"], row["last_day"])
            for row in await TimeOff.select(TimeOff.first_day, TimeOff.last_day).where(
                TimeOff.provider == provider_id, TimeOff.last_day >= first_day
            )
        )
        notice = provider["min_notice_minutes"]
        wanted: dict[tuple[int, datetime], Slot] = {}
        for service in services:
            for time in slot_times(
                service_hours.get(service["id"], provider_hours),
                duration_minutes=service["duration_minutes"],
                buffer_minutes=provider["buffer_minutes"],
                first_day=first_day,
                last_day=last_day,
                zone=zone,
                days_off=time_off,
            ):
                if time.starts_at < now:
                    continue
                wanted[(service["id"], time.starts_at)] = Slot(
                    service=service["id"],
                    provider=provider_id,
                    starts_at=time.starts_at,
                    ends_at=time.ends_at,
                    book_by=book_by(time.starts_at, notice),
                    capacity=service["capacity"],
                )
        existing = await Slot.select(
            Slot.id, Slot.service, Slot.starts_at, Slot.ends_at, Slot.book_by, Slot.capacity, Slot.booked
        ).where(Slot.provider == provider_id, Slot.starts_at >= now)
        if service_ids is not None:
            existing = [row for row in existing if row["service"] in service_ids]
        kept: set[tuple[int, datetime]] = set()
        outdated: list[int] = []
        for row in existing:
            key = (row["service"], row["starts_at"])
            slot = wanted.get(key)
            if row["booked"]:
                kept.add(key)  # booked slots stay as they are; booking decides their fate
            elif slot is not None and (row["ends_at"], row["book_by"], row["capacity"]) == (
                slot.ends_at,
                slot.book_by,
                slot.capacity,
            ):
                kept.add(key)
            else:
                outdated.append(row["id"])
        for batch in _batches(outdated, _BATCH):
            await Slot.delete().where(Slot.id.is_in(batch), Slot.booked == 0)
        for batch in _batches([slot for key, slot in wanted.items() if key not in kept], _BATCH):
            await Slot.insert(*batch).on_conflict(action="DO NOTHING")
    await next_free_refresh(now=now, provider_id=provider_id)


async def slots_refresh_all(*, now: datetime, zone: ZoneInfo) -> None:
    """Extend every verified provider's slots to the end of its booking window (run daily)."""
    for row in await Provider.select(Provider.id).where(Provider.is_verified.eq(True)):
        await slots_refresh(row["id"], now=now, zone=zone)


async def next_free_refresh(*, now: datetime, provider_id: int | None = None) -> None:
    """Recompute providers' earliest free, still bookable slot (all providers, or one)."""
    query = Provider.raw(
        # starts_at >= now (implied by book_by >= now) lets the index skip past slots.
        "UPDATE provider SET next_free_at = (SELECT MIN(slot.starts_at) FROM slot "
        "WHERE slot.provider = provider.id AND slot.starts_at >= {} AND slot.book_by >= {} "
        "AND slot.booked < slot.capacity AND NOT slot.is_closed)"
        + (" WHERE provider.id = {}" if provider_id is not None else ""),
        *([now, now, provider_id] if provider_id is not None else [now, now]),
    )
    await query


def _batches(items: list, size: int):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# --- bookings ----------------------------------------------------------------------------------

MAX_ACTIVE_HOLDS = 3
SLOT_TAKEN = "Sorry, that time was just taken. Please pick another."
SLOT_GONE = "That time is no longer offered. Please pick another."
TOO_SOON = "That time is too soon to book: the provider needs more notice. Please pick a later time."
NOT_BOOKABLE = "This service can't be booked at the moment."
PROVIDER_PAUSED = "This business isn't taking bookings at the moment. Please choose another provider."
ADDRESS_REQUIRED = "Enter the address where the service should happen."
NEIGHBOURHOOD_REQUIRED = "Choose your neighbourhood."
OUTSIDE_AREA = "This provider doesn't travel to {neighbourhood}. Try another provider for that neighbourhood."
TOO_MANY_HOLDS = (
    f"You are already holding {MAX_ACTIVE_HOLDS} times. Pay for one or let one go before holding another."
)
ALREADY_BOOKED = "You already have this time. You'll find it in your bookings."
NOT_YOURS = "We couldn't find that booking in your account."
STARTED = "This visit has already started, so it can't be cancelled here. Contact the provider."
RESCHEDULE_TOO_LATE = (
    "Times can be changed only until {hours} hours before the visit. You can still cancel it."
)
SAME_TIME = "That's the time you already have. Choose a different one."
NOT_ENDED = "A booking can be marked as missed only after its time has ended."
DAY_HAS_BOOKINGS = "This day has bookings. Choose whether to keep them or cancel them."


@dataclass(frozen=True, slots=True)
class HoldRequest:
    provider_slug: str
    service_public_id: str
    starts_at: datetime
    address: str = ""
    neighbourhood_id: int | None = None
    note: str = ""


async def _release_seats(slot_counts: dict[int, int]) -> None:
    for slot_id, count in slot_counts.items():
        await Slot.update({Slot.booked: Slot.booked - count}).where(Slot.id == slot_id)


async def _expire_lapsed(
    now: datetime, *, slot_id: int | None = None, provider_id: int | None = None
) -> list[int]:
    """Inside a transaction: turn holds past their time into expired and give their seats back."""
    query = Booking.update({Booking.status: Status.expired.value, Booking.updated_at: now}).where(
        Booking.status == Status.held.value, Booking.held_until <= now
    )
    if slot_id is not None:
        query = query.where(Booking.slot == slot_id)
    if provider_id is not None:
        query = query.where(Booking.provider == provider_id)
    expired = await query.returning(Booking.slot, Booking.provider)
    await _release_seats(Counter(row["slot"] for row in expired))
    return sorted({row["provider"] for row in expired})


async def bookings_expire_lapsed(*, now: datetime, provider_id: int | None = None) -> int:
    """The sweep: expire lapsed holds (all, or one provider's before showing its free times).

    Claiming capacity does the same for its slot, so a lapsed hold never blocks a booking.
    """
    lapsed = Booking.exists().where(Booking.status == Status.held.value, Booking.held_until <= now)
    if provider_id is not None:
        lapsed = lapsed.where(Booking.provider == provider_id)
    if not await lapsed:  # the usual case: no write at all
        return 0
    async with database.transaction():
        providers = await _expire_lapsed(now, provider_id=provider_id)
    for provider_id in providers:
        await next_free_refresh(now=now, provider_id=provider_id)
    return len(providers)


# Statuses written as in the live-seat index, so SQLite reads that index, not every booking.
TAKEN_SEATS_SQL = f"SELECT seat FROM booking WHERE slot = {{}} AND status IN ({LIVE_STATUSES_SQL})"


async def _claim_seat(slot_id: int, now: datetime) -> int:
    """Inside a transaction: take one seat of the slot with a single conditional write.

    Returns the seat number; raises ConflictError saying why when the slot can't be had.
    """
    claimed = await Slot.raw(
        "UPDATE slot SET booked = booked + 1 "
        "WHERE id = {} AND booked < capacity AND NOT is_closed AND book_by >= {} RETURNING capacity",
        slot_id,
        now,
    )
    if not claimed:
        slot = await Slot.select(Slot.is_closed, Slot.book_by).where(Slot.id == slot_id).first()
        if slot is None or slot["is_closed"]:
            raise ConflictError(SLOT_GONE)
        raise ConflictError(TOO_SOON if slot["book_by"] < now else SLOT_TAKEN)
    if claimed[0]["capacity"] == 1:
        return 0  # the only seat; the unique index on live seats backs this up
    # The slot row stays locked (PostgreSQL) or the database is ours (SQLite) until commit, so the
    # seats read here can't change under us; the unique index on live seats backs this up.
    taken = {row["seat"] for row in await Booking.raw(TAKEN_SEATS_SQL, slot_id)}
    return next(seat for seat in range(len(taken) + 1) if seat not in taken)


async def booking_hold(*, resident_id: int, request: HoldRequest, now: datetime, hold_minutes: int) -> str:
    """Reserve a seat for a resident while they pay; returns the booking's public id.

    What can be read beforehand is; the transaction holds the few statements that decide, so it
    keeps the write lock as briefly as possible.
    """
    target = await queries.hold_target(request.provider_slug, request.service_public_id, request.starts_at)
    if target is None or not target["is_verified"]:
        raise NotFoundError(NOT_BOOKABLE)
    if target["is_suspended"]:
        raise DomainError(PROVIDER_PAUSED)
    if target["slot_id"] is None:
        raise ConflictError(SLOT_GONE)
    provider_id, slot_id = target["provider"], target["slot_id"]
    if target["location"] == ServiceLocation.customer_address.value:
        await _check_address(provider_id, request)
    public_id = secrets.token_hex(6)
    try:
        async with database.transaction():
            # Checked again under a share lock: a suspension committing meanwhile waits for this
            # hold and then releases it, or this hold sees the suspension.
            if await database.read_flag_for_share(Provider, provider_id, "is_suspended"):
                raise DomainError(PROVIDER_PAUSED)
            if target["booked"] >= target["capacity"]:  # only a full slot can hide a lapsed hold
                await _expire_lapsed(now, slot_id=slot_id)
            mine = await Booking.raw(
                "SELECT COALESCE(SUM(CASE WHEN slot = {} AND (status = 'confirmed' OR held_until > {}) "
                "THEN 1 ELSE 0 END), 0) AS this_slot, "
                "COALESCE(SUM(CASE WHEN status = 'held' AND held_until > {} THEN 1 ELSE 0 END), 0) "
                "AS holding "
                "FROM booking WHERE resident = {} AND status IN ('held', 'confirmed')",
                slot_id,
                now,
                now,
                resident_id,
            )
            if mine[0]["this_slot"]:
                raise ConflictError(ALREADY_BOOKED)
            if mine[0]["holding"] >= MAX_ACTIVE_HOLDS:
                raise DomainError(TOO_MANY_HOLDS)
            seat = await _claim_seat(slot_id, now)
            await Booking.insert(
                Booking(
                    public_id=public_id,
                    resident=resident_id,
                    provider=provider_id,
                    service=target["service_id"],
                    slot=slot_id,
                    seat=seat,
                    status=Status.held.value,
                    starts_at=target["starts_at"],
                    ends_at=target["ends_at"],
                    held_until=now + timedelta(minutes=hold_minutes),
                    price_cents=target["online_price_cents"],
                    list_price_cents=target["list_price_cents"],
                    address=request.address,
                    neighbourhood=request.neighbourhood_id,
                    note=request.note,
                    created_at=now,
                    updated_at=now,
                )
            )
    except Exception as exc:
        if database.is_unique_violation(exc):  # the database caught what a race slipped past
            raise ConflictError(SLOT_TAKEN) from exc
        raise
    next_free = target["next_free_at"]
    if next_free is None or database.instant_from_db(next_free) >= database.instant_from_db(
        target["starts_at"]
    ):
        await next_free_refresh(now=now, provider_id=provider_id)  # this may have been its next free time
    return public_id


async def _check_address(provider_id: int, request: HoldRequest) -> None:
    if not request.address.strip():
        raise DomainError(ADDRESS_REQUIRED, field="address")
    if request.neighbourhood_id is None:
        raise DomainError(NEIGHBOURHOOD_REQUIRED, field="neighbourhood")
    covered = await ProviderServiceArea.raw(
        "SELECT 1 AS covered FROM provider_service_area WHERE provider = {} AND neighbourhood = {}",
        provider_id,
        request.neighbourhood_id,
    )
    if not covered:
        neighbourhood = (
            await Neighbourhood.select(Neighbourhood.name)
            .where(Neighbourhood.id == request.neighbourhood_id)
            .first()
        )
        raise DomainError(
            OUTSIDE_AREA.format(
                neighbourhood=neighbourhood["name"] if neighbourhood else "that neighbourhood"
            ),
            field="neighbourhood",
        )


async def _transition(
    booking_id: int, action: Action, now: datetime, changes: dict | None = None, *, release_seat: bool = False
) -> dict:
    """Inside a transaction: move one booking along the transition table with a compare-and-set.

    Raises IllegalTransition (as a DomainError) when the booking's status doesn't allow it,
    including when a simultaneous request changed it first.
    """
    row = await Booking.select(Booking.status).where(Booking.id == booking_id).first()
    try:
        target = next_status(Status(row["status"]), action)
    except IllegalTransition as refused:
        raise ConflictError(str(refused)) from None
    updated = (
        await Booking.update({Booking.status: target.value, Booking.updated_at: now, **(changes or {})})
        .where(Booking.id == booking_id, Booking.status.is_in([s.value for s in allowed_from(action)]))
        .returning(*Booking.all_columns())
    )
    if not updated:
        raise ConflictError(refusal(action))
    if release_seat:
        await _release_seats({updated[0]["slot"]: 1})
    return updated[0]


async def _booking_of(
    public_id: str, *, resident_id: int | None = None, provider_id: int | None = None
) -> dict:
    query = Booking.select().where(Booking.public_id == public_id)
    if resident_id is not None:
        query = query.where(Booking.resident == resident_id)
    if provider_id is not None:
        query = query.where(Booking.provider == provider_id)
    row = await query.first()
    if row is None:
        raise NotFoundError(NOT_YOURS)
    return row


async def booking_release(*, resident_id: int, public_id: str, now: datetime) -> None:
    """The resident lets a held time go before the hold lapses."""
    booking = await _booking_of(public_id, resident_id=resident_id)
    async with database.transaction():
        await _transition(booking["id"], Action.release, now, release_seat=True)
    await next_free_refresh(now=now, provider_id=booking["provider"])


async def booking_confirm(
    *,
    booking_id: int,
    now: datetime,
    commission_basis_points: int = 0,
    late: bool = False,
    rng: random.Random | None = None,
) -> dict:
    """Payment is in: held -> confirmed, with a fresh redemption code.

    ``late`` is for money that arrived after the hold ended (expired -> confirmed): the seat is
    taken again if it is still free, else ConflictError says why. Payments call this inside the
    transaction that records the payment, so it happens once however often Stripe reports it.
    """
    async with database.transaction():
        changes = {
            Booking.confirmed_at: now,
            Booking.redemption_code: await _unused_code(rng),
            Booking.commission_basis_points: commission_basis_points,
        }
        if late:
            slot_id = (await Booking.select(Booking.slot).where(Booking.id == booking_id).first())["slot"]
            await _expire_lapsed(now, slot_id=slot_id)
            changes[Booking.seat] = await _claim_seat(slot_id, now)
        return await _transition(booking_id, Action.pay_late if late else Action.pay, now, changes)


async def _unused_code(rng: random.Random | None) -> str:
    """A code no booking has (the unique index backs this up; a clash is one in billions)."""
    while True:
        code = new_code(rng) if rng is not None else new_code()
        if not await Booking.exists().where(Booking.redemption_code == code):
            return code


def _cancellation(now: datetime, by: str, reason: str = "") -> dict:
    # What the provider keeps of a late cancellation is theirs from now on.
    return {
        Booking.cancelled_at: now,
        Booking.cancelled_by: by,
        Booking.cancel_reason: reason,
        Booking.earning_released_at: now,
    }


async def booking_cancel_by_resident(
    *, resident_id: int, public_id: str, now: datetime, policy: CancellationPolicy
) -> tuple[dict, int]:
    """Cancel a confirmed booking before it starts.

    Returns the cancelled booking and the refund percent the policy gives; payments refunds it
    in the same transaction (see payments.services.cancel_by_resident).
    """
    booking = await _booking_of(public_id, resident_id=resident_id)
    if now >= booking["starts_at"]:
        raise DomainError(STARTED)
    async with database.transaction():
        cancelled = await _transition(
            booking["id"], Action.cancel, now, _cancellation(now, "resident"), release_seat=True
        )
    await next_free_refresh(now=now, provider_id=booking["provider"])
    return cancelled, policy.refund_percent(booking["starts_at"], now)


async def booking_cancel_by_provider(*, provider_id: int, public_id: str, reason: str, now: datetime) -> dict:
    """The provider cancels; payments refunds the resident in full in the same transaction."""
    booking = await _booking_of(public_id, provider_id=provider_id)
    if now >= booking["ends_at"]:
        raise DomainError("This visit is over; it can be marked as missed instead.")
    async with database.transaction():
        cancelled = await _transition(
            booking["id"], Action.cancel, now, _cancellation(now, "provider", reason), release_seat=True
        )
    await next_free_refresh(now=now, provider_id=provider_id)
    return cancelled


async def bookings_release_holds(*, provider_id: int, now: datetime) -> int:
    """End every hold on the provider's times (a suspended business takes no new bookings).

    A hold paid meanwhile is left alone: it is a confirmed booking now. Returns how many ended.
    """
    released = 0
    async with database.transaction():
        held = await Booking.select(Booking.id).where(
            Booking.provider == provider_id, Booking.status == Status.held.value
        )
        for row in held:
            try:
                await _transition(row["id"], Action.release, now, release_seat=True)
            except ConflictError:
                continue
            released += 1
    await next_free_refresh(now=now, provider_id=provider_id)
    return released


async def booking_mark_no_show(*, provider_id: int, public_id: str, now: datetime) -> None:
    """After the visit's time: the resident didn't come, so the provider's earning is released."""
    booking = await _booking_of(public_id, provider_id=provider_id)
    if now < booking["ends_at"]:
        raise DomainError(NOT_ENDED)
    async with database.transaction():
        await _transition(booking["id"], Action.mark_no_show, now, {Booking.earning_released_at: now})


async def booking_reschedule(
    *, resident_id: int, public_id: str, starts_at: datetime, now: datetime, policy: CancellationPolicy
) -> None:
    """Move a confirmed booking to another free time of the same service, while that is free."""
    booking = await _booking_of(public_id, resident_id=resident_id)
    try:
        async with database.transaction():
            await database.lock_row(Booking, booking["id"])
            booking = await _booking_of(public_id, resident_id=resident_id)  # as it is now, locked
            if not policy.may_reschedule(booking["starts_at"], now):
                raise DomainError(RESCHEDULE_TOO_LATE.format(hours=policy.free_until_hours))
            if starts_at == booking["starts_at"]:
                raise DomainError(SAME_TIME)
            slot = (
                await Slot.select(Slot.id, Slot.starts_at, Slot.ends_at)
                .where(Slot.service == booking["service"], Slot.starts_at == starts_at)
                .first()
            )
            if slot is None:
                raise ConflictError(SLOT_GONE)
            await _expire_lapsed(now, slot_id=slot["id"])
            seat = await _claim_seat(slot["id"], now)
            await _release_seats({booking["slot"]: 1})
            await _transition(
                booking["id"],
                Action.reschedule,
                now,
                {
                    Booking.slot: slot["id"],
                    Booking.seat: seat,
                    Booking.starts_at: slot["starts_at"],
                    Booking.ends_at: slot["ends_at"],
                },
            )
    except Exception as exc:
        if database.is_unique_violation(exc):
            raise ConflictError(SLOT_TAKEN) from exc
        raise
    await next_free_refresh(now=now, provider_id=booking["provider"])


# --- the provider's calendar -------------------------------------------------------------------


async def slot_set_closed(*, provider_id: int, slot_id: int, closed: bool, now: datetime) -> None:
    """Close or reopen one slot. Bookings already on it stay; it just takes no new ones."""
    updated = (
        await Slot.update({Slot.is_closed: closed})
        .where(Slot.id == slot_id, Slot.provider == provider_id)
        .returning(Slot.id)
    )
    if not updated:
        raise NotFoundError("That time doesn't exist, or belongs to another business.")
    await next_free_refresh(now=now, provider_id=provider_id)


CLOSED_DAY_REASON = "The provider closed this day."


async def day_bookings(provider_id: int, day_start: datetime, day_end: datetime) -> list[dict]:
    """The held and confirmed bookings starting within a day."""
    return await Booking.select(Booking.id, Booking.public_id, Booking.status, Booking.starts_at).where(
        Booking.provider == provider_id,
        Booking.starts_at >= day_start,
        Booking.starts_at < day_end,
        Booking.status.is_in([Status.held.value, Status.confirmed.value]),
    )


async def day_set_closed(
    *,
    provider_id: int,
    day_start: datetime,
    day_end: datetime,
    closed: bool,
    now: datetime,
    bookings: str | None = None,
) -> list[int]:
    """Close (or reopen) every slot of a city day. Returns the ids of the cancelled bookings.

    Closing a day that has bookings needs a decision: ``bookings="keep"`` leaves them as they
    are, ``bookings="cancel"`` cancels them as the provider (payments refunds them in full).
    """
    cancelled: list[int] = []
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        if closed:
            live = await day_bookings(provider_id, day_start, day_end)
            if live and bookings not in ("keep", "cancel"):
                raise DomainError(DAY_HAS_BOOKINGS)
            if live and bookings == "cancel":
                for booking in live:
                    if booking["status"] == Status.held.value:
                        await _transition(booking["id"], Action.release, now, release_seat=True)
                        continue
                    await _transition(
                        booking["id"],
                        Action.cancel,
                        now,
                        _cancellation(now, "provider", CLOSED_DAY_REASON),
                        release_seat=True,
                    )
                    cancelled.append(booking["id"])
        await Slot.update({Slot.is_closed: closed}).where(
            Slot.provider == provider_id, Slot.starts_at >= day_start, Slot.starts_at < day_end
        )
    await next_free_refresh(now=now, provider_id=provider_id)
    return cancelled


async def time_off_add(
    *, provider_id: int, first_day: date, last_day: date, note: str, now: datetime, zone: ZoneInfo
) -> None:
    """Take days off: their free slots disappear (booked ones stay, for the provider to handle)."""
    await TimeOff.insert(TimeOff(provider=provider_id, first_day=first_day, last_day=last_day, note=note))
    await slots_refresh(provider_id, now=now, zone=zone)


async def time_off_remove(*, provider_id: int, time_off_id: int, now: datetime, zone: ZoneInfo) -> None:
    removed = (
        await TimeOff.delete()
        .where(TimeOff.id == time_off_id, TimeOff.provider == provider_id)
        .returning(TimeOff.id)
    )
    if not removed:
        raise NotFoundError("Those days off don't exist, or belong to another business.")
    await slots_refresh(provider_id, now=now, zone=zone)


async def calendar_token_reset(provider_id: int) -> str:
    """A new secret feed address; the old one stops working at once."""
    token = secrets.token_urlsafe(24)
    await Provider.update({Provider.calendar_token: token}).where(Provider.id == provider_id)
    return token
