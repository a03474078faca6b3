"""Loads the demo city into an empty database. Never in production; a second run changes nothing."""

from __future__ import annotations

import logging
import random
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio

from app import database
from app.accounts import passwords
from app.accounts.identity import Role
from app.accounts.tables import UserAccount
from app.analytics.tables import ProviderViewDay
from app.booking.slot_services import slots_refresh
from app.catalog.hours import parse_time
from app.catalog.search import search_document
from app.catalog.services import provider_search_refresh
from app.catalog.tables import (
    Category,
    Neighbourhood,
    OpeningHours,
    Provider,
    ProviderPhoto,
    ProviderServiceArea,
    Service,
    TeamMember,
    TeamMemberService,
)
from app.demo.bookings import load_demo_bookings
from app.demo.data import (
    ADMIN,
    ALWAYS_OPEN,
    CATEGORIES,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_PROVIDER_NAME,
    HOURS,
    NEIGHBOURHOODS,
    ONLY_SERVICES,
    PROVIDER,
    REPLIES,
    RESIDENT,
    REVIEW_TEXTS,
    REVIEWER_NAMES,
    SOLO_NAMES,
    STREETS,
    TEAMS,
    UNVERIFIED_PROVIDERS,
    CategoryTemplate,
    ServiceTemplate,
)
from app.demo.photos import demo_photo
from app.media.storage import MediaStore, StoredImage
from app.payments.gateway import StripeGateway
from app.reviews.tables import Review
from app.settings import Settings
from app.shared.citytime import city_today
from app.shared.text import slugify

logger = logging.getLogger("cityloop.demo")
SEED = 2026
# Providers with few or no reviews show how ranking treats newcomers; this one has a single 5★.
ONE_REVIEW = "Color Malvarrosa"
NO_REVIEWS = frozenset({"Pinta y Listo", "Verde Campanar", "Electro Algirós"})


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


@dataclass(frozen=True)
class ProviderDraft:
    """A provider's profile and offer drawn from its plan, before it has database ids."""

    plan: PlannedProvider
    description: str
    address: str
    phone: str
    min_notice_minutes: int
    buffer_minutes: int
    area: tuple[int, ...]  # indexes into NEIGHBOURHOODS, the home one included, in order
    services: tuple[tuple[ServiceTemplate, int], ...]  # each template with its online price in cents

    @property
    def home_name(self) -> str:
        return NEIGHBOURHOODS[self.plan.neighbourhood][0]

    @property
    def photo_alt(self) -> str:
        return f"{self.plan.name}: {self.plan.category.name.lower()} in {self.home_name}"

    def service_description(self, template: ServiceTemplate) -> str:
        return f"{template.name} by {self.plan.name}."

    def search_text(self) -> str:
        """What ``provider_search_refresh`` stores for this provider once it is inserted."""
        category = self.plan.category
        parts = [self.plan.name, self.description, self.home_name]
        for template, _ in self.services:
            parts += [
                template.name,
                self.service_description(template),
                category.name,
                _category_description(category),
            ]
        return search_document(*parts)


def _draft(plan: PlannedProvider, rng: random.Random, *, services: int | None = None) -> ProviderDraft:
    """Draw a provider's services (2 to 4 unless ``services`` says), contact, rules, area and prices."""
    category = plan.category
    count = rng.randint(2, 4) if services is None else services
    templates = rng.sample(category.services, k=min(len(category.services), count))
    home_name = NEIGHBOURHOODS[plan.neighbourhood][0]
    description = (
        f"{plan.name} is a {category.name.lower()} business based in {home_name}. {category.pitch} "
        f"Book online to pay less than the in-store price."
    )
    address = f"{rng.choice(STREETS)}, {rng.randint(1, 120)}, Valencia"
    phone = f"+34 96{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    min_notice = rng.choice((60, 120, 120, 240))
    buffer = rng.choice((0, 0, 15, 30)) if category.slug != "hair-beauty-at-home" else 0
    area = {plan.neighbourhood, *rng.sample(range(len(NEIGHBOURHOODS)), k=rng.randint(2, 6))}
    return ProviderDraft(
        plan=plan,
        description=description,
        address=address,
        phone=phone,
        min_notice_minutes=min_notice,
        buffer_minutes=buffer,
        area=tuple(sorted(area)),
        services=tuple((t, _online_price(t.list_price_cents, rng)) for t in templates),
    )


