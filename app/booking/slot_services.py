"""Slots: a provider's bookable times made from its team's hours, kept up to date.

A refresh makes the future slots match the hours, services, team and booking rules; it never
deletes a slot a booking points at (such a slot is withdrawn instead). The daily job extends
every verified provider's slots, one provider at a time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app import database
from app.booking import queries
from app.booking.availability import (
    claim_end,
    is_closed,
)
from app.booking.slots import LONGEST_CLAIM, book_by, booking_window, days_off, slot_times
from app.booking.tables import Slot, TimeOff
from app.catalog.hours import Interval, member_service_hours
from app.catalog.tables import (
    OpeningHours,
    Provider,
    Service,
    TeamMember,
    TeamMemberHours,
    TeamMemberService,
)
from app.database import SqlValues
from app.shared.citytime import city_day_bounds

logger = logging.getLogger("cityloop.booking")


async def slots_refresh(
    *, provider_id: int, now: datetime, zone: ZoneInfo, service_ids: list[int] | None = None
) -> None:
    """Make the provider's future slots match its team, hours, services and booking rules.

    Each active member gets the slots of every service they perform, in the hours they do it
    (catalog.hours.member_service_hours), outside the business's and their own days off, closed
    where they closed the time. A slot that no longer fits is deleted only if no booking, of any
    status, points at it; otherwise it is withdrawn: its bookings keep it and it sells nothing
    more, even once they end. Booked slots keep their times. ``service_ids`` limits the work to
    the services that changed.

    Inside a caller's transaction the refresh joins it, so a change of hours, team or services
    and the slots that follow from it commit together or not at all.
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
        window = booking_window(now, zone, provider["horizon_days"])
        wanted = await _wanted_slots(
            provider_id, provider, now=now, zone=zone, window=window, service_ids=service_ids
        )
        existing = await Slot.select(
            Slot.id,
            Slot.service,
            Slot.member,
            Slot.starts_at,
            Slot.ends_at,
            Slot.claim_until,
            Slot.book_by,
            Slot.capacity,
            Slot.booked,
            Slot.is_closed,
            Slot.is_withdrawn,
        ).where(Slot.provider == provider_id, Slot.starts_at >= now)
        if service_ids is not None:
            existing = [row for row in existing if row["service"] in service_ids]
        kept: set[tuple[int, int, datetime]] = set()
        outdated: dict[int, tuple[int, int, datetime]] = {}
        for_sale: dict[bool, list[int]] = {True: [], False: []}  # booked slots whose sale changes
        for row in existing:
            key = (row["service"], row["member"], row["starts_at"])
            slot = wanted.get(key)
            if row["booked"]:
                kept.add(key)  # its bookings keep its times; it sells seats only inside the hours
                if bool(row["is_withdrawn"]) != (slot is None):
                    for_sale[slot is not None].append(row["id"])
            elif slot is not None and _same_slot(row, slot):
                kept.add(key)
            else:
                outdated[row["id"]] = key
        # Unbooked slots nothing points at go; those a booking (even an ended one) points at stay.
        for batch in database.batches(list(outdated)):
            await Slot.raw(
                f"DELETE FROM slot WHERE id IN ({', '.join('{}' for _ in batch)}) AND booked = 0 "
                "AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot = slot.id)",
                *batch,
            )
        for slot_id in await _existing_ids(list(outdated)):
            key = outdated[slot_id]
            kept.add(key)
            if (slot := wanted.get(key)) is None:
                for_sale[False].append(slot_id)
            else:
                await Slot.update(_slot_values(slot)).where(Slot.id == slot_id, Slot.booked == 0)
        for offered, slot_ids in for_sale.items():
            for batch in database.batches(slot_ids):
                await Slot.update({Slot.is_withdrawn: not offered}).where(Slot.id.is_in(batch))
        for batch in database.batches([slot for key, slot in wanted.items() if key not in kept]):
            await Slot.insert(*batch).on_conflict(action="DO NOTHING")
        await next_free_refresh(now=now, provider_id=provider_id)


# What a refresh brings up to date on a slot that keeps its service, member and start.
_REFRESHED = (Slot.ends_at, Slot.claim_until, Slot.book_by, Slot.capacity, Slot.is_closed, Slot.is_withdrawn)


def _same_slot(row: dict, slot: Slot) -> bool:
    return all(row[column._meta.name] == getattr(slot, column._meta.name) for column in _REFRESHED)


def _slot_values(slot: Slot) -> dict:
    return {column: getattr(slot, column._meta.name) for column in _REFRESHED}


async def _existing_ids(slot_ids: list[int]) -> list[int]:
    found: list[int] = []
    for batch in database.batches(slot_ids):
        found += [row["id"] for row in await Slot.select(Slot.id).where(Slot.id.is_in(batch))]
    return found


