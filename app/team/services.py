"""Writes for the team: people join, change what they do and when, and leave; free times follow.

Each public function owns its transaction and refreshes the provider's slots inside it, so
residents see the change at once and a change never commits without its slots.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from app import database
from app.booking.slot_services import slots_refresh
from app.booking.state import Status
from app.booking.tables import Booking
from app.catalog.hours import Interval
from app.catalog.tables import Provider, Service, TeamMember, TeamMemberHours, TeamMemberService
from app.media.storage import MediaStore, StoredImage
from app.shared.errors import ConflictError, DomainError, NotFoundError

TEAM_LIMIT = 30
TEAM_LIMIT_REACHED = f"A business can have at most {TEAM_LIMIT} team members."
NAME_REQUIRED = "Give the person's name, as customers will see it."
NO_SERVICES = "Choose at least one service this person performs."
UNKNOWN_SERVICE = "Choose services from your own list."
NOT_ON_TEAM = "That person isn't on your team."
LAST_ACTIVE = (
    "This is the only active person on your team: without anyone, residents can't book you. "
    "Add someone else first."
)
HAS_UPCOMING = "{name} has {count} upcoming booking(s). Give them to someone else or cancel them first."


async def _services_of(provider_id: int, service_ids: list[int]) -> list[int]:
    """The given ids that are the provider's services; any other id is refused."""
    if not service_ids:
        raise DomainError(NO_SERVICES, field="services")
    own = {
        row["id"]
        for row in await Service.select(Service.id).where(
            Service.provider == provider_id, Service.id.is_in(sorted(set(service_ids)))
        )
    }
    if own != set(service_ids):
        raise DomainError(UNKNOWN_SERVICE, field="services")
    return sorted(own)


async def _member_row(provider_id: int, public_id: str) -> dict:
    row = (
        await TeamMember.select()
        .where(TeamMember.provider == provider_id, TeamMember.public_id == public_id)
        .first()
    )
    if row is None:
        raise NotFoundError(NOT_ON_TEAM)
    return row


async def team_member_create(
    *,
    provider_id: int,
    name: str,
    service_ids: list[int],
    now: datetime,
    zone: ZoneInfo,
    photo: StoredImage | None = None,
) -> str:
    """Add a person performing ``service_ids``, on the business hours; returns their public id."""
    name = name.strip()
    if not name:
        raise DomainError(NAME_REQUIRED, field="name")
    services = await _services_of(provider_id, service_ids)
    public_id = secrets.token_hex(6)
    async with database.transaction():
        await database.lock_row(Provider, provider_id)  # two additions at once can't pass the limit
        count = await TeamMember.count().where(TeamMember.provider == provider_id)
        if count >= TEAM_LIMIT:
            raise DomainError(TEAM_LIMIT_REACHED)
        rows = await TeamMember.insert(
            TeamMember(
                public_id=public_id,
                provider=provider_id,
                name=name[:80],
                photo_key=photo.key if photo else "",
                photo_width=photo.width if photo else 0,
                position=count,
                created_at=now,
            )
        ).returning(TeamMember.id)
        await TeamMemberService.insert(
            *(TeamMemberService(member=rows[0]["id"], service=service_id) for service_id in services)
        )
        await slots_refresh(provider_id=provider_id, now=now, zone=zone)
    return public_id


async def team_member_update(
    *, provider_id: int, public_id: str, name: str, service_ids: list[int], now: datetime, zone: ZoneInfo
) -> None:
    """Rename a member and set the services they perform. Bookings they already have stay theirs."""
    name = name.strip()
    if not name:
        raise DomainError(NAME_REQUIRED, field="name")
    member = await _member_row(provider_id, public_id)
    services = await _services_of(provider_id, service_ids)
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        await TeamMember.update({TeamMember.name: name[:80]}).where(TeamMember.id == member["id"])
        await TeamMemberService.delete().where(TeamMemberService.member == member["id"])
        await TeamMemberService.insert(
            *(TeamMemberService(member=member["id"], service=service_id) for service_id in services)
        )
        await slots_refresh(provider_id=provider_id, now=now, zone=zone)


async def team_member_set_photo(
    *, provider_id: int, public_id: str, photo: StoredImage | None, store: MediaStore
) -> None:
    """Replace (or, with None, remove) a member's photo; the old picture's files go."""
    member = await _member_row(provider_id, public_id)
    await TeamMember.update(
        {
            TeamMember.photo_key: photo.key if photo else "",
            TeamMember.photo_width: photo.width if photo else 0,
        }
    ).where(TeamMember.id == member["id"])
    if member["photo_key"]:
        store.delete(member["photo_key"])


async def team_member_set_hours(
    *, provider_id: int, public_id: str, intervals: list[Interval] | None, now: datetime, zone: ZoneInfo
) -> None:
    """Give a member their own weekly hours, or (``None``) let them follow the business hours."""
    member = await _member_row(provider_id, public_id)
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        await TeamMemberHours.delete().where(TeamMemberHours.member == member["id"])
        if intervals:
            await TeamMemberHours.insert(
                *(
                    TeamMemberHours(
                        member=member["id"], weekday=i.weekday, opens_minute=i.opens, closes_minute=i.closes
                    )
                    for i in intervals
                )
            )
        await slots_refresh(provider_id=provider_id, now=now, zone=zone)


async def team_member_set_active(
    *, provider_id: int, public_id: str, active: bool, now: datetime, zone: ZoneInfo
) -> None:
    """Take a member off the team's schedule (their past bookings stay) or bring them back.

    Someone with upcoming bookings can't leave until those are given to someone else or
    cancelled, and the last active member can't leave at all. The check and the change are one
    transaction in which the member's free slots are removed first, so a hold landing at the
    same moment either comes first (and is counted) or finds no slot.
    """
    member = await _member_row(provider_id, public_id)
    async with database.transaction():
        await database.lock_row(Provider, provider_id)
        if not active:
            others = await TeamMember.count().where(
                TeamMember.provider == provider_id,
                TeamMember.is_active.eq(True),
                TeamMember.id != member["id"],
            )
            if not others:
                raise ConflictError(LAST_ACTIVE)
            await TeamMember.raw(
                "DELETE FROM slot WHERE member = {} AND starts_at >= {} AND booked = 0 "
                "AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot = slot.id)",
                member["id"],
                now,
            )
            upcoming = await Booking.count().where(
                Booking.member == member["id"],
                Booking.ends_at > now,
                Booking.status.is_in([Status.held.value, Status.confirmed.value]),
            )
            if upcoming:
                raise ConflictError(HAS_UPCOMING.format(name=member["name"], count=upcoming))
        await TeamMember.update({TeamMember.is_active: active}).where(TeamMember.id == member["id"])
        await slots_refresh(provider_id=provider_id, now=now, zone=zone)
