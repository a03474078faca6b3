"""Booking on both engines: holds, capacity under concurrency, expiry, and every change of status."""

import asyncio
import shutil
from datetime import timedelta

import pytest

from app import database
from app.booking import services
from app.booking.policy import STANDARD_POLICY
from app.booking.services import HoldRequest
from app.booking.tables import Booking, Slot
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Service
from app.shared.errors import ConflictError, DomainError, NotFoundError
from tests.conftest import TEST_NOW
from tests.factories import MADRID, make_account, make_listed_provider, neighbourhood

HOLD = 10


async def first_slot(provider_id: int, *, nth: int = 0) -> dict:
    rows = (
        await Slot.select().where(Slot.provider == provider_id).order_by(Slot.starts_at).offset(nth).limit(1)
    )
    return rows[0]


async def setup_provider(
    capacity: int = 1, location=ServiceLocation.provider_premises, **kwargs
) -> tuple[int, dict, str]:
    provider = await make_listed_provider("Casa Neta", location=location, **kwargs)
    await Service.update({Service.capacity: capacity}).where(Service.provider == provider)
    await Slot.update({Slot.capacity: capacity}).where(Slot.provider == provider)
    service = await Service.select(Service.public_id).where(Service.provider == provider).first()
    return provider, await first_slot(provider), service["public_id"]


async def residents(count: int) -> list[int]:
    return [(await make_account(f"resident{n}@example.com", f"Resident {n}")).id for n in range(count)]


async def hold(
    resident_id: int, service_public_id: str, slot: dict, now=TEST_NOW, provider_slug="casa-neta", **request
) -> str:
    return await services.booking_hold(
        resident_id=resident_id,
        request=HoldRequest(
            provider_slug=provider_slug,
            service_public_id=service_public_id,
            starts_at=slot["starts_at"],
            **request,
        ),
        now=now,
        zone=MADRID,
        hold_minutes=HOLD,
    )


async def booking(public_id: str) -> dict:
    return await Booking.select().where(Booking.public_id == public_id).first()


async def booked(slot_id: int) -> int:
    return (await Slot.select(Slot.booked).where(Slot.id == slot_id).first())["booked"]


async def test_a_hold_reserves_a_seat_for_ten_minutes(database_url):
    _, slot, service = await setup_provider()
    (resident,) = await residents(1)
    public_id = await hold(resident, service, slot)
    row = await booking(public_id)
    assert row["status"] == "held" and row["seat"] == 0
    assert row["held_until"] == TEST_NOW + timedelta(minutes=HOLD)
    assert row["starts_at"] == slot["starts_at"] and row["price_cents"] == 6800
    assert await booked(slot["id"]) == 1


@pytest.mark.parametrize("capacity", [1, 3])
async def test_fifty_simultaneous_holds_get_exactly_the_capacity(database_url, capacity):
    _, slot, service = await setup_provider(capacity)
    people = await residents(50)
    results = await asyncio.gather(*(hold(r, service, slot) for r in people), return_exceptions=True)
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if not isinstance(r, str)]
    assert len(won) == capacity
    assert all(isinstance(r, ConflictError) and r.message == services.SLOT_TAKEN for r in lost)
    seats = sorted(
        row["seat"] for row in await Booking.select(Booking.seat).where(Booking.slot == slot["id"])
    )
    assert seats == list(range(capacity))
    assert await booked(slot["id"]) == capacity


async def test_the_database_refuses_a_second_live_booking_of_one_seat_even_if_code_skipped_the_check(
    database_url,
):
    _, slot, service = await setup_provider()
    first, second = await residents(2)
    public_id = await hold(first, service, slot)
    copy = {key: value for key, value in (await booking(public_id)).items() if key != "id"}
    copy.update(public_id="forged", resident=second)
    with pytest.raises(Exception) as raised:
        await Booking.insert(Booking(**copy))
    assert database.is_unique_violation(raised.value)


async def test_a_lapsed_hold_never_blocks_a_booking_even_before_the_sweep(database_url):
    _, slot, service = await setup_provider()
    first, second = await residents(2)
    lapsed = await hold(first, service, slot)
    later = TEST_NOW + timedelta(minutes=HOLD, seconds=1)
    taken = await hold(second, service, slot, now=later)
    assert (await booking(lapsed))["status"] == "expired"
    assert (await booking(taken))["seat"] == 0
    assert await booked(slot["id"]) == 1


