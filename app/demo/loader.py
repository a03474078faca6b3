"""Loads the demo city into an empty database. Never in production; a second run changes nothing."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio

from app import database
from app.accounts import passwords
from app.accounts.identity import Role
from app.accounts.tables import UserAccount
from app.catalog.rules import search_document
from app.catalog.tables import Category, Neighbourhood, Provider, ProviderPhoto, ProviderServiceArea, Service
from app.demo.data import (
    CATEGORIES,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_PROVIDER_NAME,
    NEIGHBOURHOODS,
    PROVIDER,
    STREETS,
    UNVERIFIED_PROVIDERS,
    CategoryTemplate,
)
from app.demo.photos import demo_photo
from app.media.storage import MediaStore, StoredImage
from app.settings import Settings
from app.shared.text import slugify

SEED = 2026


class DemoRefusedError(RuntimeError):
    pass


@dataclass(frozen=True)
class PlannedProvider:
    name: str
    category: CategoryTemplate
    neighbourhood: int  # index into NEIGHBOURHOODS
    photos: int


async def database_is_empty() -> bool:
    return not await UserAccount.exists() and not await Provider.exists()


def _plan(rng: random.Random) -> list[PlannedProvider]:
    plans = []
    for category in CATEGORIES:
        for name in category.providers:
            home = 1 if name == DEMO_PROVIDER_NAME else rng.randrange(len(NEIGHBOURHOODS))
            plans.append(PlannedProvider(name, category, home, photos=rng.choice((1, 2, 2, 3))))
    return plans


def _online_price(list_cents: int, rng: random.Random) -> int:
    discounted = list_cents * rng.choice((0.85, 0.88, 0.9, 0.92))
    return int(round(discounted / 50) * 50)  # prices end in .00 or .50


def _photos(plans: list[PlannedProvider], store: MediaStore) -> list[list[StoredImage]]:
    """Draw and store every provider's pictures, two at a time (Pillow releases the GIL while encoding)."""

    def draw(index: int) -> list[StoredImage]:
        plan = plans[index]
        rng = random.Random(SEED + index)
        return [
            store.save(demo_photo(plan.category.name, plan.category.colour, rng)) for _ in range(plan.photos)
        ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(draw, range(len(plans))))


async def load_demo_city(settings: Settings, *, now: datetime) -> bool:
    """Fill an empty database with the demo city. Returns False (and does nothing) otherwise."""
    if settings.is_production:
        raise DemoRefusedError("The demo city is never loaded in production.")
    if not await database_is_empty():
        return False
    rng = random.Random(SEED)
    plans = _plan(rng)
    photos = await anyio.to_thread.run_sync(_photos, plans, MediaStore(settings.media_root))
    demo_hash = await passwords.hash_password(DEMO_PASSWORD)
    async with database.transaction():
        if not await database_is_empty():
            return False
        neighbourhood_ids = await _insert_neighbourhoods()
        category_ids = await _insert_categories()
        account_ids = await _insert_accounts(demo_hash, plans, now)
        for index, plan in enumerate(plans):
            await _insert_provider(
                plan,
                owner_id=account_ids[plan.name],
                neighbourhood_ids=neighbourhood_ids,
                category_id=category_ids[plan.category.slug],
                photos=photos[index],
                rng=rng,
                now=now - timedelta(days=rng.randint(20, 400)),
            )
    return True


async def _insert_neighbourhoods() -> list[int]:
    rows = await Neighbourhood.insert(
        *(Neighbourhood(name=n, slug=s, latitude=lat, longitude=lon) for n, s, lat, lon in NEIGHBOURHOODS)
    ).returning(Neighbourhood.id)
    return [row["id"] for row in rows]


async def _insert_categories() -> dict[str, int]:
    rows = await Category.insert(
        *(
            Category(name=c.name, slug=c.slug, description=f"{c.pitch} ({c.local_terms})", position=position)
            for position, c in enumerate(CATEGORIES)
        )
    ).returning(Category.id, Category.slug)
    return {row["slug"]: row["id"] for row in rows}


async def _insert_accounts(demo_hash: str, plans: list[PlannedProvider], now: datetime) -> dict[str, int]:
    """The three demo accounts, plus an owner account (that cannot sign in) for every other provider."""
    accounts = [
        UserAccount(email=a.email, display_name=a.display_name, password_hash=demo_hash, role=a.role.value)
        for a in DEMO_ACCOUNTS
    ]
    others = [plan.name for plan in plans if plan.name != DEMO_PROVIDER_NAME]
    accounts += [
        UserAccount(
            email=f"owner+{slugify(name)}@demo.cityloop.example",
            display_name=f"{name} team",
            password_hash=passwords.UNUSABLE_PASSWORD,
            role=Role.provider.value,
        )
        for name in others
    ]
    for account in accounts:
        account.is_active = True
        account.created_at = now
    rows = await UserAccount.insert(*accounts).returning(UserAccount.id, UserAccount.email)
    by_email = {row["email"]: row["id"] for row in rows}
    owners = {DEMO_PROVIDER_NAME: by_email[PROVIDER.email]}
    owners.update({name: by_email[f"owner+{slugify(name)}@demo.cityloop.example"] for name in others})
    return owners


async def _insert_provider(
    plan: PlannedProvider,
    *,
    owner_id: int,
    neighbourhood_ids: list[int],
    category_id: int,
    photos: list[StoredImage],
    rng: random.Random,
    now: datetime,
) -> None:
    category = plan.category
    home_name = NEIGHBOURHOODS[plan.neighbourhood][0]
    services = rng.sample(category.services, k=min(len(category.services), rng.randint(2, 4)))
    description = (
        f"{plan.name} is a {category.name.lower()} business based in {home_name}. {category.pitch} "
        f"Book online to pay less than the in-store price."
    )
    verified = plan.name not in UNVERIFIED_PROVIDERS
    rows = await Provider.insert(
        Provider(
            slug=slugify(plan.name),
            name=plan.name,
            description=description,
            owner=owner_id,
            neighbourhood=neighbourhood_ids[plan.neighbourhood],
            address=f"{rng.choice(STREETS)}, {rng.randint(1, 120)}, Valencia",
            phone=f"+34 96{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
            is_verified=verified,
            verified_at=now + timedelta(days=2) if verified else None,
            search_text=search_document(
                plan.name, category.name, category.local_terms, home_name, *(s.name for s in services)
            ),
            created_at=now,
        )
    ).returning(Provider.id)
    provider_id = rows[0]["id"]
    area = {plan.neighbourhood, *rng.sample(range(len(NEIGHBOURHOODS)), k=rng.randint(2, 6))}
    await ProviderServiceArea.insert(
        *(ProviderServiceArea(provider=provider_id, neighbourhood=neighbourhood_ids[i]) for i in sorted(area))
    )
    await Service.insert(
        *(
            Service(
                provider=provider_id,
                category=category_id,
                name=template.name,
                description=f"{template.name} by {plan.name}.",
                duration_minutes=template.duration_minutes,
                online_price_cents=_online_price(template.list_price_cents, rng),
                list_price_cents=template.list_price_cents,
                location=template.location.value,
                capacity=template.capacity,
                position=position,
                created_at=now,
            )
            for position, template in enumerate(services)
        )
    )
    await ProviderPhoto.insert(
        *(
            ProviderPhoto(
                provider=provider_id,
                image_key=photo.key,
                width=photo.width,
                height=photo.height,
                alt_text=f"{plan.name}: {category.name.lower()} in {home_name}",
                position=position,
                created_at=now,
            )
            for position, photo in enumerate(photos)
        )
    )
