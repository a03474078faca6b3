"""Reads for the catalogue: neighbourhoods, categories and the provider listing."""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog.rules import Price, lowest_price
from app.catalog.tables import Category, Neighbourhood, Provider, ProviderPhoto, ProviderServiceArea, Service
from app.shared.text import fold


@dataclass(frozen=True, slots=True)
class Photo:
    image_key: str
    width: int
    height: int
    alt_text: str


@dataclass(frozen=True, slots=True)
class ProviderCard:
    id: int
    slug: str
    name: str
    is_verified: bool
    neighbourhood: str | None
    categories: tuple[str, ...]
    from_price: Price | None
    cover: Photo | None


@dataclass(frozen=True, slots=True)
class ProviderPage:
    cards: list[ProviderCard]
    page: int
    has_next: bool
    total: int


async def neighbourhood_choices() -> list[tuple[int, str]]:
    rows = await Neighbourhood.select(Neighbourhood.id, Neighbourhood.name).order_by(Neighbourhood.name)
    return [(row["id"], row["name"]) for row in rows]


async def neighbourhood_exists(neighbourhood_id: int) -> bool:
    return await Neighbourhood.exists().where(Neighbourhood.id == neighbourhood_id)


async def category_names() -> list[str]:
    rows = await Category.select(Category.name).order_by(Category.position, Category.name)
    return [row["name"] for row in rows]


def _without_wildcards(text: str) -> str:
    # LIKE escaping differs between SQLite and PostgreSQL; search words never need these characters.
    return " ".join(text.replace("%", " ").replace("_", " ").replace("\\", " ").split())


async def listed_providers(*, query: str = "", page: int = 1, per_page: int = 20) -> ProviderPage:
    """Verified providers, optionally matching ``query`` (case- and accent-insensitive), by name."""
    where = [Provider.is_verified.eq(True)]
    words = _without_wildcards(fold(query))
    if words:
        where.append(Provider.search_text.like(f"%{words}%"))
    total = await Provider.count().where(*where)
    rows = (
        await Provider.select(
            Provider.id, Provider.slug, Provider.name, Provider.is_verified, Provider.neighbourhood.name
        )
        .where(*where)
        .order_by(Provider.name)
        .order_by(Provider.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    ids = [row["id"] for row in rows]
    if not ids:
        return ProviderPage(cards=[], page=page, has_next=False, total=total)
    services = await Service.select(
        Service.provider, Service.online_price_cents, Service.list_price_cents, Service.category.name
    ).where(Service.provider.is_in(ids), Service.is_archived.eq(False))
    photos = await ProviderPhoto.select(
        ProviderPhoto.provider,
        ProviderPhoto.image_key,
        ProviderPhoto.width,
        ProviderPhoto.height,
        ProviderPhoto.alt_text,
    ).where(ProviderPhoto.provider.is_in(ids), ProviderPhoto.position == 0)
    prices: dict[int, list[Price]] = {}
    categories: dict[int, list[str]] = {}
    for row in services:
        prices.setdefault(row["provider"], []).append(
            Price(row["online_price_cents"], row["list_price_cents"])
        )
        names = categories.setdefault(row["provider"], [])
        if row["category.name"] not in names:
            names.append(row["category.name"])
    covers = {
        row["provider"]: Photo(row["image_key"], row["width"], row["height"], row["alt_text"])
        for row in photos
    }
    cards = [
        ProviderCard(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            is_verified=row["is_verified"],
            neighbourhood=row["neighbourhood.name"],
            categories=tuple(categories.get(row["id"], ())),
            from_price=lowest_price(prices.get(row["id"], ())),
            cover=covers.get(row["id"]),
        )
        for row in rows
    ]
    return ProviderPage(cards=cards, page=page, has_next=page * per_page < total, total=total)


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    name: str
    category: str
    duration_minutes: int
    price: Price
    location: str
    capacity: int


@dataclass(frozen=True, slots=True)
class OwnedProvider:
    id: int
    slug: str
    name: str
    is_verified: bool
    neighbourhood: str | None
    service_area: list[str]
    services: list[ServiceSummary]
    photo_count: int


async def provider_owned_by(owner_id: int) -> OwnedProvider | None:
    """The provider profile a provider account runs, with what its dashboard summarises."""
    row = (
        await Provider.select(
            Provider.id, Provider.slug, Provider.name, Provider.is_verified, Provider.neighbourhood.name
        )
        .where(Provider.owner == owner_id)
        .order_by(Provider.id)
        .first()
    )
    if row is None:
        return None
    area = (
        await ProviderServiceArea.select(ProviderServiceArea.neighbourhood.name)
        .where(ProviderServiceArea.provider == row["id"])
        .order_by(ProviderServiceArea.neighbourhood.name)
    )
    services = (
        await Service.select(
            Service.name,
            Service.category.name,
            Service.duration_minutes,
            Service.online_price_cents,
            Service.list_price_cents,
            Service.location,
            Service.capacity,
        )
        .where(Service.provider == row["id"], Service.is_archived.eq(False))
        .order_by(Service.position)
    )
    return OwnedProvider(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        is_verified=row["is_verified"],
        neighbourhood=row["neighbourhood.name"],
        service_area=[a["neighbourhood.name"] for a in area],
        services=[
            ServiceSummary(
                name=s["name"],
                category=s["category.name"],
                duration_minutes=s["duration_minutes"],
                price=Price(s["online_price_cents"], s["list_price_cents"]),
                location=s["location"],
                capacity=s["capacity"],
            )
            for s in services
        ],
        photo_count=await ProviderPhoto.count().where(ProviderPhoto.provider == row["id"]),
    )
