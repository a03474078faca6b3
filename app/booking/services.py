"""Writes for booking: holds and bookings moving through their states (slots: slot_services.py).

Every capacity change is a conditional write inside a transaction, backed by the database: unique
indexes on live seats, and no two overlapping live bookings of one team member (an exclusion
constraint on PostgreSQL, triggers on SQLite). On PostgreSQL a claim first locks the rows of the
members it may take, in id order, so bookings of one person queue instead of colliding.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app import database
from app.booking import queries
from app.booking.availability import (
    Candidate,
    is_closed,
    preferred,
    subtract,
)
from app.booking.codes import new_code
from app.booking.policy import CancellationPolicy
from app.booking.slot_services import next_free_refresh, slots_refresh
from app.booking.slots import LONGEST_CLAIM
from app.booking.state import (
    LIVE_STATUSES_SQL,
    Action,
    IllegalTransition,
    Status,
    allowed_from,
    next_status,
    refusal,
)
from app.booking.tables import Booking, ClosedTime, Slot, TimeOff
from app.catalog.rules import ServiceLocation
from app.catalog.tables import (
    Neighbourhood,
    Provider,
    ProviderServiceArea,
    TeamMember,
)
from app.database import SqlValues
from app.shared.errors import ConflictError, DomainError, NotFoundError

logger = logging.getLogger("cityloop.booking")


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
MEMBER_UNKNOWN = "That person isn't on this team any more. Choose someone else, or anyone available."
MEMBER_NOT_THERE = "{name} doesn't work at that time. Choose another time, or anyone available."
MEMBER_BUSY = "{name} is busy at that time. Choose someone else."
MOVE_NOT_LIVE = "Only a booking that is coming up can be given to someone else."
SAME_MEMBER = "That's who has it already. Choose someone else."
VISIT_ENDED = "This visit is over; it can be marked as missed instead."


@dataclass(frozen=True, slots=True)
class HoldRequest:
    provider_slug: str
    service_public_id: str
    starts_at: datetime
    address: str = ""
    neighbourhood_id: int | None = None
    note: str = ""
    member_public_id: str = ""  # empty: anyone available


def _is_taken(exc: BaseException) -> bool:
    """The database refused what a race slipped past: a seat or a member's time is taken."""
    return database.is_unique_violation(exc) or database.is_overlap_violation(exc)


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

    A claim that finds nobody free does the same for its provider, so a lapsed hold never blocks
    a booking.
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


async def _lock_members(member_ids: list[int]) -> None:
    """Inside a transaction: make other claims on these members wait until we commit.

    PostgreSQL only, in id order so two claims never wait for each other; SQLite's IMMEDIATE
    transaction already excludes other writers.
    """
    if member_ids and not database.is_sqlite():
        ids = sorted(set(member_ids))
        await TeamMember.raw(
            f"SELECT id FROM team_member WHERE id IN ({', '.join('{}' for _ in ids)}) ORDER BY id FOR UPDATE",
            *ids,
        )


@dataclass(frozen=True, slots=True)
class Claimed:
    slot_id: int
    member_id: int
    seat: int
    starts_at: datetime
    ends_at: datetime
    claim_until: datetime


async def _claim(
    slot_ids: list[int], now: datetime, *, for_residents: bool = True, ignoring_booking: int | None = None
) -> Claimed | None:
    """Inside a transaction: take a seat of the first of these slots that is free, or None.

    Each try is one conditional write that repeats the free-slot rule, so it takes the seat only
    if a seat is left and the member is free (the caller holds the members' locks).
    """
    for slot_id in slot_ids:
        sql = SqlValues()
        claimed = await Slot.raw(
            f"UPDATE slot SET booked = booked + 1 WHERE id = {sql.bind(slot_id)} AND "
            + queries.free_slot_sql(
                "slot", sql, now, for_residents=for_residents, ignoring_booking=ignoring_booking
            )
            + " RETURNING id, member, capacity, starts_at, ends_at, claim_until",
            *sql.args,
        )
        if not claimed:
            continue
        row = claimed[0]
        seat = 0  # the only seat; the unique index on live seats backs this up
        if row["capacity"] > 1:
            # The slot row stays locked (PostgreSQL) or the database is ours (SQLite) until commit,
            # so the seats read here can't change under us.
            taken = {r["seat"] for r in await Booking.raw(TAKEN_SEATS_SQL, slot_id)}
            seat = next(n for n in range(len(taken) + 1) if n not in taken)
        return Claimed(
            slot_id=row["id"],
            member_id=row["member"],
            seat=seat,
            starts_at=database.instant_from_db(row["starts_at"]),
            ends_at=database.instant_from_db(row["ends_at"]),
            claim_until=database.instant_from_db(row["claim_until"]),
        )
    return None


