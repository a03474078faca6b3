"""Rows for tests, written through the same services the site uses where one exists."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.accounts.identity import CurrentUser, Role
from app.accounts.services import ProviderSignUp, account_sign_up
from app.accounts.throttle import ThrottleRule
from app.catalog.rules import ServiceLocation, search_document
from app.catalog.tables import Category, Neighbourhood, Provider, ProviderServiceArea, Service
from app.shared.text import slugify
from tests.conftest import TEST_NOW

PASSWORD = "correct horse battery"
GENEROUS = ThrottleRule(limit=10_000, window=timedelta(minutes=15))


async def make_account(
    email: str = "ana@example.com",
    display_name: str = "Ana García",
    *,
    password: str = PASSWORD,
    role: Role = Role.resident,
    business_name: str = "Casa Neta",
    now: datetime = TEST_NOW,
) -> CurrentUser:
    provider = None
    if role is Role.provider:
        provider = ProviderSignUp(business_name, (await neighbourhood("L'Eixample"))["id"])
    user = await account_sign_up(
        email=email,
        display_name=display_name,
        password=password,
        ip="198.51.100.7",
        rule=GENEROUS,
        now=now,
        provider=provider,
    )
    if role is Role.admin:
        from app.accounts.tables import UserAccount

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


async def category(name: str) -> dict:
    existing = await Category.select().where(Category.name == name).first()
    if existing:
        return existing
    rows = await Category.insert(Category(name=name, slug=slugify(name))).returning(*Category.all_columns())
    return rows[0]


async def make_listed_provider(
    name: str,
    *,
    verified: bool = True,
    category_name: str = "Plumbing",
    neighbourhood_name: str = "L'Eixample",
    services: tuple[tuple[str, int, int], ...] = (("Unblock a drain", 6800, 8000),),
    owner_email: str | None = None,
) -> int:
    owner = await make_account(owner_email or f"owner-{slugify(name)}@example.com", f"{name} owner")
    home = await neighbourhood(neighbourhood_name)
    kind = await category(category_name)
    rows = await Provider.insert(
        Provider(
            slug=slugify(name),
            name=name,
            owner=owner.id,
            neighbourhood=home["id"],
            is_verified=verified,
            search_text=search_document(name, category_name, home["name"], *(s[0] for s in services)),
            created_at=TEST_NOW,
        )
    ).returning(Provider.id)
    provider_id = rows[0]["id"]
    await ProviderServiceArea.insert(ProviderServiceArea(provider=provider_id, neighbourhood=home["id"]))
    await Service.insert(
        *(
            Service(
                provider=provider_id,
                category=kind["id"],
                name=service_name,
                duration_minutes=60,
                online_price_cents=online,
                list_price_cents=listed,
                location=ServiceLocation.customer_address.value,
                created_at=TEST_NOW,
            )
            for service_name, online, listed in services
        )
    )
    return provider_id
