"""The benchmark city: a small one, seeded by the same code, holds the app's own invariants."""

from collections import Counter

import pytest

from app.accounts import services as accounts
from app.accounts.tables import UserAccount
from app.booking.slot_services import next_free_refresh, slots_refresh
from app.booking.state import LIVE
from app.booking.tables import Booking, Slot
from app.catalog.services import provider_search_refresh
from app.catalog.tables import (
    Category,
    Neighbourhood,
    Provider,
    ProviderPhoto,
    ProviderServiceArea,
    Service,
)
from app.demo.scale import (
    BENCH_PASSWORD,
    ScaleRefusedError,
    load_city_at_scale,
    owner_email,
    resident_email,
)
from app.discovery.filters import Filters
from app.discovery.queries import search_providers
from app.media.images import variant_widths
from app.reviews.tables import Review
from app.settings import Settings
from tests.conftest import TEST_NOW, production_settings_for, settings_for
from tests.factories import GENEROUS

SMALL = {
    "providers": 30,
    "services_per_provider": 3,
    "days": 2,
    "past_bookings": 300,
    "reviews": 100,
    "residents": 20,
}


@pytest.fixture
def bench_settings(database_url, tmp_path) -> Settings:
    return settings_for(database_url, tmp_path / "media")


@pytest.fixture
async def report(bench_settings):
    return await load_city_at_scale(bench_settings, now=TEST_NOW, **SMALL)


async def test_a_small_city_has_what_its_report_says(report, bench_settings):
    assert (report.providers, report.services, report.past_bookings, report.reviews, report.residents) == (
        30,
        90,
        300,
        100,
        20,
    )
    assert await Provider.count().where(Provider.is_verified.eq(True)) == 30
    assert await Service.count() == 90
    assert await Booking.count().where(Booking.starts_at < TEST_NOW) == 300
    assert await Review.count().where(Review.status == "approved") == 100
    future = await Slot.select(Slot.booked).where(Slot.starts_at >= TEST_NOW)
    assert report.open_slots == len(future) > 0 and not any(row["booked"] for row in future)
    # every category and every neighbourhood has providers
    assert await Category.count() == 8 and await Neighbourhood.count() == 12
    homes = await Provider.select(Provider.neighbourhood, Provider.slug)
    assert len({row["neighbourhood"] for row in homes}) == 12
    assert len({row["slug"] for row in homes}) == 30
    categories = await Service.select(Service.category).distinct()
    assert len(categories) == 8
    prices = await Service.select(Service.online_price_cents, Service.list_price_cents)
    assert all(0 < row["online_price_cents"] <= row["list_price_cents"] for row in prices)
    # owners and residents
    owners = await Provider.select(Provider.owner.email, Provider.owner.role)
    assert {row["owner.role"] for row in owners} == {"provider"}
    assert sorted(row["owner.email"] for row in owners) == sorted(owner_email(n) for n in range(1, 31))
    residents = await UserAccount.select(UserAccount.email).where(UserAccount.role == "resident")
    assert {row["email"] for row in residents} == {resident_email(n) for n in range(1, 21)}
    signed_in = await accounts.account_authenticate(
        email=resident_email(20), password=BENCH_PASSWORD, ip="127.0.0.1", rule=GENEROUS, now=TEST_NOW
    )
    assert signed_in.email == resident_email(20)
    # a cover photo each, under its own key, with every variant on disk
    photos = await ProviderPhoto.select(ProviderPhoto.provider, ProviderPhoto.image_key, ProviderPhoto.width)
    assert len({row["provider"] for row in photos}) == len({row["image_key"] for row in photos}) == 30
    for photo in photos:
        for width in variant_widths(photo["width"]):
            assert (bench_settings.media_root / f"{photo['image_key']}-{width}.webp").is_file()


async def test_ratings_free_times_search_words_and_slots_are_what_the_app_computes(report, bench_settings):
    for table, column in ((Provider, Review.provider), (Service, Review.service)):
        totals = {
            row[column._meta.name]: (row["count"], row["total"])
            for row in await Review.raw(
                f"SELECT {column._meta.name}, COUNT(*) AS count, SUM(stars) AS total FROM review "
                f"WHERE status = 'approved' GROUP BY {column._meta.name}"
            )
        }
        rows = await table.select(table.id, table.rating_count, table.rating_sum)
        assert all((r["rating_count"], r["rating_sum"]) == totals.get(r["id"], (0, 0)) for r in rows)
        assert sum(r["rating_count"] for r in rows) == 100

    seeded = await Provider.select(Provider.id, Provider.next_free_at, Provider.search_text).order_by(
        Provider.id
    )
    assert any(row["next_free_at"] for row in seeded) and all(
        row["next_free_at"] is None or row["next_free_at"] >= TEST_NOW for row in seeded
    )
    slot_columns = (Slot.service, Slot.starts_at, Slot.ends_at, Slot.book_by, Slot.capacity, Slot.booked)
    future_slots = await Slot.select(*slot_columns).where(Slot.starts_at >= TEST_NOW)
    await next_free_refresh(now=TEST_NOW)
    for row in seeded:
        await provider_search_refresh(provider_id=row["id"])
        await slots_refresh(provider_id=row["id"], now=TEST_NOW, zone=bench_settings.city.zone)
    refreshed = await Provider.select(Provider.id, Provider.next_free_at, Provider.search_text).order_by(
        Provider.id
    )
    # provider_search_refresh reads services in no set order, so the words are compared, not their order
    words = lambda rows: [(r["id"], r["next_free_at"], sorted(r["search_text"].split())) for r in rows]  # noqa: E731
    assert words(refreshed) == words(seeded)
    after = await Slot.select(*slot_columns).where(Slot.starts_at >= TEST_NOW)
    key = lambda row: (row["service"], row["starts_at"])  # noqa: E731
    assert sorted(after, key=key) == sorted(future_slots, key=key)


