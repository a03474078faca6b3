"""The results page's query on both engines: every filter, every sort, a bounded number of queries."""

from datetime import timedelta

import pytest

from app import database
from app.catalog.hours import Interval
from app.catalog.queries import Photo, category_by_slug, neighbourhood_by_slug
from app.catalog.rules import Price, ServiceLocation
from app.catalog.tables import Category, Provider, ProviderPhoto, Service
from app.discovery.filters import Filters
from app.discovery.queries import search_providers
from tests.conftest import TEST_NOW
from tests.factories import MADRID, make_listed_provider


async def search(**kwargs):
    category = kwargs.pop("category_slug", None)
    neighbourhood = kwargs.pop("neighbourhood_slug", None)
    per_page = kwargs.pop("per_page", 20)
    now = kwargs.pop("now", TEST_NOW)
    category_id = (await category_by_slug(category)).id if category else None
    neighbourhood_id = (await neighbourhood_by_slug(neighbourhood)).id if neighbourhood else None
    return await search_providers(
        Filters(**kwargs),
        now=now,
        zone=MADRID,
        category_id=category_id,
        neighbourhood_id=neighbourhood_id,
        per_page=per_page,
    )


def names(page) -> list[str]:
    return [card.name for card in page.items]


async def test_only_verified_providers_with_live_services_are_listed(database_url):
    await make_listed_provider("Listed")
    await make_listed_provider("Unverified", verified=False)
    archived = await make_listed_provider("Only Archived Services")
    await Service.update({Service.is_archived: True}).where(Service.provider == archived)
    assert names(await search()) == ["Listed"]


async def test_search_finds_trades_by_their_stems_and_ignores_accents(database_url):
    await make_listed_provider("Fontanería Russafa", services=(("Unblock a drain", 6800, 8000),))
    await make_listed_provider(
        "Peluquería Carmen", category_name="Hair & beauty", services=(("Haircut", 2500, 3000),)
    )
    assert names(await search(query="fontanero")) == ["Fontanería Russafa"]
    assert names(await search(query="PELUQUERIA")) == ["Peluquería Carmen"]
    assert names(await search(query="haircut carmen")) == ["Peluquería Carmen"]
    assert names(await search(query="drain carmen")) == []


async def test_category_and_price_filters_apply_to_the_same_service(database_url):
    await make_listed_provider("Cheap Plumber", services=(("Tap", 3000, 3500), ("Boiler", 15000, 16000)))
    await make_listed_provider("Mid Plumber", services=(("Tap", 6000, 7000),))
    await make_listed_provider("Cleaner", category_name="Cleaning", services=(("Clean", 4000, 5000),))
    page = await search(category_slug="plumbing", price_min_cents=5000, price_max_cents=8000)
    assert names(page) == ["Mid Plumber"]
    both = await search(category_slug="plumbing", price_max_cents=4000)
    assert names(both) == ["Cheap Plumber"]
    assert both.items[0].from_price.online_cents == 3000  # the price shown is the one that matched


async def test_a_card_shows_the_cheapest_matching_price_its_categories_and_the_cover(database_url):
    provider = await make_listed_provider(
        "Two Trades", services=(("Tap", 4500, 5000), ("Drain", 4500, 6000), ("Boiler", 9000, 10000))
    )
    cleaning = await make_listed_provider("Cleaner", category_name="Cleaning")
    await Service.update({Service.provider: provider}).where(Service.provider == cleaning)
    await Category.update({Category.position: 2}).where(Category.name == "Cleaning")
    await Category.update({Category.position: 1}).where(Category.name == "Plumbing")
    for key, position in [("second-photo", 1), ("cover-photo", 0)]:  # the cover is added last
        await ProviderPhoto.insert(
            ProviderPhoto(
                provider=provider,
                image_key=key,
                width=800,
                height=600,
                position=position,
                created_at=TEST_NOW,
            )
        )
    [card] = (await search(query="two trades")).items
    assert card.from_price == Price(4500, 6000)  # a tie on the online price shows the bigger saving
    assert card.categories == ("Plumbing", "Cleaning")  # in the catalogue's order, each once
    assert card.cover == Photo("cover-photo", 800, 600, "")
    [plumbing_only] = (await search(query="two trades", category_slug="plumbing")).items
    assert plumbing_only.categories == ("Plumbing",)
    assert (await search(query="cleaner")).items == []  # its only service moved away


async def test_a_neighbourhood_matches_the_service_area_for_home_visits_and_the_address_for_premises(
    database_url,
):
    await make_listed_provider("Travels To Benimaclet", neighbourhood_name="Campanar", area=("Benimaclet",))
    await make_listed_provider("Stays In Campanar", neighbourhood_name="Campanar")
    await make_listed_provider(
        "Salon In Benimaclet", neighbourhood_name="Benimaclet", location=ServiceLocation.provider_premises
    )
    await make_listed_provider(
        "Salon Elsewhere",
        neighbourhood_name="Patraix",
        area=("Benimaclet",),
        location=ServiceLocation.provider_premises,
    )
    assert sorted(names(await search(neighbourhood_slug="benimaclet"))) == [
        "Salon In Benimaclet",
        "Travels To Benimaclet",
    ]


async def test_minimum_rating_uses_the_plain_mean_of_approved_reviews(database_url):
    await make_listed_provider("Four Point Five", rating=(10, 45))
    await make_listed_provider("Three Point Nine", rating=(10, 39))
    await make_listed_provider("No Reviews")
    assert names(await search(min_rating="4")) == ["Four Point Five"]
    assert names(await search(min_rating="3")) == ["Four Point Five", "Three Point Nine"]