def _why_not(slots: list[queries.TargetSlot], now: datetime) -> ConflictError:
    """Why none of a start time's slots could be had, for the resident."""
    open_slots = [s for s in slots if not s.slot.is_closed and not s.slot.is_withdrawn]
    if not open_slots:
        return ConflictError(SLOT_GONE)
    if all(s.slot.book_by is not None and s.slot.book_by < now for s in open_slots):
        return ConflictError(TOO_SOON)
    return ConflictError(SLOT_TAKEN)


def _in_preferred_order(slots: list[queries.TargetSlot]) -> list[int]:
    """Slot ids to try: the free ones as "anyone available" prefers them, then the rest (a lapsed
    hold may be all that stands in their way)."""
    free = preferred(
        Candidate(s.slot.slot_id, s.slot.member_id, s.slot.booked, s.day_load, s.member_position)
        for s in slots
        if s.is_free
    )
    rest = [s.slot.slot_id for s in slots if not s.is_free]
    return [c.slot_id for c in free] + rest


async def booking_hold(
    *, resident_id: int, request: HoldRequest, now: datetime, zone: ZoneInfo, hold_minutes: int
) -> str:
    """Reserve a seat with a team member for a resident while they pay; returns the booking's public id.

    What can be read beforehand is; the transaction holds the few statements that decide, so it
    keeps the write lock as briefly as possible.
    """
    target = await queries.hold_target(
        request.provider_slug, request.service_public_id, request.starts_at, now=now, zone=zone
    )
    if target is None or not target.is_verified:
        raise NotFoundError(NOT_BOOKABLE)
    if target.is_suspended:
        raise DomainError(PROVIDER_PAUSED)
    slots = [s for s in target.slots if s.member_public_id is not None]
    if request.member_public_id:
        slots = [s for s in slots if s.member_public_id == request.member_public_id]
        if not slots:
            raise ConflictError(await _member_missing(target.provider_id, request.member_public_id))
    if not slots:
        raise ConflictError(SLOT_GONE)
    provider_id = target.provider_id
    if target.location == ServiceLocation.customer_address.value:
        await _check_address(provider_id, request)
    order = _in_preferred_order(slots)
    public_id = secrets.token_hex(6)
    try:
        async with database.transaction():
            # Checked again under a share lock: a suspension committing meanwhile waits for this
            # hold and then releases it, or this hold sees the suspension.
            if await database.read_flag_for_share(Provider, provider_id, "is_suspended"):
                raise DomainError(PROVIDER_PAUSED)
            await _lock_members([s.slot.member_id for s in slots])
            if not any(s.is_free for s in slots):  # only then can a lapsed hold be in the way
                await _expire_lapsed(now, provider_id=provider_id)
            mine = await Booking.raw(
                "SELECT COALESCE(SUM(CASE WHEN service = {} AND starts_at = {} "
                "AND (status = 'confirmed' OR held_until > {}) THEN 1 ELSE 0 END), 0) AS this_time, "
                "COALESCE(SUM(CASE WHEN status = 'held' AND held_until > {} THEN 1 ELSE 0 END), 0) "
                "AS holding "
                "FROM booking WHERE resident = {} AND status IN ('held', 'confirmed')",
                target.service_id,
                request.starts_at,
                now,
                now,
                resident_id,
            )
            if mine[0]["this_time"]:
                raise ConflictError(ALREADY_BOOKED)
            if mine[0]["holding"] >= MAX_ACTIVE_HOLDS:
                raise DomainError(TOO_MANY_HOLDS)
            claimed = await _claim(order, now)
            if claimed is None:
                raise _why_not(slots, now)
            await Booking.insert(
                Booking(
                    public_id=public_id,
                    resident=resident_id,
                    provider=provider_id,
                    service=target.service_id,
                    slot=claimed.slot_id,
                    seat=claimed.seat,
                    member=claimed.member_id,
                    member_requested=bool(request.member_public_id),
                    status=Status.held.value,
                    starts_at=claimed.starts_at,
                    ends_at=claimed.ends_at,
                    claim_until=claimed.claim_until,
                    held_until=now + timedelta(minutes=hold_minutes),
                    price_cents=target.online_price_cents,
                    list_price_cents=target.list_price_cents,
                    address=request.address,
                    neighbourhood=request.neighbourhood_id,
                    note=request.note,
                    created_at=now,
                    updated_at=now,
                )
            )
    except Exception as exc:
        if _is_taken(exc):
            raise ConflictError(SLOT_TAKEN) from exc
        raise
    # The member is busy now for every service whose slot overlaps this one, so the provider's
    # earliest free time can change only if it starts at most one slot's length before this one.
    next_free = target.next_free_at
    if next_free is None or next_free + LONGEST_CLAIM >= claimed.starts_at:
        await next_free_refresh(now=now, provider_id=provider_id)
    return public_id


