"""The demo city loads into an empty database once, and never in production."""

import pytest

from app.accounts import services
from app.accounts.tables import UserAccount
from app.booking.tables import Booking, Slot
from app.catalog.tables import (
    Category,
    Neighbourhood,
    Provider,
    ProviderPhoto,
    Service,
    TeamMember,
    TeamMemberService,
)
from app.demo.data import DEMO_PASSWORD, PROVIDER, UNVERIFIED_PROVIDERS
from app.demo.loader import DemoRefusedError, load_demo_city
from app.discovery.filters import Filters
from app.discovery.queries import provider_profile, search_providers
from app.payments.tables import Payment, Refund
from app.redemption.tables import RedemptionLog
from app.reviews.tables import Review, ReviewReport
from tests.conftest import TEST_NOW, production_settings_for
from tests.factories import GENEROUS


async def test_the_demo_city_fills_an_empty_database_once(settings):
    assert await load_demo_city(settings, now=TEST_NOW) is True
    counts = (await Neighbourhood.count(), await Category.count(), await Provider.count())
    assert counts == (12, 8, 40)
    assert await Provider.count().where(Provider.is_verified.eq(True)) == 40 - len(UNVERIFIED_PROVIDERS)
    services_ok = await Service.select(Service.online_price_cents, Service.list_price_cents)
    assert all(0 < s["online_price_cents"] <= s["list_price_cents"] for s in services_ok)
    photos = await ProviderPhoto.select(ProviderPhoto.image_key, ProviderPhoto.width)
    assert photos and all((settings.media_root / f"{p['image_key']}-320.webp").is_file() for p in photos)

    assert await load_demo_city(settings, now=TEST_NOW) is False  # a second run changes nothing
    assert await Provider.count() == 40


async def test_the_demo_accounts_sign_in_with_the_demo_password(settings):
    await load_demo_city(settings, now=TEST_NOW)
    for email in ("admin@example.com", "provider@example.com", "resident@example.com"):
        user = await services.account_authenticate(
            email=email, password=DEMO_PASSWORD, ip="127.0.0.1", rule=GENEROUS, now=TEST_NOW
        )
        assert user.email == email
    javier = await UserAccount.select(UserAccount.id).where(UserAccount.email == PROVIDER.email).first()
    business = await provider_profile("fontaneria-russafa", now=TEST_NOW, zone=settings.city.zone)
    assert business.owner_id == javier["id"]
    assert business.name == "Fontanería Russafa" and business.is_verified and business.services


async def test_the_demo_city_can_be_searched_filtered_and_booked_ahead(settings):
    await load_demo_city(settings, now=TEST_NOW)
    zone = settings.city.zone
    found = await search_providers(Filters(query="fontanero"), now=TEST_NOW, zone=zone)
    assert found.total == 5
    assert {card.categories for card in found.items} == {("Plumbing",)}
    tomorrow = await search_providers(Filters(available="tomorrow"), now=TEST_NOW, zone=zone)
    assert tomorrow.total > 20 and all(card.next_free_at for card in tomorrow.items)
    rated = await search_providers(Filters(sort="rating"), now=TEST_NOW, zone=zone)
    assert rated.items[0].rating.count > 1  # a single perfect review does not top the list
    page = await provider_profile("fontaneria-russafa", now=TEST_NOW, zone=zone)
    assert page.rating.count == sum(page.stars.values()) > 0
    assert any(day.free_times for day in page.days) and page.hours


async def test_the_demo_city_is_never_loaded_into_a_non_empty_database(settings):
    await UserAccount.insert(
        UserAccount(
            email="real@example.com",
            display_name="Real",
            password_hash="!",
            role="resident",
            created_at=TEST_NOW,
        )
    )
    assert await load_demo_city(settings, now=TEST_NOW) is False
    assert await Provider.count() == 0


async def test_the_demo_city_is_never_loaded_in_production(database_url, tmp_path):
    production = production_settings_for(database_url, tmp_path)
    with pytest.raises(DemoRefusedError):
        await load_demo_city(production, now=TEST_NOW)
    assert await Provider.count() == 0


