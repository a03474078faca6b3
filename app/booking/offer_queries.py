"""Reads of what a provider sells, with what booking knows of it."""

from __future__ import annotations

from app.booking.tables import Booking
from app.catalog.tables import Service


async def services_of(provider_id: int) -> list[dict]:
    """The provider's services; ``was_booked`` tells which must be archived rather than deleted."""
    booked = {
        row["service"]
        for row in await Booking.select(Booking.service).where(Booking.provider == provider_id).distinct()
    }
    services = (
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
    return [{**service, "was_booked": service["id"] in booked} for service in services]