async def test_the_sweep_gives_lapsed_seats_back(database_url):
    _, slot, service = await setup_provider()
    (resident,) = await residents(1)
    public_id = await hold(resident, service, slot)
    assert await services.bookings_expire_lapsed(now=TEST_NOW + timedelta(minutes=5)) == 0
    assert await services.bookings_expire_lapsed(now=TEST_NOW + timedelta(minutes=11)) == 1
    assert (await booking(public_id))["status"] == "expired" and await booked(slot["id"]) == 0


async def test_limits_are_enforced_by_the_server(database_url):
    provider, slot, service = await setup_provider(capacity=5)
    resident, late_resident = await residents(2)
    await hold(resident, service, slot)
    with pytest.raises(ConflictError, match="You already have this time"):
        await hold(resident, service, slot)
    for nth in (1, 2):
        await hold(resident, service, await first_slot(provider, nth=nth))
    with pytest.raises(DomainError, match="already holding 3 times"):
        await hold(resident, service, await first_slot(provider, nth=3))
    too_close = (await first_slot(provider, nth=4))["starts_at"] - timedelta(minutes=90)  # two hours' notice
    with pytest.raises(ConflictError, match="too soon to book"):
        await hold(late_resident, service, await first_slot(provider, nth=4), now=too_close)


async def test_closed_slots_and_unknown_times_are_refused(database_url):
    provider, slot, service = await setup_provider()
    (resident,) = await residents(1)
    await services.slot_set_closed(provider_id=provider, slot_id=slot["id"], closed=True, now=TEST_NOW)
    with pytest.raises(ConflictError, match="no longer offered"):
        await hold(resident, service, slot)
    with pytest.raises(ConflictError, match="no longer offered"):
        await hold(resident, service, {"starts_at": slot["starts_at"] + timedelta(minutes=7)})
    with pytest.raises(NotFoundError):
        await hold(resident, "nosuchservice", slot)
    await make_listed_provider("Someone Else")
    with pytest.raises(NotFoundError):  # the service exists, but not at this provider's address
        await hold(resident, service, slot, provider_slug="someone-else")


async def test_visits_at_home_need_an_address_in_the_service_area(database_url):
    _, slot, service = await setup_provider(location=ServiceLocation.customer_address, area=("Benimaclet",))
    (resident,) = await residents(1)
    benimaclet = await neighbourhood("Benimaclet")
    patraix = await neighbourhood("Patraix")
    with pytest.raises(DomainError, match="Enter the address"):
        await hold(resident, service, slot, neighbourhood_id=benimaclet["id"])
    with pytest.raises(DomainError, match="doesn't travel to Patraix"):
        await hold(resident, service, slot, address="Carrer de Jesús 5", neighbourhood_id=patraix["id"])
    public_id = await hold(
        resident, service, slot, address="Carrer de Jesús 5", neighbourhood_id=benimaclet["id"]
    )
    assert (await booking(public_id))["address"] == "Carrer de Jesús 5"


async def test_releasing_confirming_and_cancelling_move_seats_correctly(database_url):
    provider, slot, service = await setup_provider()
    first, second = await residents(2)
    released = await hold(first, service, slot)
    await services.booking_release(resident_id=first, public_id=released, now=TEST_NOW)
    assert (await booking(released))["status"] == "expired" and await booked(slot["id"]) == 0
    public_id = await hold(second, service, slot)
    await services.booking_confirm(booking_id=(await booking(public_id))["id"], now=TEST_NOW)
    row = await booking(public_id)
    assert row["status"] == "confirmed" and len(row["redemption_code"]) == 8
    two_days_before = slot["starts_at"] - timedelta(days=2)
    cancelled, percent = await services.booking_cancel_by_resident(
        resident_id=second, public_id=public_id, now=two_days_before, policy=STANDARD_POLICY
    )
    assert percent == 100 and cancelled["public_id"] == public_id
    row = await booking(public_id)
    assert (row["status"], row["cancelled_by"]) == ("cancelled", "resident")
    assert row["earning_released_at"] == two_days_before
    assert await booked(slot["id"]) == 0
    with pytest.raises(ConflictError, match="Only a confirmed booking can be cancelled"):
        await services.booking_cancel_by_resident(
            resident_id=second, public_id=public_id, now=two_days_before, policy=STANDARD_POLICY
        )
    with pytest.raises(NotFoundError):
        await services.booking_release(resident_id=first, public_id=public_id, now=TEST_NOW)  # not hers
    assert provider