async def test_the_demo_provider_has_paid_history_and_visits_to_redeem(settings):
    await load_demo_city(settings, now=TEST_NOW)
    russafa = await Provider.select(Provider.id).where(Provider.slug == "fontaneria-russafa").first()
    bookings = await Booking.select().where(Booking.provider == russafa["id"]).order_by(Booking.starts_at)
    statuses = [b["status"] for b in bookings]
    assert (
        statuses.count("redeemed") == 8
        and statuses.count("no_show") == 1
        and statuses.count("cancelled") == 1
    )
    upcoming = [b for b in bookings if b["starts_at"] > TEST_NOW]
    assert len(upcoming) == 4 and all(b["status"] == "confirmed" and b["redemption_code"] for b in upcoming)
    assert all(b["starts_at"] < TEST_NOW for b in bookings if b not in upcoming)
    paid = await Payment.select().where(Payment.status == "succeeded")
    assert len(paid) == len(bookings) and all(p["stripe_payment_intent"].startswith("pi_") for p in paid)
    (refund,) = await Refund.select()
    assert refund["status"] == "succeeded" and refund["amount_cents"] * 2 == paid[0]["amount_cents"]
    assert await RedemptionLog.count() == 8
    # past times nobody booked are not left behind
    past = await Slot.select(Slot.id).where(Slot.provider == russafa["id"], Slot.starts_at < TEST_NOW)
    assert {row["id"] for row in past} == {b["slot"] for b in bookings if b not in upcoming}


async def test_demo_reviews_of_real_visits_and_ratings_that_add_up(settings):
    await load_demo_city(settings, now=TEST_NOW)
    resident = (
        await UserAccount.select(UserAccount.id).where(UserAccount.email == "resident@example.com").first()
    )
    of_visits = await Review.select(Review.status, Review.booking.status, Review.author).where(
        Review.booking.is_not_null()
    )
    assert sorted(r["status"] for r in of_visits) == ["approved"] * 4 + ["pending"]
    assert all(r["booking.status"] == "redeemed" and r["author"] != resident["id"] for r in of_visits)
    assert await ReviewReport.count().where(ReviewReport.resolved_at.is_null()) == 1
    for table in (Provider, Service):
        rows = await table.select(table.id, table.rating_count, table.rating_sum)
        for row in rows:
            column = Review.provider if table is Provider else Review.service
            approved = await Review.select(Review.stars).where(
                column == row["id"], Review.status == "approved"
            )
            assert (row["rating_count"], row["rating_sum"]) == (
                len(approved),
                sum(r["stars"] for r in approved),
            )


async def test_the_demo_city_has_teams_and_nobody_is_booked_twice_at_once(settings):
    await load_demo_city(settings, now=TEST_NOW)
    teams = {}
    for row in await TeamMember.select(TeamMember.provider.name, TeamMember.name):
        teams.setdefault(row["provider.name"], []).append(row["name"])
    assert await TeamMember.count() >= await Provider.count()  # everyone has at least its owner
    assert teams["Fontanería Russafa"] == ["Javier Soler", "Marta Ibáñez"]
    assert len(teams["Peluquería Carmen"]) == 4 and len([t for t in teams.values() if len(t) > 1]) == 6
    assert await Slot.count().where(Slot.member.is_null()) == 0
    live = await Booking.select(Booking.member, Booking.slot, Booking.starts_at, Booking.claim_until).where(
        Booking.status.is_in(["held", "confirmed", "redeemed"])
    )
    assert live and all(row["member"] is not None for row in live)
    for n, first in enumerate(live):
        for second in live[n + 1 :]:
            if first["member"] == second["member"] and first["slot"] != second["slot"]:
                assert (
                    first["claim_until"] <= second["starts_at"] or second["claim_until"] <= first["starts_at"]
                )
    # Marta does drains but not taps: the tap's times are Javier's alone.
    tap = (
        await Service.select(Service.id)
        .where(Service.name == "Fix a leaking tap", Service.provider.name == "Fontanería Russafa")
        .first()
    )
    doers = await TeamMemberService.select(TeamMemberService.member.name).where(
        TeamMemberService.service == tap["id"]
    )
    assert [row["member.name"] for row in doers] == ["Javier Soler"]