async def _member_missing(provider_id: int, member_public_id: str) -> str:
    member = (
        await TeamMember.select(TeamMember.name, TeamMember.is_active)
        .where(TeamMember.provider == provider_id, TeamMember.public_id == member_public_id)
        .first()
    )
    if member is None or not member["is_active"]:
        return MEMBER_UNKNOWN
    return MEMBER_NOT_THERE.format(name=member["name"])


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
    including when a simultaneous request changed it first. ``release_seat`` gives back the seat
    of the slot the booking was on before the change.
    """
    row = await Booking.select(Booking.status, Booking.slot).where(Booking.id == booking_id).first()
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
        await _release_seats({row["slot"]: 1})
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


async def _same_time_slots(booking: dict, *, member_requested: bool) -> list[int]:
    """The slots a booking may take at its own start time: its member's first, then (unless the
    resident asked for that person) the other members' who perform the service."""
    if member_requested and booking["member"] is not None:
        return [booking["slot"]]
    others = await Slot.select(Slot.id, Slot.member).where(
        Slot.service == booking["service"],
        Slot.starts_at == booking["starts_at"],
        Slot.id != booking["slot"],
        Slot.member.is_not_null(),
    )
    return [booking["slot"], *(row["id"] for row in others)]


async def booking_confirm(
    *,
    booking_id: int,
    now: datetime,
    commission_basis_points: int = 0,
    late: bool = False,
    rng: random.Random | None = None,
) -> dict:
    """Payment is in: held -> confirmed, with a fresh redemption code.

    ``late`` is for money that arrived after the hold ended (expired -> confirmed): a seat at
    that time is taken again if one is still free, with the same team member or (unless the
    resident asked for them) another; else ConflictError says why. Payments call this inside the
    transaction that records the payment, so it happens once however often Stripe reports it.
    """
    async with database.transaction():
        changes = {
            Booking.confirmed_at: now,
            Booking.redemption_code: await _unused_code(rng),
            Booking.commission_basis_points: commission_basis_points,
        }
        if late:
            booking = await Booking.select().where(Booking.id == booking_id).first()
            slot_ids = await _same_time_slots(booking, member_requested=booking["member_requested"])
            members = await Slot.select(Slot.member).where(Slot.id.is_in(slot_ids))
            await _lock_members([row["member"] for row in members if row["member"] is not None])
            await _expire_lapsed(now, provider_id=booking["provider"])
            claimed = await _claim(slot_ids, now)
            if claimed is None:
                raise ConflictError(SLOT_TAKEN)
            changes |= {
                Booking.slot: claimed.slot_id,
                Booking.seat: claimed.seat,
                Booking.member: claimed.member_id,
                Booking.claim_until: claimed.claim_until,
            }
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
    in the same transaction (see payments.services.booking_cancel_paid_by_resident).
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
        raise DomainError(VISIT_ENDED)
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