def _category_description(category: CategoryTemplate) -> str:
    return f"{category.pitch} ({category.local_terms})"


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
        owners = await _insert_accounts(demo_hash, plans, now)
        reviewers = await _insert_reviewers(now)
        provider_ids = []
        solo_names = iter(SOLO_NAMES)
        for index, plan in enumerate(plans):
            provider_id, service_ids = await _insert_provider(
                plan,
                owner_id=owners[plan.name],
                neighbourhood_ids=neighbourhood_ids,
                category_id=category_ids[plan.category.slug],
                photos=photos[index],
                rng=rng,
                now=now - timedelta(days=rng.randint(60, 400)),
            )
            await _insert_team(plan, provider_id, _team_names(plan, solo_names), now)
            if plan.name not in UNVERIFIED_PROVIDERS:
                await _insert_reviews(plan, provider_id, service_ids, reviewers, rng, now)
            await provider_search_refresh(provider_id=provider_id)
            provider_ids.append(provider_id)
        await _insert_views(provider_ids, rng, now, settings)
    for provider_id in provider_ids:
        await slots_refresh(provider_id=provider_id, now=now, zone=settings.city.zone)
    if await StripeGateway(settings.stripe).reachable():
        admin = await UserAccount.select(UserAccount.id).where(UserAccount.email == ADMIN.email).first()
        await load_demo_bookings(
            settings,
            provider_name=DEMO_PROVIDER_NAME,
            resident_emails=[
                RESIDENT.email,
                *(f"resident+{slugify(n)}@demo.cityloop.example" for n in REVIEWER_NAMES[1:4]),
            ],
            moderator_id=admin["id"],
            now=now,
            rng=rng,
        )
    else:
        logger.warning(
            "Stripe (%s) is not reachable: the demo city has no bookings.", settings.stripe.api_base
        )
    return True


async def _insert_neighbourhoods() -> list[int]:
    """The neighbourhoods' ids, in the order of NEIGHBOURHOODS."""
    rows = await Neighbourhood.insert(
        *(
            Neighbourhood(name=n, slug=s, latitude=lat, longitude=lon, position=position)
            for position, (n, s, lat, lon) in enumerate(NEIGHBOURHOODS)
        )
    ).returning(Neighbourhood.id, Neighbourhood.slug)
    by_slug = {row["slug"]: row["id"] for row in rows}
    return [by_slug[slug] for _, slug, _, _ in NEIGHBOURHOODS]


