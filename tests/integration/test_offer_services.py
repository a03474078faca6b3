"""What a provider sells, on both engines: hours and services, each change with its slots."""

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from app.booking import offer_services as offers
from app.booking import services as booking_services
from app.booking.services import HoldRequest
from app.booking.slot_services import slots_refresh
from app.booking.tables import Booking, Slot
from app.catalog.hours import Interval
from app.catalog.rules import ServiceDetails, ServiceLocation
from app.catalog.tables import (
    OpeningHours,
    Provider,
    Service,
)
from app.shared.errors import ConflictError, DomainError, NotFoundError
from tests.conftest import TEST_NOW
from tests.factories import MADRID, category, make_account, make_listed_provider

WEEKDAYS_IN_WINDOW = 21  # Sunday 22 Nov 2026 and the 29 days after it
DETAILS = ServiceDetails(
    category_id=0,
    name="Fix a tap",
    description="",
    duration_minutes=60,
    online_price_cents=5000,
    list_price_cents=6000,
    location=ServiceLocation.customer_address,
    capacity=1,
)


async def slot_count(provider_id: int, **where) -> int:
    query = Slot.count().where(Slot.provider == provider_id)
    for column, value in where.items():
        query = query.where(getattr(Slot, column) == value)
    return await query


async def test_slots_cover_the_booking_window_from_opening_hours(database_url):
    provider = await make_listed_provider("Weekdays")  # Mon-Fri 09:00-18:00, 1-hour service, 30 days
    # Sunday 22 Nov to Monday 21 Dec hold 21 weekdays, 9 slots each.
    assert await slot_count(provider) == WEEKDAYS_IN_WINDOW * 9
    await slots_refresh(provider_id=provider, now=TEST_NOW, zone=MADRID)  # running again changes nothing
    assert await slot_count(provider) == WEEKDAYS_IN_WINDOW * 9


async def test_new_hours_replace_free_slots_but_keep_booked_ones(database_url):
    provider = await make_listed_provider("Weekdays")
    booked = (
        await Slot.select(Slot.id, Slot.starts_at)
        .where(Slot.provider == provider)
        .order_by(Slot.starts_at)
        .first()
    )
    await Slot.update({Slot.booked: 1}).where(Slot.id == booked["id"])
    await offers.provider_set_hours(
        provider_id=provider,
        intervals=[Interval(5, 10 * 60, 12 * 60)],
        min_notice_minutes=120,
        horizon_days=14,
        now=TEST_NOW,
        zone=MADRID,
    )
    starts = [row["starts_at"] for row in await Slot.select(Slot.starts_at).where(Slot.provider == provider)]
    saturdays = [s for s in starts if s.astimezone(MADRID).weekday() == 5]
    assert len(saturdays) == 2 * 2  # two Saturdays in 14 days, 10:00 and 11:00
    assert booked["starts_at"] in starts  # the booked Monday slot stays
    assert len(starts) == len(saturdays) + 1


async def test_a_longer_notice_moves_the_book_by_times(database_url):
    provider = await make_listed_provider("Weekdays")
    await offers.provider_set_hours(
        provider_id=provider,
        intervals=[Interval(0, 9 * 60, 18 * 60)],
        min_notice_minutes=1440,
        horizon_days=30,
        now=TEST_NOW,
        zone=MADRID,
    )
    slot = await Slot.select(Slot.starts_at, Slot.book_by).where(Slot.provider == provider).first()
    assert slot["starts_at"] - slot["book_by"] == timedelta(days=1)


async def test_archiving_a_service_removes_its_free_slots_and_restoring_brings_them_back(database_url):
    provider = await make_listed_provider("Two Services", services=(("A", 3000, 3500), ("B", 4000, 4500)))
    service_b = await Service.select(Service.id, Service.public_id).where(Service.name == "B").first()
    await offers.service_set_archived(
        provider_id=provider, public_id=service_b["public_id"], archived=True, now=TEST_NOW, zone=MADRID
    )
    assert await slot_count(provider, service=service_b["id"]) == 0
    await offers.service_set_archived(
        provider_id=provider, public_id=service_b["public_id"], archived=False, now=TEST_NOW, zone=MADRID
    )
    assert await slot_count(provider, service=service_b["id"]) == WEEKDAYS_IN_WINDOW * 9


async def test_services_are_created_and_edited_with_their_slots(database_url):
    provider = await make_listed_provider("Weekdays")
    plumbing = await category("Plumbing")
    details = replace(DETAILS, category_id=plumbing["id"], duration_minutes=180)
    public_id = await offers.service_create(provider_id=provider, details=details, now=TEST_NOW, zone=MADRID)
    created = await Service.select().where(Service.public_id == public_id).first()
    assert len(public_id) == 12 and created["position"] == 1
    assert await slot_count(provider, service=created["id"]) == WEEKDAYS_IN_WINDOW * 3  # 09:00, 12:00, 15:00
    capacity_two = replace(details, capacity=2, name="Fix two taps")
    with pytest.raises(DomainError, match="one team member for one customer"):  # a home takes one visit
        await offers.service_update(
            provider_id=provider, public_id=public_id, details=capacity_two, now=TEST_NOW, zone=MADRID
        )
    a_class = replace(capacity_two, location=ServiceLocation.provider_premises)
    await offers.service_update(
        provider_id=provider, public_id=public_id, details=a_class, now=TEST_NOW, zone=MADRID
    )
    assert {
        row["capacity"] for row in await Slot.select(Slot.capacity).where(Slot.service == created["id"])
    } == {2}
    provider_text = await Provider.select(Provider.search_text).where(Provider.id == provider).first()
    assert " two taps" in provider_text["search_text"]