async def test_past_bookings_take_seats_as_the_booking_services_do(report):
    bookings = await Booking.select()
    live = [b for b in bookings if b["status"] in {status.value for status in LIVE}]
    statuses = Counter(b["status"] for b in bookings)
    assert set(statuses) == {"redeemed", "cancelled", "no_show"}
    assert statuses["redeemed"] > statuses["cancelled"] + statuses["no_show"]
    slots = {row["id"]: row for row in await Slot.select().where(Slot.starts_at < TEST_NOW)}
    assert {b["slot"] for b in bookings} == set(slots)  # no unbooked past slots are left
    seats = Counter(b["slot"] for b in live)
    for slot_id, slot in slots.items():
        assert slot["booked"] == seats[slot_id] <= slot["capacity"]
    assert len({(b["slot"], b["seat"]) for b in live}) == len(live)
    services = {row["id"]: row for row in await Service.select(Service.id, Service.provider)}
    for booking in bookings:
        slot = slots[booking["slot"]]
        assert (booking["starts_at"], booking["ends_at"]) == (slot["starts_at"], slot["ends_at"])
        assert (
            slot["service"] == booking["service"]
            and services[booking["service"]]["provider"] == (booking["provider"])
        )
        assert booking["created_at"] <= slot["book_by"] and booking["confirmed_at"] <= booking["held_until"]
        assert booking["ends_at"] <= TEST_NOW and booking["redemption_code"]
        if booking["status"] == "cancelled":
            assert booking["cancelled_at"] < booking["starts_at"] and booking["cancelled_by"]
        if booking["status"] == "redeemed":
            assert booking["redeemed_at"] >= booking["starts_at"]
    by_id = {b["id"]: b for b in bookings}
    reviews = await Review.select()
    assert len({r["booking"] for r in reviews}) == len(reviews)
    for review in reviews:
        booking = by_id[review["booking"]]
        assert booking["status"] == "redeemed" and review["author"] == booking["resident"]
        assert (review["provider"], review["service"]) == (booking["provider"], booking["service"])
        assert booking["ends_at"] <= review["created_at"] <= review["moderated_at"] <= TEST_NOW


async def test_the_results_page_finds_the_seeded_providers_by_category_and_neighbourhood(
    report, bench_settings
):
    zone = bench_settings.city.zone
    plumbing = (await Category.select(Category.id).where(Category.slug == "plumbing").first())["id"]
    hair = (await Category.select(Category.id).where(Category.slug == "hair-beauty-at-home").first())["id"]
    areas = {}
    for row in await ProviderServiceArea.select():
        areas.setdefault(row["provider"], set()).add(row["neighbourhood"])
    homes = {
        row["id"]: row["neighbourhood"] for row in await Provider.select(Provider.id, Provider.neighbourhood)
    }
    services = await Service.select(Service.provider, Service.category, Service.location)
    for neighbourhood in await Neighbourhood.select(Neighbourhood.id):
        place = neighbourhood["id"]
        for category in (plumbing, hair):
            expected = {
                s["provider"]
                for s in services
                if s["category"] == category
                and (
                    (s["location"] == "customer_address" and place in areas[s["provider"]])
                    or (s["location"] == "provider_premises" and homes[s["provider"]] == place)
                )
            }
            found = await search_providers(
                Filters(), now=TEST_NOW, zone=zone, category_id=category, neighbourhood_id=place, per_page=50
            )
            assert found.total == len(expected)
            assert {card.id for card in found.items} == expected
            assert all(card.cover is not None for card in found.items)
    by_word = await search_providers(Filters(query="fontanero"), now=TEST_NOW, zone=zone, per_page=50)
    assert by_word.total == len({s["provider"] for s in services if s["category"] == plumbing}) > 0


async def test_the_benchmark_city_is_never_loaded_into_a_non_empty_database(bench_settings):
    await UserAccount.insert(
        UserAccount(
            email="real@example.com",
            display_name="Real",
            password_hash="!",
            role="resident",
            created_at=TEST_NOW,
        )
    )
    with pytest.raises(ScaleRefusedError):
        await load_city_at_scale(bench_settings, now=TEST_NOW, **SMALL)
    assert await Provider.count() == 0 and await UserAccount.count() == 1


async def test_the_benchmark_city_is_never_loaded_in_production(database_url, tmp_path):
    with pytest.raises(ScaleRefusedError):
        await load_city_at_scale(production_settings_for(database_url, tmp_path), now=TEST_NOW, **SMALL)
    assert await Provider.count() == 0
