"""Rows for tests, written through the same services the site uses where one exists."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.accounts.identity import CurrentUser, Role
from app.accounts.services import account_sign_up
from app.accounts.tables import UserAccount
from app.accounts.throttle import ThrottleRule
from app.catalog.hours import Interval
from app.catalog.rules import ServiceLocation
from app.catalog.services import ProviderSignUp, provider_search_refresh, provider_sign_up
from app.catalog.tables import (
    Category,
    Neighbourhood,
    OpeningHours,
    Provider,
    ProviderServiceArea,
    Service,
)
from app.reviews.tables import Review
from app.shared.text import slugify
from app.team.services import team_member_create
from tests.conftest import TEST_NOW

PASSWORD = "correct horse battery"
GENEROUS = ThrottleRule(limit=10_000, window=timedelta(minutes=15))
MADRID = ZoneInfo("Europe/Madrid")
WEEKDAYS_9_TO_6 = [Interval(day, 9 * 60, 18 * 60) for day in range(5)]


async def make_account(
    email: str = "ana@example.com",
    display_name: str = "Ana García",
    *,
    password: str = PASSWORD,
    role: Role = Role.resident,
    business_name: str = "Casa Neta",
    now: datetime = TEST_NOW,
) -> CurrentUser:
    person = {
        "email": email,
        "display_name": display_name,
        "password": password,
        "ip": "198.51.100.7",
        "rule": GENEROUS,
        "now": now,
    }
    if role is Role.provider:
        business = ProviderSignUp(business_name, (await neighbourhood("L'Eixample"))["id"])
        user = await provider_sign_up(**person, business=business)
    else:
        user = await account_sign_up(**person)
    if role is Role.admin:
        await UserAccount.update({UserAccount.role: Role.admin.value}).where(UserAccount.id == user.id)
        user = CurrentUser(id=user.id, email=user.email, display_name=user.display_name, role=Role.admin)
    return user


async def neighbourhood(name: str) -> dict:
    existing = await Neighbourhood.select().where(Neighbourhood.name == name).first()
    if existing:
        return existing
    rows = await Neighbourhood.insert(
        Neighbourhood(name=name, slug=slugify(name), latitude=39.47, longitude=-0.37)
    ).returning(*Neighbourhood.all_columns())
    return rows[0]


async def category(name: str, description: str = "") -> dict:
    existing = await Category.select().where(Category.name == name).first()
    if existing:
        return existing
    rows = await Category.insert(Category(name=name, slug=slugify(name), description=description)).returning(
        *Category.all_columns()
    )
    return rows[0]


async def make_listed_provider(
    name: str,
    *,
    verified: bool = True,
    category_name: str = "Plumbing",
    neighbourhood_name: str = "L'Eixample",
    area: tuple[str, ...] = (),
    services: tuple[tuple[str, int, int], ...] = (("Unblock a drain", 6800, 8000),),
    location: ServiceLocation = ServiceLocation.customer_address,
    hours: list[Interval] | None = None,
    rating: tuple[int, int] = (0, 0),
    owner_email: str | None = None,
    team: tuple[str, ...] = (),
    now: datetime = TEST_NOW,
) -> int:
    """A provider with services, weekday hours (9:00-18:00 unless told) and generated slots.

    Its team is its owner unless ``team`` names the people; everyone performs every service.
    """
    owner = await make_account(owner_email or f"owner-{slugify(name)}@example.com", f"{name} owner")
    await UserAccount.update({UserAccount.role: Role.provider.value}).where(UserAccount.id == owner.id)
    home = await neighbourhood(neighbourhood_name)
    kind = await category(category_name)
    rows = await Provider.insert(
        Provider(
            slug=slugify(name),
            name=name,
            owner=owner.id,
            neighbourhood=home["id"],
            is_verified=verified,
            rating_count=rating[0],
            rating_sum=rating[1],
            address=f"Carrer de {name}, 1",
            calendar_token=secrets.token_urlsafe(24),
            created_at=now,
        )
    ).returning(Provider.id)
    provider_id = rows[0]["id"]
    for area_name in {neighbourhood_name, *area}:
        covered = await neighbourhood(area_name)
        await ProviderServiceArea.insert(
            ProviderServiceArea(provider=provider_id, neighbourhood=covered["id"])
        )
    await Service.insert(
        *(
            Service(
                public_id=secrets.token_hex(6),
                provider=provider_id,
                category=kind["id"],
                name=service_name,
                duration_minutes=60,
                online_price_cents=online,
                list_price_cents=listed,
                location=location.value,
                position=position,
                created_at=now,
            )
            for position, (service_name, online, listed) in enumerate(services)
        )
    )
    intervals = WEEKDAYS_9_TO_6 if hours is None else hours
    if intervals:
        await OpeningHours.insert(
            *(
                OpeningHours(
                    provider=provider_id, weekday=i.weekday, opens_minute=i.opens, closes_minute=i.closes
                )
                for i in intervals
            )
        )
    offered = await Service.select(Service.id).where(Service.provider == provider_id)
    for member_name in team or (f"{name} owner",):
        await team_member_create(
            provider_id=provider_id,
            name=member_name,
            service_ids=[row["id"] for row in offered],
            now=now,
            zone=MADRID,
        )
    await provider_search_refresh(provider_id=provider_id)
    return provider_id


async def add_review(
    provider_id: int, author_id: int, stars: int, *, status: str = "approved", **extra
) -> None:
    await Review.insert(
        Review(
            provider=provider_id, author=author_id, stars=stars, status=status, created_at=TEST_NOW, **extra
        )
    )
