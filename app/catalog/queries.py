"""Reads for the catalogue: the lists the forms offer, and a provider's own business as its
dashboard shows it (profile, hours, photos, what is set up, why it is suspended)."""

from __future__ import annotations

from dataclasses import dataclass

from app.audit.rules import SUSPENDING_ACTIONS, Subject
from app.audit.tables import AdminAction
from app.catalog.hours import Interval
from app.catalog.tables import (
    Category,
    Neighbourhood,
    OpeningHours,
    Provider,
    ProviderPhoto,
    ProviderServiceArea,
    Service,
)


@dataclass(frozen=True, slots=True)
class Photo:
    image_key: str
    width: int
    height: int
    alt_text: str


@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    slug: str
    name: str


# --- lists -------------------------------------------------------------------------------------


async def categories() -> list[Choice]:
    rows = await Category.select(Category.id, Category.slug, Category.name).order_by(Category.position)
    return [Choice(row["id"], row["slug"], row["name"]) for row in rows]


async def neighbourhoods() -> list[Choice]:
    rows = (
        await Neighbourhood.select(Neighbourhood.id, Neighbourhood.slug, Neighbourhood.name)
        .order_by(Neighbourhood.position)
        .order_by(Neighbourhood.name)
    )
    return [Choice(row["id"], row["slug"], row["name"]) for row in rows]


async def filter_lists() -> tuple[list[Choice], list[Choice]]:
    """Categories and neighbourhoods, each in display order, in one query (every results page needs both)."""
    rows = await Category.raw(
        "SELECT 0 AS kind, id, slug, name, position FROM category "
        "UNION ALL SELECT 1 AS kind, id, slug, name, position FROM neighbourhood "
        "ORDER BY kind, position, name"
    )
    lists: tuple[list[Choice], list[Choice]] = ([], [])
    for row in rows:
        lists[row["kind"]].append(Choice(row["id"], row["slug"], row["name"]))
    return lists


async def neighbourhood_choices() -> list[tuple[int, str]]:
    rows = await Neighbourhood.select(Neighbourhood.id, Neighbourhood.name).order_by(Neighbourhood.name)
    return [(row["id"], row["name"]) for row in rows]


async def provider_id_by_slug(slug: str) -> int | None:
    row = await Provider.select(Provider.id).where(Provider.slug == slug).first()
    return row["id"] if row else None


@dataclass(frozen=True, slots=True)
class Landing:
    """A category or neighbourhood with a page of its own (/c/<slug>, /n/<slug>)."""

    id: int
    slug: str
    name: str
    description: str = ""


async def category_by_slug(slug: str) -> Landing | None:
    row = await Category.select().where(Category.slug == slug).first()
    return Landing(row["id"], row["slug"], row["name"], row["description"]) if row else None


async def neighbourhood_by_slug(slug: str) -> Landing | None:
    row = await Neighbourhood.select().where(Neighbourhood.slug == slug).first()
    return Landing(row["id"], row["slug"], row["name"]) if row else None


async def provider_suspension_reason(provider_id: int) -> str:
    """Why an administrator last suspended the provider ("" if never)."""
    row = (
        await AdminAction.select(AdminAction.note)
        .where(
            AdminAction.subject_kind == Subject.provider.value,
            AdminAction.subject_id == provider_id,
            AdminAction.action.is_in(list(SUSPENDING_ACTIONS)),
        )
        .order_by(AdminAction.created_at, ascending=False)
        .order_by(AdminAction.id, ascending=False)
        .first()
    )
    return row["note"] if row else ""


# --- the provider's own business ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Business:
    """The provider a signed-in account runs, as the pages of its dashboard use it."""

    id: int
    slug: str
    name: str
    description: str
    neighbourhood_id: int | None
    address: str
    phone: str
    is_verified: bool
    is_suspended: bool
    min_notice_minutes: int
    horizon_days: int
    buffer_minutes: int
    calendar_token: str


async def business_of(owner_id: int) -> Business | None:
    """The business an account runs (one per provider account)."""
    row = await Provider.select().where(Provider.owner == owner_id).order_by(Provider.id).first()
    if row is None:
        return None
    return Business(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        description=row["description"],
        neighbourhood_id=row["neighbourhood"],
        address=row["address"],
        phone=row["phone"],
        is_verified=bool(row["is_verified"]),
        is_suspended=bool(row["is_suspended"]),
        min_notice_minutes=row["min_notice_minutes"],
        horizon_days=row["horizon_days"],
        buffer_minutes=row["buffer_minutes"],
        calendar_token=row["calendar_token"],
    )


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


async def gallery(provider_id: int) -> list[Photo]:
    """The provider's photos in the order its page shows them (the first is the cover)."""
    rows = (
        await ProviderPhoto.select(
            ProviderPhoto.image_key, ProviderPhoto.width, ProviderPhoto.height, ProviderPhoto.alt_text
        )
        .where(ProviderPhoto.provider == provider_id)
        .order_by(ProviderPhoto.position)
        .order_by(ProviderPhoto.id)
    )
    return [Photo(r["image_key"], r["width"], r["height"], r["alt_text"]) for r in rows]


@dataclass(frozen=True, slots=True)
class OwnService:
    """One of the provider's services, as its edit pages fill their forms from it."""

    id: int
    public_id: str
    category_id: int
    name: str
    description: str
    duration_minutes: int
    online_price_cents: int
    list_price_cents: int
    location: str  # ServiceLocation's value
    capacity: int
    is_archived: bool


async def service_of(provider_id: int, public_id: str) -> OwnService | None:
    row = (
        await Service.select().where(Service.provider == provider_id, Service.public_id == public_id).first()
    )
    if row is None:
        return None
    return OwnService(
        id=row["id"],
        public_id=row["public_id"],
        category_id=row["category"],
        name=row["name"],
        description=row["description"],
        duration_minutes=row["duration_minutes"],
        online_price_cents=row["online_price_cents"],
        list_price_cents=row["list_price_cents"],
        location=row["location"],
        capacity=row["capacity"],
        is_archived=bool(row["is_archived"]),
    )


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