async def test_an_expired_hold_cannot_be_paid(database_url):
    _, slot, service = await setup_provider()
    (resident,) = await residents(1)
    public_id = await hold(resident, service, slot)
    await services.bookings_expire_lapsed(now=TEST_NOW + timedelta(minutes=11))
    with pytest.raises(ConflictError, match="can no longer be paid"):
        await services.booking_confirm(booking_id=(await booking(public_id))["id"], now=TEST_NOW)


async def test_simultaneous_cancellations_release_the_seat_once(database_url):
    _, slot, service = await setup_provider(capacity=2)
    (resident,) = await residents(1)
    public_id = await hold(resident, service, slot)
    await services.booking_confirm(booking_id=(await booking(public_id))["id"], now=TEST_NOW)
    results = await asyncio.gather(
        *(
            services.booking_cancel_by_resident(
                resident_id=resident, public_id=public_id, now=TEST_NOW, policy=STANDARD_POLICY
            )
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, tuple) for r in results) == 1
    assert await booked(slot["id"]) == 0


async def test_providers_cancel_with_a_reason_and_mark_no_shows_only_after_the_end(database_url):
    provider, slot, service = await setup_provider(capacity=2)
    first, second = await residents(2)
    cancelled, missed = await hold(first, service, slot), await hold(second, service, slot)
    for public_id in (cancelled, missed):
        await services.booking_confirm(booking_id=(await booking(public_id))["id"], now=TEST_NOW)
    await services.booking_cancel_by_provider(
        provider_id=provider, public_id=cancelled, reason="Van broke down", now=TEST_NOW
    )
    row = await booking(cancelled)
    assert (row["status"], row["cancelled_by"], row["cancel_reason"]) == (
        "cancelled",
        "provider",
        "Van broke down",
    )
    with pytest.raises(DomainError, match="only after its time has ended"):
        await services.booking_mark_no_show(provider_id=provider, public_id=missed, now=TEST_NOW)
    await services.booking_mark_no_show(
        provider_id=provider, public_id=missed, now=slot["ends_at"] + timedelta(minutes=1)
    )
    row = await booking(missed)
    assert row["status"] == "no_show" and row["earning_released_at"] == slot["ends_at"] + timedelta(minutes=1)
    other = await make_listed_provider("Someone Else")
    with pytest.raises(NotFoundError):
        await services.booking_cancel_by_provider(
            provider_id=other, public_id=missed, reason="x", now=TEST_NOW
        )


async def test_rescheduling_moves_the_seat_while_cancelling_is_free(database_url):
    provider, _, service = await setup_provider()
    slot = await first_slot(provider, nth=10)  # Tuesday: more than a day ahead
    (resident,) = await residents(1)
    public_id = await hold(resident, service, slot)
    await services.booking_confirm(booking_id=(await booking(public_id))["id"], now=TEST_NOW)
    target = await first_slot(provider, nth=20)
    with pytest.raises(DomainError, match="different one"):
        await services.booking_reschedule(
            resident_id=resident,
            public_id=public_id,
            starts_at=slot["starts_at"],
            now=TEST_NOW,
            zone=MADRID,
            policy=STANDARD_POLICY,
        )
    await services.booking_reschedule(
        resident_id=resident,
        public_id=public_id,
        starts_at=target["starts_at"],
        now=TEST_NOW,
        zone=MADRID,
        policy=STANDARD_POLICY,
    )
    row = await booking(public_id)
    assert (row["slot"], row["starts_at"], row["status"]) == (target["id"], target["starts_at"], "confirmed")
    assert await booked(slot["id"]) == 0 and await booked(target["id"]) == 1
    with pytest.raises(DomainError, match="only until 24 hours before"):
        await services.booking_reschedule(
            resident_id=resident,
            public_id=public_id,
            starts_at=slot["starts_at"],
            now=target["starts_at"] - timedelta(hours=3),
            zone=MADRID,
            policy=STANDARD_POLICY,
        )


