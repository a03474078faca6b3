"""What a provider sells and when: its services and weekly hours, each change with its slots.

These writes live on booking's floor because a change of hours or services and the slots that
follow from it commit together or not at all (the slots themselves: booking.slot_services).
Each public function owns its transaction and refreshes the provider's search document after.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from app import database
from app.booking.slot_services import next_free_refresh, slots_refresh
from app.booking.tables import Booking
from app.catalog.hours import Interval
from app.catalog.rules import ServiceDetails, capacity_problem
from app.catalog.services import provider_search_refresh
from app.catalog.tables import OpeningHours, Provider, Service, TeamMember, TeamMemberService
from app.shared.errors import ConflictError, DomainError, NotFoundError

SERVICE_LIMIT = 20
SERVICE_LIMIT_REACHED = (
    f"A business can list at most {SERVICE_LIMIT} services. Archive one before adding another."
)
SERVICE_HAS_BOOKINGS = (
    "This service has been booked, so it stays in your records. Archive it to take it off your page."
)
NO_PERFORMERS = "Choose who on your team performs this service."


async def provider_set_hours(
    *,
    provider_id: int,
    intervals: list[Interval],
    min_notice_minutes: int,
    horizon_days: int,
    buffer_minutes: int = 0,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    """Replace the weekly hours and booking rules; free times follow at once."""
    rules = {
        Provider.min_notice_minutes: min_notice_minutes,
        Provider.horizon_days: horizon_days,
        Provider.buffer_minutes: buffer_minutes,
    }
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        await Provider.update({**rules, Provider.updated_at: now}).where(Provider.id == provider_id)
        await OpeningHours.delete().where(
            OpeningHours.provider == provider_id, OpeningHours.service.is_null()
        )
        if intervals:
            await OpeningHours.insert(
                *(
                    OpeningHours(
                        provider=provider_id, weekday=i.weekday, opens_minute=i.opens, closes_minute=i.closes
                    )
                    for i in intervals
                )
            )
        await slots_refresh(provider_id=provider_id, now=now, zone=zone)


async def service_set_hours(
    *, provider_id: int, public_id: str, intervals: list[Interval] | None, now: datetime, zone: ZoneInfo
) -> None:
    """Give a service its own weekly hours, or (``None``) let it follow the business's hours."""
    service_id = await _owned_service_id(provider_id, public_id)
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        await OpeningHours.delete().where(OpeningHours.service == service_id)
        if intervals:
            await OpeningHours.insert(
                *(
                    OpeningHours(
                        provider=provider_id,
                        service=service_id,
                        weekday=i.weekday,
                        opens_minute=i.opens,
                        closes_minute=i.closes,
                    )
                    for i in intervals
                )
            )
        await slots_refresh(provider_id=provider_id, now=now, zone=zone, service_ids=[service_id])


# --- services ----------------------------------------------------------------------------------


def _service_columns(details: ServiceDetails) -> dict:
    return {
        Service.category: details.category_id,
        Service.name: details.name,
        Service.description: details.description,
        Service.duration_minutes: details.duration_minutes,
        Service.online_price_cents: details.online_price_cents,
        Service.list_price_cents: details.list_price_cents,
        Service.location: details.location.value,
        Service.capacity: details.capacity,
    }


def _check_service(details: ServiceDetails) -> None:
    if problem := capacity_problem(details.location, details.capacity):
        raise DomainError(problem, field="capacity")


async def _set_performers(provider_id: int, service_id: int, member_ids: list[int] | None) -> None:
    """Inside a transaction: who on the team performs the service (None: every active member)."""
    team = await TeamMember.select(TeamMember.id).where(
        TeamMember.provider == provider_id, TeamMember.is_active.eq(True)
    )
    active = {row["id"] for row in team}
    chosen = active if member_ids is None else active & set(member_ids)
    if not chosen:
        raise DomainError(NO_PERFORMERS, field="members")
    # Inactive members keep the services they had, for when they come back.
    await TeamMemberService.delete().where(
        TeamMemberService.service == service_id, TeamMemberService.member.is_in(sorted(active))
    )
    await TeamMemberService.insert(
        *(TeamMemberService(member=member_id, service=service_id) for member_id in sorted(chosen))
    )


async def service_create(*, provider_id: int, details: ServiceDetails, now: datetime, zone: ZoneInfo) -> str:
    _check_service(details)
    public_id = secrets.token_hex(6)
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        if (
            await Service.count().where(Service.provider == provider_id, Service.is_archived.eq(False))
            >= SERVICE_LIMIT
        ):
            raise DomainError(SERVICE_LIMIT_REACHED)
        position = await Service.count().where(Service.provider == provider_id)
        rows = await Service.insert(
            Service(
                public_id=public_id,
                provider=provider_id,
                position=position,
                created_at=now,
                **{column._meta.name: value for column, value in _service_columns(details).items()},
            )
        ).returning(Service.id)
        await _set_performers(provider_id, rows[0]["id"], details.member_ids)
        await slots_refresh(provider_id=provider_id, now=now, zone=zone, service_ids=[rows[0]["id"]])
    await provider_search_refresh(provider_id=provider_id)
    return public_id


async def _owned_service_id(provider_id: int, public_id: str) -> int:
    row = (
        await Service.select(Service.id)
        .where(Service.provider == provider_id, Service.public_id == public_id)
        .first()
    )
    if row is None:
        raise NotFoundError("That service doesn't exist, or belongs to another business.")
    return row["id"]


async def service_update(
    *, provider_id: int, public_id: str, details: ServiceDetails, now: datetime, zone: ZoneInfo
) -> None:
    _check_service(details)
    service_id = await _owned_service_id(provider_id, public_id)
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        await Service.update(_service_columns(details)).where(Service.id == service_id)
        await _set_performers(provider_id, service_id, details.member_ids)
        await slots_refresh(provider_id=provider_id, now=now, zone=zone, service_ids=[service_id])
    await provider_search_refresh(provider_id=provider_id)


async def service_set_archived(
    *, provider_id: int, public_id: str, archived: bool, now: datetime, zone: ZoneInfo
) -> None:
    """Archived services disappear from the public page and stop taking bookings; history stays."""
    service_id = await _owned_service_id(provider_id, public_id)
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        if (
            not archived
            and await Service.count().where(Service.provider == provider_id, Service.is_archived.eq(False))
            >= SERVICE_LIMIT
        ):
            raise DomainError(SERVICE_LIMIT_REACHED)
        await Service.update({Service.is_archived: archived}).where(Service.id == service_id)
        await slots_refresh(provider_id=provider_id, now=now, zone=zone, service_ids=[service_id])
    await provider_search_refresh(provider_id=provider_id)


async def service_delete(*, provider_id: int, public_id: str, now: datetime) -> None:
    """Delete a service that was never booked, with its hours and times. A booked one keeps its
    history (archive it instead); the bookings' foreign key refuses the delete even when a hold
    lands between the check and the delete."""
    service_id = await _owned_service_id(provider_id, public_id)
    try:
        async with database.transaction():
            await database.lock_row(Provider, provider_id)
            if await Booking.exists().where(Booking.service == service_id):
                raise ConflictError(SERVICE_HAS_BOOKINGS)
            await Service.delete().where(Service.id == service_id)
    except Exception as exc:
        if database.is_foreign_key_violation(exc):
            raise ConflictError(SERVICE_HAS_BOOKINGS) from exc
        raise
    await provider_search_refresh(provider_id=provider_id)
    await next_free_refresh(now=now, provider_id=provider_id)
