"""Reads of what a provider sells, with what booking knows of it."""

from __future__ import annotations

from dataclasses import dataclass

from app.booking.tables import Booking
from app.catalog.tables import Service


@dataclass(frozen=True, slots=True)
class OfferedService:
    id: int
    public_id: str
    name: str
    category_name: str
    duration_minutes: int
    online_price_cents: int
    list_price_cents: int
    location: str  # catalog.rules.ServiceLocation's value
    capacity: int
    is_archived: bool
    was_booked: bool  # a booked service is archived rather than deleted: its bookings keep it


async def services_of(provider_id: int) -> list[OfferedService]:
    """The provider's services, those on sale first, in the provider's order."""
    booked = {
        row["service"]
        for row in await Booking.select(Booking.service).where(Booking.provider == provider_id).distinct()
    }
    rows = (
        await Service.select(
            Service.id,
            Service.public_id,
            Service.name,
            Service.category.name,
            Service.duration_minutes,
            Service.online_price_cents,
            Service.list_price_cents,
            Service.location,
            Service.capacity,
            Service.is_archived,
        )
        .where(Service.provider == provider_id)
        .order_by(Service.is_archived)
        .order_by(Service.position)
    )
    return [
        OfferedService(
            id=row["id"],
            public_id=row["public_id"],
            name=row["name"],
            category_name=row["category.name"],
            duration_minutes=row["duration_minutes"],
            online_price_cents=row["online_price_cents"],
            list_price_cents=row["list_price_cents"],
            location=row["location"],
            capacity=row["capacity"],
            is_archived=bool(row["is_archived"]),
            was_booked=row["id"] in booked,
        )
        for row in rows
    ]