def _moved_to(claimed: Claimed) -> dict:
    return {
        Booking.slot: claimed.slot_id,
        Booking.seat: claimed.seat,
        Booking.member: claimed.member_id,
        Booking.starts_at: claimed.starts_at,
        Booking.ends_at: claimed.ends_at,
        Booking.claim_until: claimed.claim_until,
    }


async def booking_reschedule(
    *,
    resident_id: int,
    public_id: str,
    starts_at: datetime,
    now: datetime,
    zone: ZoneInfo,
    policy: CancellationPolicy,
) -> None:
    """Move a confirmed booking to another free time of the same service, while that is free.

    The same team member goes if they are free then; someone else only if the resident didn't
    ask for that person.
    """
    booking = await _booking_of(public_id, resident_id=resident_id)
    slots = await queries.slots_at(
        booking["service"], starts_at, now=now, zone=zone, ignoring_booking=booking["id"]
    )
    slots = [s for s in slots if s.member_public_id is not None]
    if booking["member_requested"]:
        slots = [s for s in slots if s.slot.member_id == booking["member"]]
    if not slots:
        raise ConflictError(SLOT_GONE)
    # Their own member first, then as "anyone available" prefers.
    order = [s.slot.slot_id for s in slots if s.slot.member_id == booking["member"]]
    order += [slot_id for slot_id in _in_preferred_order(slots) if slot_id not in order]
    try:
        async with database.transaction():
            await database.lock_row(Booking, booking["id"])
            booking = await _booking_of(public_id, resident_id=resident_id)  # as it is now, locked
            if not policy.may_reschedule(booking["starts_at"], now):
                raise DomainError(RESCHEDULE_TOO_LATE.format(hours=policy.free_until_hours))
            if starts_at == booking["starts_at"]:
                raise DomainError(SAME_TIME)
            await _lock_members([s.slot.member_id for s in slots])
            if not any(s.is_free for s in slots):
                await _expire_lapsed(now, provider_id=booking["provider"])
            claimed = await _claim(order, now, ignoring_booking=booking["id"])
            if claimed is None:
                raise _why_not(slots, now)
            await _transition(booking["id"], Action.reschedule, now, _moved_to(claimed), release_seat=True)
    except Exception as exc:
        if _is_taken(exc):
            raise ConflictError(SLOT_TAKEN) from exc
        raise
    await next_free_refresh(now=now, provider_id=booking["provider"])


async def booking_assign_member(
    *, provider_id: int, public_id: str, member_public_id: str, now: datetime
) -> dict:
    """The provider gives an upcoming booking to another team member, at the same time.

    The member must be active, perform the service, work at that time (have that slot) and be
    free for the whole visit plus the buffer; the notice doesn't apply to the provider.
    """
    booking = await _booking_of(public_id, provider_id=provider_id)
    member = (
        await TeamMember.select(TeamMember.id, TeamMember.name, TeamMember.is_active)
        .where(TeamMember.provider == provider_id, TeamMember.public_id == member_public_id)
        .first()
    )
    if member is None or not member["is_active"]:
        raise DomainError(MEMBER_UNKNOWN, field="member")
    if member["id"] == booking["member"]:
        raise DomainError(SAME_MEMBER, field="member")
    if booking["status"] not in (Status.held.value, Status.confirmed.value) or booking["ends_at"] <= now:
        raise ConflictError(MOVE_NOT_LIVE)
    slot = (
        await Slot.select(Slot.id)
        .where(
            Slot.service == booking["service"],
            Slot.member == member["id"],
            Slot.starts_at == booking["starts_at"],
            Slot.is_withdrawn.eq(False),
        )
        .first()
    )
    if slot is None:
        raise DomainError(MEMBER_NOT_THERE.format(name=member["name"]), field="member")
    try:
        async with database.transaction():
            await _lock_members([member["id"]])
            claimed = await _claim([slot["id"]], now, for_residents=False, ignoring_booking=booking["id"])
            if claimed is None:
                raise ConflictError(MEMBER_BUSY.format(name=member["name"]), field="member")
            changes = {**_moved_to(claimed), Booking.member_requested: False, Booking.updated_at: now}
            updated = (
                await Booking.update(changes)
                .where(
                    Booking.id == booking["id"],
                    Booking.status.is_in([Status.held.value, Status.confirmed.value]),
                    Booking.slot == booking["slot"],
                )
                .returning(Booking.id)
            )
            if not updated:
                raise ConflictError(MOVE_NOT_LIVE)
            await _release_seats({booking["slot"]: 1})
    except Exception as exc:
        if _is_taken(exc):
            raise ConflictError(MEMBER_BUSY.format(name=member["name"]), field="member") from exc
        raise
    await next_free_refresh(now=now, provider_id=provider_id)
    return {**booking, "member": member["id"], "member_name": member["name"]}