async def test_availability_filters_by_free_slots_on_the_chosen_days(database_url):
    # TEST_NOW is Sunday 22 Nov 10:30 in Valencia.
    await make_listed_provider("Weekdays")
    await make_listed_provider("Sundays Only", hours=[Interval(6, 9 * 60, 20 * 60)])
    await make_listed_provider("No Hours", hours=[])
    assert names(await search(available="today")) == ["Sundays Only"]
    assert names(await search(available="tomorrow")) == ["Weekdays"]
    assert sorted(names(await search(available="week"))) == ["Sundays Only", "Weekdays"]
    assert names(await search(available="2026-11-24")) == ["Weekdays"]


async def test_a_fully_booked_day_is_not_available(database_url):
    from app.booking.tables import Slot

    provider = await make_listed_provider("Busy Monday")
    await Slot.update({Slot.booked: Slot.capacity}).where(Slot.provider == provider)
    assert names(await search(available="tomorrow")) == []


async def test_cards_show_the_next_free_slot_after_the_minimum_notice(database_url):
    provider = await make_listed_provider("Weekdays")
    page = await search()
    assert page.items[0].next_free_at.astimezone(MADRID).strftime("%a %H:%M") == "Mon 09:00"
    # Two hours of notice: at 08:00 on Monday the 09:00 slot can no longer be booked.
    monday_8am = TEST_NOW + timedelta(hours=21, minutes=30)
    later = await search(now=monday_8am)
    assert later.items[0].next_free_at.astimezone(MADRID).strftime("%a %H:%M") == "Mon 10:00"
    assert provider


async def test_sorting_by_rating_trusts_many_good_reviews_over_one_perfect_one(database_url):
    await make_listed_provider("One Perfect Review", rating=(1, 5))
    await make_listed_provider("Eighty Great Reviews", rating=(80, 384))
    await make_listed_provider("No Reviews")
    assert names(await search(sort="rating")) == ["Eighty Great Reviews", "One Perfect Review", "No Reviews"]


async def test_sorting_by_price_and_by_soonest(database_url):
    await make_listed_provider("Pricey", services=(("Job", 9000, 9900),))
    await make_listed_provider("Cheap", services=(("Job", 2000, 2500),), hours=[Interval(3, 9 * 60, 12 * 60)])
    await make_listed_provider(
        "Sunday Worker", services=(("Job", 5000, 5500),), hours=[Interval(6, 12 * 60, 20 * 60)]
    )
    assert names(await search(sort="price")) == ["Cheap", "Sunday Worker", "Pricey"]
    assert names(await search(sort="soonest")) == ["Sunday Worker", "Pricey", "Cheap"]


async def test_recommended_prefers_confident_ratings_and_free_time_soon(database_url):
    await make_listed_provider("Great But Busy", rating=(40, 196), hours=[])
    await make_listed_provider("Great And Free", rating=(40, 196))
    await make_listed_provider("New And Free")
    assert names(await search()) == ["Great And Free", "New And Free", "Great But Busy"]


async def test_pages_keep_their_order_and_report_the_total(database_url):
    for n in range(7):
        await make_listed_provider(f"Plumber {n}")
    first = await search(per_page=3)
    second = await search(per_page=3, page=2)
    third = await search(per_page=3, page=3)
    past = await search(per_page=3, page=9)
    assert (first.total, first.has_next, third.has_next) == (7, True, False)
    assert len({*names(first), *names(second), *names(third)}) == 7
    assert (past.items, past.total, past.has_next) == ([], 7, False)


@pytest.mark.parametrize("per_page", [2, 20])
async def test_a_results_page_runs_the_same_few_queries_whatever_its_size(database_url, per_page):
    for n in range(4):
        provider = await make_listed_provider(f"Plumber {n}", services=(("A", 3000, 3500), ("B", 4000, 4500)))
    assert provider
    category_id = (await category_by_slug("plumbing")).id
    with database.count_queries() as counted:
        page = await search_providers(
            Filters(available="week", query="plumber"),
            now=TEST_NOW,
            zone=MADRID,
            category_id=category_id,
            per_page=per_page,
        )
    assert page.items
    assert counted[0] == 1  # the page, each card with its prices, categories, cover and free time


async def test_the_next_free_time_used_for_sorting_is_refreshed(database_url):
    from app.booking.slot_services import next_free_refresh

    provider = await make_listed_provider("Weekdays")  # 09:00-18:00, two hours' notice
    next_free = Provider.select(Provider.next_free_at).where(Provider.id == provider).first()
    before = (await next_free)["next_free_at"]
    assert before.astimezone(MADRID).strftime("%a %H:%M") == "Mon 09:00"
    await next_free_refresh(now=before + timedelta(minutes=1))  # Monday 09:01
    after = (await Provider.select(Provider.next_free_at).where(Provider.id == provider).first())[
        "next_free_at"
    ]
    assert after.astimezone(MADRID).strftime("%a %H:%M") == "Mon 12:00"


async def test_four_and_a_half_stars_means_a_mean_of_at_least_4_5(database_url):
    await make_listed_provider("Mean 4.6", rating=(10, 46))
    await make_listed_provider("Mean 4.4", rating=(10, 44))
    assert names(await search(min_rating="4.5")) == ["Mean 4.6"]


async def test_soonest_sorts_by_the_free_time_shown_on_each_card(database_url):
    # Tomorrow (Monday): one opens at 15:00, the other at 09:00 but only from Tuesday for its second service.
    await make_listed_provider(
        "Afternoons", hours=[Interval(0, 15 * 60, 18 * 60), Interval(6, 9 * 60, 20 * 60)]
    )
    await make_listed_provider("Mornings", hours=[Interval(0, 9 * 60, 12 * 60)])
    page = await search(sort="soonest", available="tomorrow")
    assert names(page) == ["Mornings", "Afternoons"]
    times = [card.next_free_at for card in page.items]
    assert times == sorted(times)