async def test_one_provider_cannot_touch_another_providers_service(database_url):
    mine = await make_listed_provider("Mine")
    theirs = await make_listed_provider("Theirs")
    their_service = await Service.select(Service.public_id).where(Service.provider == theirs).first()
    with pytest.raises(NotFoundError):
        await offers.service_set_archived(
            provider_id=mine, public_id=their_service["public_id"], archived=True, now=TEST_NOW, zone=MADRID
        )


async def test_simultaneous_refreshes_leave_the_slots_of_the_latest_hours(database_url):
    import asyncio

    provider = await make_listed_provider("Weekdays")
    mornings = [Interval(day, 9 * 60, 13 * 60) for day in range(5)]
    await asyncio.gather(
        offers.provider_set_hours(
            provider_id=provider,
            intervals=mornings,
            min_notice_minutes=120,
            horizon_days=30,
            now=TEST_NOW,
            zone=MADRID,
        ),
        slots_refresh(provider_id=provider, now=TEST_NOW, zone=MADRID),
        slots_refresh(provider_id=provider, now=TEST_NOW, zone=MADRID),
    )
    await slots_refresh(provider_id=provider, now=TEST_NOW, zone=MADRID)
    hours = {
        row["starts_at"].astimezone(MADRID).hour
        for row in await Slot.select(Slot.starts_at).where(Slot.provider == provider)
    }
    assert hours == {9, 10, 11, 12}


async def test_a_business_lists_at_most_twenty_services(database_url):
    provider = await make_listed_provider(
        "Many Services", services=tuple((f"S{n}", 1000, 1000) for n in range(20)), hours=[]
    )
    plumbing = await category("Plumbing")
    with pytest.raises(DomainError, match="at most 20 services"):
        await offers.service_create(
            provider_id=provider,
            details=replace(DETAILS, category_id=plumbing["id"]),
            now=TEST_NOW,
            zone=MADRID,
        )


async def test_a_service_never_booked_is_deleted_with_its_hours_and_free_times(database_url):
    provider = await make_listed_provider(
        "Two Services", services=(("Unblock a drain", 3000, 3500), ("Boiler check", 4000, 4500))
    )
    boiler = await Service.select(Service.id, Service.public_id).where(Service.name == "Boiler check").first()
    saturday = [Interval(5, 9 * 60, 13 * 60)]
    await offers.service_set_hours(
        provider_id=provider, public_id=boiler["public_id"], intervals=saturday, now=TEST_NOW, zone=MADRID
    )
    await offers.service_delete(provider_id=provider, public_id=boiler["public_id"], now=TEST_NOW)
    assert not await Service.exists().where(Service.id == boiler["id"])
    assert await slot_count(provider, service=boiler["id"]) == 0
    assert not await OpeningHours.exists().where(OpeningHours.service == boiler["id"])
    assert await OpeningHours.exists().where(
        OpeningHours.provider == provider
    )  # the business's own hours stay
    search = await Provider.select(Provider.search_text).where(Provider.id == provider).first()
    assert "boiler" not in search["search_text"] and "drain" in search["search_text"]


async def test_a_booked_service_is_kept_even_after_its_hold_lapsed(database_url):
    provider = await make_listed_provider("Casa Neta", location=ServiceLocation.provider_premises)
    service = await Service.select(Service.id, Service.public_id).where(Service.provider == provider).first()
    resident = await make_account("resident@example.com", "Resident")
    await _hold(resident.id, "casa-neta", service, await _first_time(service))
    later = TEST_NOW + timedelta(hours=1)
    assert await booking_services.bookings_expire_lapsed(now=later) == 1
    with pytest.raises(ConflictError) as refused:
        await offers.service_delete(provider_id=provider, public_id=service["public_id"], now=later)
    assert refused.value.message == offers.SERVICE_HAS_BOOKINGS
    assert await Service.exists().where(Service.id == service["id"])
    mine = await make_listed_provider("Mine")
    with pytest.raises(NotFoundError):
        await offers.service_delete(provider_id=mine, public_id=service["public_id"], now=later)


async def test_holds_racing_a_delete_never_leave_a_booking_without_its_service(database_url):
    provider = await make_listed_provider("Casa Neta", location=ServiceLocation.provider_premises)
    service = await Service.select(Service.id, Service.public_id).where(Service.provider == provider).first()
    people = [(await make_account(f"resident{n}@example.com", f"Resident {n}")).id for n in range(5)]
    starts_at = await _first_time(service)
    outcomes = await asyncio.gather(
        offers.service_delete(provider_id=provider, public_id=service["public_id"], now=TEST_NOW),
        *(_hold(person, "casa-neta", service, starts_at) for person in people),
        return_exceptions=True,
    )
    deleted, holds = outcomes[0] is None, outcomes[1:]
    held = [outcome for outcome in holds if isinstance(outcome, str)]
    assert all(isinstance(outcome, str | DomainError) for outcome in holds), holds
    if deleted:
        assert held == [] and not await Service.exists().where(Service.id == service["id"])
    else:
        assert isinstance(outcomes[0], ConflictError) and len(held) == 1
    assert await Booking.count() == len(held)


async def _first_time(service: dict) -> datetime:
    slot = (
        await Slot.select(Slot.starts_at)
        .where(Slot.service == service["id"])
        .order_by(Slot.starts_at)
        .first()
    )
    return slot["starts_at"]


async def _hold(resident_id: int, provider_slug: str, service: dict, starts_at: datetime) -> str:
    return await booking_services.booking_hold(
        resident_id=resident_id,
        request=HoldRequest(provider_slug, service["public_id"], starts_at),
        now=TEST_NOW,
        zone=MADRID,
        hold_minutes=10,
    )
