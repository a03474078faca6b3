"""Writes to slots: generating them from opening hours, and keeping next free times current."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from zoneinfo import ZoneInfo

from app import database
from app.booking.slots import book_by, booking_window, slot_times
from app.booking.tables import Slot
from app.catalog.hours import Interval
from app.catalog.tables import OpeningHours, Provider, Service

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
            await Provider.select(Provider.min_notice_minutes, Provider.horizon_days)
            .where(Provider.id == provider_id)
            .first()
        )
        if provider is None:
            return
        intervals = [
            Interval(row["weekday"], row["opens_minute"], row["closes_minute"])
            for row in await OpeningHours.select().where(OpeningHours.provider == provider_id)
        ]
        services = await Service.select(Service.id, Service.duration_minutes, Service.capacity).where(
            Service.provider == provider_id, Service.is_archived.eq(False)
        )
        if service_ids is not None:
            services = [service for service in services if service["id"] in service_ids]
        first_day, last_day = booking_window(now, zone, provider["horizon_days"])
        notice = provider["min_notice_minutes"]
        wanted: dict[tuple[int, datetime], Slot] = {}
        for service in services:
            for time in slot_times(
                intervals,
                duration_minutes=service["duration_minutes"],
                first_day=first_day,
                last_day=last_day,
                zone=zone,
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
        "UPDATE provider SET next_free_at = (SELECT MIN(slot.starts_at) FROM slot "
        "WHERE slot.provider = provider.id AND slot.book_by >= {} AND slot.booked < slot.capacity "
        "AND NOT slot.is_closed)" + (" WHERE provider.id = {}" if provider_id is not None else ""),
        *([now, provider_id] if provider_id is not None else [now]),
    )
    await query


def _batches(items: list, size: int):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