async def _wanted_slots(
    provider_id: int,
    provider: dict,
    *,
    now: datetime,
    zone: ZoneInfo,
    window: tuple[date, date],
    service_ids: list[int] | None,
) -> dict[tuple[int, int, datetime], Slot]:
    """Every slot the team's hours give in the window's days, by (service, member, start).

    Days off and closed times are read and applied only where they overlap the window, so the
    work depends on the window, never on how far a stored date reaches.
    """
    first_day, last_day = window
    business: list[Interval] = []
    service_hours: dict[int, list[Interval]] = {}
    for row in await OpeningHours.select().where(OpeningHours.provider == provider_id):
        interval = Interval(row["weekday"], row["opens_minute"], row["closes_minute"])
        if row["service"] is None:
            business.append(interval)
        else:
            service_hours.setdefault(row["service"], []).append(interval)
    services = await Service.select(Service.id, Service.duration_minutes, Service.capacity).where(
        Service.provider == provider_id, Service.is_archived.eq(False)
    )
    if service_ids is not None:
        services = [service for service in services if service["id"] in service_ids]
    members = [
        row["id"]
        for row in await TeamMember.select(TeamMember.id).where(
            TeamMember.provider == provider_id, TeamMember.is_active.eq(True)
        )
    ]
    if not services or not members:
        return {}
    performs = {
        (row["member"], row["service"])
        for row in await TeamMemberService.select().where(TeamMemberService.member.is_in(members))
    }
    member_hours: dict[int, list[Interval]] = {}
    for row in await TeamMemberHours.select().where(TeamMemberHours.member.is_in(members)):
        member_hours.setdefault(row["member"], []).append(
            Interval(row["weekday"], row["opens_minute"], row["closes_minute"])
        )
    business_off: list[tuple[date, date]] = []
    member_off: dict[int, list[tuple[date, date]]] = {}
    for row in await TimeOff.select(TimeOff.member, TimeOff.first_day, TimeOff.last_day).where(
        TimeOff.provider == provider_id, TimeOff.last_day >= first_day, TimeOff.first_day <= last_day
    ):
        span = (row["first_day"], row["last_day"])
        (business_off if row["member"] is None else member_off.setdefault(row["member"], [])).append(span)
    # A slot of the window's last day ends at most a service's length after that day.
    closures = await queries.closed_times_of(members, now, city_day_bounds(last_day, zone)[1] + LONGEST_CLAIM)
    notice, buffer = provider["min_notice_minutes"], provider["buffer_minutes"]
    wanted: dict[tuple[int, int, datetime], Slot] = {}
    for member in members:
        off = days_off([*business_off, *member_off.get(member, [])], window=window)
        for service in services:
            if (member, service["id"]) not in performs:
                continue
            hours = member_service_hours(
                business=business,
                service_own=service_hours.get(service["id"], []),
                member_own=member_hours.get(member, []),
            )
            for time in slot_times(
                hours,
                duration_minutes=service["duration_minutes"],
                buffer_minutes=buffer,
                first_day=first_day,
                last_day=last_day,
                zone=zone,
                days_off=off,
            ):
                if time.starts_at < now:
                    continue
                wanted[(service["id"], member, time.starts_at)] = Slot(
                    service=service["id"],
                    provider=provider_id,
                    member=member,
                    starts_at=time.starts_at,
                    ends_at=time.ends_at,
                    claim_until=claim_end(time.ends_at, buffer),
                    book_by=book_by(time.starts_at, notice),
                    capacity=service["capacity"],
                    is_closed=is_closed(member, time.starts_at, time.ends_at, closures),
                )
    return wanted


@dataclass(frozen=True, slots=True)
class RefreshReport:
    refreshed: int
    failed: tuple[int, ...]  # ids of the providers whose refresh raised (each logged)


async def slots_refresh_all(*, now: datetime, zone: ZoneInfo) -> RefreshReport:
    """Extend every verified provider's slots to the end of its booking window (run daily).

    Each provider is refreshed in a transaction of its own: one whose data can't be refreshed
    is logged with its id and keeps its slots as they were, and the others are refreshed all
    the same.
    """
    refreshed, failed = 0, []
    providers = await Provider.select(Provider.id).where(Provider.is_verified.eq(True)).order_by(Provider.id)
    for row in providers:
        try:
            await slots_refresh(provider_id=row["id"], now=now, zone=zone)
        except Exception:  # whatever one provider's rows hold, the next provider still gets its slots
            logger.exception("refreshing the free times of provider %s failed", row["id"])
            failed.append(row["id"])
        else:
            refreshed += 1
    return RefreshReport(refreshed=refreshed, failed=tuple(failed))


async def next_free_refresh(*, now: datetime, provider_id: int | None = None) -> None:
    """Recompute providers' earliest free, still bookable slot (all providers, or one)."""
    sql = SqlValues()
    free = queries.free_slot_sql("sl", sql, now)
    one = f" WHERE provider.id = {sql.bind(provider_id)}" if provider_id is not None else ""
    await Provider.raw(
        # The first free slot in time order: the scan stops there (see discovery.queries).
        "UPDATE provider SET next_free_at = (SELECT sl.starts_at FROM slot sl "
        f"WHERE sl.provider = provider.id AND {free} ORDER BY sl.starts_at LIMIT 1){one}",
        *sql.args,
    )