async def bookings_hand_over(
    *, provider_id: int, from_member_id: int, to_member_public_id: str, now: datetime
) -> list[tuple[str, str]]:
    """Give every upcoming booking of one member to another, each through the same guard as a
    single move. Returns (public id, why) for the bookings that couldn't move."""
    upcoming = (
        await Booking.select(Booking.public_id)
        .where(
            Booking.provider == provider_id,
            Booking.member == from_member_id,
            Booking.ends_at > now,
            Booking.status.is_in([Status.held.value, Status.confirmed.value]),
        )
        .order_by(Booking.starts_at)
    )
    kept: list[tuple[str, str]] = []
    for row in upcoming:
        try:
            await booking_assign_member(
                provider_id=provider_id,
                public_id=row["public_id"],
                member_public_id=to_member_public_id,
                now=now,
            )
        except DomainError as error:
            kept.append((row["public_id"], error.message))
    return kept


# --- the provider's calendar -------------------------------------------------------------------


async def _sync_closed(member_ids: list[int], start: datetime, end: datetime) -> None:
    """Inside a transaction: the members' slots overlapping [start, end) follow their closed times."""
    if not member_ids:
        return
    slots = await Slot.select(Slot.id, Slot.member, Slot.starts_at, Slot.ends_at, Slot.is_closed).where(
        Slot.member.is_in(member_ids),
        Slot.starts_at >= start - LONGEST_CLAIM,
        Slot.starts_at < end,
        Slot.ends_at > start,
    )
    closures = await queries.closed_times_of(member_ids, start - LONGEST_CLAIM, end + LONGEST_CLAIM)
    changed: dict[bool, list[int]] = {True: [], False: []}
    for row in slots:
        closed = is_closed(row["member"], row["starts_at"], row["ends_at"], closures)
        if closed != bool(row["is_closed"]):
            changed[closed].append(row["id"])
    for closed, ids in changed.items():
        for batch in database.batches(ids):
            await Slot.update({Slot.is_closed: closed}).where(Slot.id.is_in(batch))


async def _set_closed_time(
    provider_id: int, member_ids: list[int], start: datetime, end: datetime, *, closed: bool
) -> None:
    """Inside a transaction: close [start, end) for these members, or open it again (closed times
    that reach beyond it keep their other parts)."""
    if closed:
        await ClosedTime.insert(
            *(ClosedTime(provider=provider_id, member=m, starts_at=start, ends_at=end) for m in member_ids)
        )
    else:
        covering = await ClosedTime.select().where(
            ClosedTime.member.is_in(member_ids), ClosedTime.starts_at < end, ClosedTime.ends_at > start
        )
        if covering:
            await ClosedTime.delete().where(ClosedTime.id.is_in([row["id"] for row in covering]))
            pieces = [
                ClosedTime(provider=provider_id, member=row["member"], starts_at=a, ends_at=b)
                for row in covering
                for a, b in subtract(row["starts_at"], row["ends_at"], start, end)
            ]
            if pieces:
                await ClosedTime.insert(*pieces)
    await _sync_closed(member_ids, start, end)


async def _team_ids(provider_id: int) -> list[int]:
    rows = await TeamMember.select(TeamMember.id).where(
        TeamMember.provider == provider_id, TeamMember.is_active.eq(True)
    )
    return [row["id"] for row in rows]