async def _insert_categories() -> dict[str, int]:
    rows = await Category.insert(
        *(
            Category(name=c.name, slug=c.slug, description=_category_description(c), position=position)
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


async def _insert_reviewers(now: datetime) -> list[int]:
    """Residents who wrote the demo reviews; the demo resident is one of them."""
    demo_resident = (
        await UserAccount.select(UserAccount.id).where(UserAccount.email == RESIDENT.email).first()
    )
    rows = await UserAccount.insert(
        *(
            UserAccount(
                email=f"resident+{slugify(name)}@demo.cityloop.example",
                display_name=name,
                password_hash=passwords.UNUSABLE_PASSWORD,
                role=Role.resident.value,
                is_active=True,
                created_at=now - timedelta(days=400),
            )
            for name in REVIEWER_NAMES
            if name != RESIDENT.display_name
        )
    ).returning(UserAccount.id)
    return [demo_resident["id"], *(row["id"] for row in rows)]


def _hours(plan: PlannedProvider) -> list[tuple[int, int, int]]:
    pattern = ALWAYS_OPEN.get(plan.name, HOURS[plan.category.slug])
    return [
        (day, parse_time(opens), parse_time(closes))
        for days, ranges in pattern
        for day in days
        for opens, closes in ranges
    ]


async def _insert_provider(
    plan: PlannedProvider,
    *,
    owner_id: int,
    neighbourhood_ids: list[int],
    category_id: int,
    photos: list[StoredImage],
    rng: random.Random,
    now: datetime,
) -> tuple[int, list[int]]:
    draft = _draft(plan, rng)
    verified = plan.name not in UNVERIFIED_PROVIDERS
    rows = await Provider.insert(
        Provider(
            slug=slugify(plan.name),
            name=plan.name,
            description=draft.description,
            owner=owner_id,
            neighbourhood=neighbourhood_ids[plan.neighbourhood],
            address=draft.address,
            phone=draft.phone,
            is_verified=verified,
            verified_at=now + timedelta(days=2) if verified else None,
            min_notice_minutes=draft.min_notice_minutes,
            horizon_days=30,
            buffer_minutes=draft.buffer_minutes,
            calendar_token=secrets.token_urlsafe(24),
            created_at=now,
        )
    ).returning(Provider.id)
    provider_id = rows[0]["id"]
    await ProviderServiceArea.insert(
        *(ProviderServiceArea(provider=provider_id, neighbourhood=neighbourhood_ids[i]) for i in draft.area)
    )
    await OpeningHours.insert(
        *(
            OpeningHours(provider=provider_id, weekday=day, opens_minute=opens, closes_minute=closes)
            for day, opens, closes in _hours(plan)
        )
    )
    service_rows = await Service.insert(
        *(
            Service(
                public_id=secrets.token_hex(6),
                provider=provider_id,
                category=category_id,
                name=template.name,
                description=draft.service_description(template),
                duration_minutes=template.duration_minutes,
                online_price_cents=online_price,
                list_price_cents=template.list_price_cents,
                location=template.location.value,
                capacity=template.capacity,
                position=position,
                created_at=now,
            )
            for position, (template, online_price) in enumerate(draft.services)
        )
    ).returning(Service.id)
    await ProviderPhoto.insert(
        *(
            ProviderPhoto(
                provider=provider_id,
                image_key=photo.key,
                width=photo.width,
                height=photo.height,
                alt_text=draft.photo_alt,
                position=position,
                created_at=now,
            )
            for position, photo in enumerate(photos)
        )
    )
    return provider_id, [row["id"] for row in service_rows]


def _team_names(plan: PlannedProvider, solo_names) -> tuple[str, ...]:
    if plan.name in TEAMS:
        return TEAMS[plan.name]
    return (PROVIDER.display_name,) if plan.name == DEMO_PROVIDER_NAME else (next(solo_names),)


async def _insert_team(
    plan: PlannedProvider, provider_id: int, names: tuple[str, ...], now: datetime
) -> None:
    """The provider's people, each doing every service but the few ``ONLY_SERVICES`` says."""
    services = await Service.select(Service.id, Service.name).where(Service.provider == provider_id)
    for position, name in enumerate(names):
        rows = await TeamMember.insert(
            TeamMember(
                public_id=secrets.token_hex(6),
                provider=provider_id,
                name=name,
                position=position,
                created_at=now,
            )
        ).returning(TeamMember.id)
        only = ONLY_SERVICES.get(name)
        theirs = [s["id"] for s in services if only is None or s["name"] in only] or [
            s["id"] for s in services
        ]
        await TeamMemberService.insert(
            *(TeamMemberService(member=rows[0]["id"], service=service_id) for service_id in theirs)
        )


def _stars(rng: random.Random, quality: float) -> int:
    """A rating drawn around the provider's quality (between 3 and 5)."""
    roll = rng.gauss(quality, 0.8)
    return max(1, min(5, round(roll)))


async def _insert_reviews(
    plan: PlannedProvider,
    provider_id: int,
    service_ids: list[int],
    reviewers: list[int],
    rng: random.Random,
    now: datetime,
) -> None:
    """Approved reviews (with some replies) and the rating totals they add up to."""
    if plan.name in NO_REVIEWS:
        return
    count = 1 if plan.name == ONE_REVIEW else rng.randint(3, 18)
    quality = rng.uniform(3.6, 4.9)
    authors = rng.sample(reviewers, k=min(count, len(reviewers)))
    reviews = []
    for author in authors:
        stars = 5 if plan.name == ONE_REVIEW else _stars(rng, quality)
        written = now - timedelta(days=rng.randint(2, 300), minutes=rng.randint(0, 600))
        replied = rng.random() < 0.35
        reviews.append(
            Review(
                provider=provider_id,
                service=rng.choice(service_ids),
                author=author,
                stars=stars,
                body=rng.choice(REVIEW_TEXTS[stars]),
                status="approved",
                created_at=written,
                moderated_at=written + timedelta(hours=3),
                reply=rng.choice(REPLIES) if replied else "",
                replied_at=written + timedelta(days=1) if replied else None,
            )
        )
    await Review.insert(*reviews)
    await Provider.update(
        {Provider.rating_count: len(reviews), Provider.rating_sum: sum(r.stars for r in reviews)}
    ).where(Provider.id == provider_id)
    for service_id in service_ids:
        of_service = [r.stars for r in reviews if r.service == service_id]
        await Service.update(
            {Service.rating_count: len(of_service), Service.rating_sum: sum(of_service)}
        ).where(Service.id == service_id)


async def _insert_views(
    provider_ids: list[int], rng: random.Random, now: datetime, settings: Settings
) -> None:
    """A month of listing and page views, so dashboards have figures to show."""
    today = city_today(now, settings.city.zone)
    await ProviderViewDay.insert(
        *(
            ProviderViewDay(
                provider=provider_id,
                day=today - timedelta(days=days_ago),
                listing_views=(listed := rng.randint(5, 60)),
                page_views=rng.randint(0, max(1, listed // 4)),
            )
            for provider_id in provider_ids
            for days_ago in range(1, 31)
        )
    )
