"""Reads for the provider dashboard: the business a provider runs and how it is doing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.analytics.tables import ProviderViewDay
from app.booking.tables import Booking
from app.catalog.hours import Interval
from app.catalog.tables import OpeningHours, Provider, ProviderPhoto, ProviderServiceArea, Service


@dataclass(frozen=True, slots=True)
class Views:
    listing: int
    page: int


async def business_of(owner_id: int) -> dict | None:
    """The provider row an account runs (one per provider account)."""
    return await Provider.select().where(Provider.owner == owner_id).order_by(Provider.id).first()


async def service_area_ids(provider_id: int) -> list[int]:
    rows = await ProviderServiceArea.select(ProviderServiceArea.neighbourhood).where(
        ProviderServiceArea.provider == provider_id
    )
    return [row["neighbourhood"] for row in rows]


async def opening_hours(provider_id: int, *, service_id: int | None = None) -> list[Interval]:
    """The business's weekly hours, or (with ``service_id``) that service's own hours if it has any."""
    query = OpeningHours.select().where(OpeningHours.provider == provider_id)
    query = query.where(
        OpeningHours.service.is_null() if service_id is None else OpeningHours.service == service_id
    )
    return sorted(Interval(r["weekday"], r["opens_minute"], r["closes_minute"]) for r in await query)


async def gallery(provider_id: int) -> list[dict]:
    return (
        await ProviderPhoto.select(
            ProviderPhoto.image_key, ProviderPhoto.width, ProviderPhoto.height, ProviderPhoto.alt_text
        )
        .where(ProviderPhoto.provider == provider_id)
        .order_by(ProviderPhoto.position)
        .order_by(ProviderPhoto.id)
    )


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


async def service_of(provider_id: int, public_id: str) -> dict | None:
    return (
        await Service.select().where(Service.provider == provider_id, Service.public_id == public_id).first()
    )


async def views_since(provider_id: int, first_day: date) -> Views:
    rows = await ProviderViewDay.select(ProviderViewDay.listing_views, ProviderViewDay.page_views).where(
        ProviderViewDay.provider == provider_id, ProviderViewDay.day >= first_day
    )
    return Views(sum(r["listing_views"] for r in rows), sum(r["page_views"] for r in rows))


async def checklist(provider_id: int) -> dict[str, int]:
    """What a provider has set up: the dashboard points at what is missing."""
    return {
        "photos": await ProviderPhoto.count().where(ProviderPhoto.provider == provider_id),
        "services": await Service.count().where(
            Service.provider == provider_id, Service.is_archived.eq(False)
        ),
        "hours": await OpeningHours.count().where(
            OpeningHours.provider == provider_id, OpeningHours.service.is_null()
        ),
    }


def last_days(today: date, days: int) -> date:
    return today - timedelta(days=days - 1)