async def test_a_reschedule_to_a_taken_time_changes_nothing(database_url):
    provider, _, service = await setup_provider()
    slot = await first_slot(provider, nth=10)
    first, second = await residents(2)
    mine = await hold(first, service, slot)
    await services.booking_confirm(booking_id=(await booking(mine))["id"], now=TEST_NOW)
    target = await first_slot(provider, nth=11)
    await hold(second, service, target)
    with pytest.raises(ConflictError, match="just taken"):
        await services.booking_reschedule(
            resident_id=first,
            public_id=mine,
            starts_at=target["starts_at"],
            now=TEST_NOW,
            zone=MADRID,
            policy=STANDARD_POLICY,
        )
    assert (await booking(mine))["slot"] == slot["id"] and await booked(slot["id"]) == 1


async def test_closing_a_day_with_bookings_asks_first_then_keeps_or_cancels_them(database_url):
    provider, slot, service = await setup_provider(capacity=2)
    first, second = await residents(2)
    confirmed = await hold(first, service, slot)
    await services.booking_confirm(booking_id=(await booking(confirmed))["id"], now=TEST_NOW)
    held = await hold(second, service, slot)
    day_start = slot["starts_at"].astimezone(MADRID).replace(hour=0, minute=0)
    day_end = day_start + timedelta(days=1)
    with pytest.raises(DomainError, match="Choose whether to keep them or cancel them"):
        await services.day_set_closed(
            provider_id=provider, day_start=day_start, day_end=day_end, closed=True, now=TEST_NOW
        )
    await services.day_set_closed(
        provider_id=provider, day_start=day_start, day_end=day_end, closed=True, now=TEST_NOW, bookings="keep"
    )
    assert (await booking(confirmed))["status"] == "confirmed"
    closed = await Slot.count().where(Slot.provider == provider, Slot.is_closed.eq(True))
    assert closed == 9  # 09:00-18:00 in one-hour slots: every slot of the day
    cancelled = await services.day_set_closed(
        provider_id=provider,
        day_start=day_start,
        day_end=day_end,
        closed=True,
        now=TEST_NOW,
        bookings="cancel",
    )
    assert cancelled == [(await booking(confirmed))["id"]]
    assert (await booking(confirmed))["status"] == "cancelled" and (await booking(held))[
        "status"
    ] == "expired"
    assert await booked(slot["id"]) == 0
    await services.day_set_closed(
        provider_id=provider, day_start=day_start, day_end=day_end, closed=False, now=TEST_NOW
    )
    assert await Slot.count().where(Slot.provider == provider, Slot.is_closed.eq(True)) == 0


async def test_days_off_remove_free_times_but_keep_booked_ones(database_url):
    provider, slot, service = await setup_provider()
    (resident,) = await residents(1)
    public_id = await hold(resident, service, slot)
    day = slot["starts_at"].astimezone(MADRID).date()
    await services.time_off_add(
        provider_id=provider, first_day=day, last_day=day, note="Holiday", now=TEST_NOW, zone=MADRID
    )
    left = await Slot.select(Slot.id).where(
        Slot.provider == provider, Slot.starts_at < slot["starts_at"] + timedelta(hours=12)
    )
    assert [row["id"] for row in left] == [slot["id"]]  # only the held one stays that day
    assert (await booking(public_id))["status"] == "held"


async def test_finding_a_free_seat_reads_the_live_seat_index_not_every_booking(sqlite_template, tmp_path):
    # SQLite only: PostgreSQL matches bound values against partial indexes itself.
    path = tmp_path / "seats.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database.bind(database.engine_from_url(f"sqlite:///{path}"))
    plan = await Booking.raw(f"EXPLAIN QUERY PLAN {services.TAKEN_SEATS_SQL}", 1)
    assert any("booking_live_seat_key" in row["detail"] for row in plan), plan