async def slot_set_closed(
    *, provider_id: int, slot_id: int, closed: bool, now: datetime, everyone: bool = False
) -> None:
    """Close or reopen a slot's time for its team member, or (``everyone``) for every member who
    has that service at that time. Closed times apply to all of a member's services; bookings
    already made stay, and the time just takes no new ones."""
    slot = (
        await Slot.select(Slot.service, Slot.member, Slot.starts_at, Slot.ends_at)
        .where(Slot.id == slot_id, Slot.provider == provider_id)
        .first()
    )
    if slot is None:
        raise NotFoundError("That time doesn't exist, or belongs to another business.")
    members = [slot["member"]]
    if everyone:
        rows = await Slot.select(Slot.member).where(
            Slot.service == slot["service"], Slot.starts_at == slot["starts_at"]
        )
        members = sorted({row["member"] for row in rows if row["member"] is not None})
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        await _set_closed_time(provider_id, members, slot["starts_at"], slot["ends_at"], closed=closed)
    await next_free_refresh(now=now, provider_id=provider_id)


CLOSED_DAY_REASON = "The provider closed this day."


async def day_bookings(
    provider_id: int, day_start: datetime, day_end: datetime, *, member_id: int | None = None
) -> list[dict]:
    """The held and confirmed bookings starting within a day (of one member, or everyone's)."""
    query = Booking.select(Booking.id, Booking.public_id, Booking.status, Booking.starts_at).where(
        Booking.provider == provider_id,
        Booking.starts_at >= day_start,
        Booking.starts_at < day_end,
        Booking.status.is_in([Status.held.value, Status.confirmed.value]),
    )
    if member_id is not None:
        query = query.where(Booking.member == member_id)
    return await query


async def day_set_closed(
    *,
    provider_id: int,
    day_start: datetime,
    day_end: datetime,
    closed: bool,
    now: datetime,
    bookings: str | None = None,
    member_id: int | None = None,
) -> list[int]:
    """Close (or reopen) a city day for one member or the whole team. Returns the ids of the
    cancelled bookings.

    Closing a day that has bookings needs a decision: ``bookings="keep"`` leaves them as they
    are, ``bookings="cancel"`` cancels them as the provider (payments refunds them in full).
    """
    cancelled: list[int] = []
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        members = [member_id] if member_id is not None else await _team_ids(provider_id)
        if closed:
            live = await day_bookings(provider_id, day_start, day_end, member_id=member_id)
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
            # Reopened parts of the day stay apart from the day's closing: close it whole again.
            await _set_closed_time(provider_id, members, day_start, day_end, closed=False)
        await _set_closed_time(provider_id, members, day_start, day_end, closed=closed)
    await next_free_refresh(now=now, provider_id=provider_id)
    return cancelled


async def time_off_add(
    *,
    provider_id: int,
    first_day: date,
    last_day: date,
    note: str,
    now: datetime,
    zone: ZoneInfo,
    member_id: int | None = None,
) -> None:
    """Take days off, for the whole business or one member: their free slots disappear (booked
    ones stay, for the provider to handle)."""
    async with database.transaction():
        await TimeOff.insert(
            TimeOff(provider=provider_id, member=member_id, first_day=first_day, last_day=last_day, note=note)
        )
        await slots_refresh(provider_id=provider_id, now=now, zone=zone)


async def time_off_remove(*, provider_id: int, time_off_id: int, now: datetime, zone: ZoneInfo) -> None:
    async with database.transaction():
        removed = (
            await TimeOff.delete()
            .where(TimeOff.id == time_off_id, TimeOff.provider == provider_id)
            .returning(TimeOff.id)
        )
        if not removed:
            raise NotFoundError("Those days off don't exist, or belong to another business.")
        await slots_refresh(provider_id=provider_id, now=now, zone=zone)


async def calendar_token_reset(*, provider_id: int) -> str:
    """A new secret feed address; the old one stops working at once."""
    token = secrets.token_urlsafe(24)
    await Provider.update({Provider.calendar_token: token}).where(Provider.id == provider_id)
    return token
