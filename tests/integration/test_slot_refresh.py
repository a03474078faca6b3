"""Slot refreshes on both engines: bounded by the booking window whatever dates are stored, one
provider at a time in the daily job, in one transaction with the change that asks for them, and
never deleting a slot a booking points at."""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from app.booking import offer_services as offers
from app.booking import services, slot_services
from app.booking.queries import free_slot_sql
from app.booking.services import HoldRequest
from app.booking.slot_services import slots_refresh_all
from app.booking.tables import Booking, ClosedTime, Slot, TimeOff
from app.catalog.hours import Interval
from app.catalog.rules import ServiceDetails, ServiceLocation
from app.catalog.tables import OpeningHours, Provider, Service, TeamMember, TeamMemberHours, TeamMemberService
from app.database import SqlValues, instant_from_db
from app.shared.citytime import to_city
from app.shared.errors import ConflictError
from app.team.services import team_member_set_hours
from tests.conftest import TEST_NOW
from tests.factories import MADRID, WEEKDAYS_9_TO_6, category, make_account, make_listed_provider

END_OF_CALENDAR = date.max  # 9999-12-31, which old rows may still hold
SATURDAY_10_TO_12 = [Interval(5, 10 * 60, 12 * 60)]
LATER = TEST_NOW + timedelta(minutes=30)  # every ten-minute hold made at TEST_NOW has lapsed


async def slots_of(provider_id: int, **where) -> list[dict]:
    query = Slot.select().where(Slot.provider == provider_id)
    for column, value in where.items():
        query = query.where(getattr(Slot, column) == value)
    return await query.order_by(Slot.starts_at)


async def bookable_starts(provider_id: int, now: datetime) -> list[datetime]:
    """What residents can book now, by the same rule a hold claims with."""
    sql = SqlValues()
    rows = await Slot.raw(
        f"SELECT sl.starts_at FROM slot sl WHERE sl.provider = {sql.bind(provider_id)} "
        f"AND {free_slot_sql('sl', sql, now)}",
        *sql.args,
    )
    return [to_city(instant_from_db(row["starts_at"]), MADRID) for row in rows]


def weekdays(first: date, last: date) -> int:
    return sum(1 for n in range((last - first).days + 1) if (first + timedelta(days=n)).weekday() < 5)


# --- defect: dates far in the future ------------------------------------------------------------


async def test_days_off_and_closed_times_to_the_end_of_the_calendar_cost_only_the_window(database_url):
    provider = await make_listed_provider("Far Off", team=("Ana", "Bea"))  # Mon-Fri 9-18, 30 days
    ana, bea = [
        row["id"]
        for row in await TeamMember.select(TeamMember.id)
        .where(TeamMember.provider == provider)
        .order_by(TeamMember.position)
    ]
    # Rows as old data may hold them, written straight into the tables.
    await TimeOff.insert(
        TimeOff(provider=provider, first_day=date(2026, 12, 7), last_day=END_OF_CALENDAR),
        TimeOff(provider=provider, member=bea, first_day=date(2026, 11, 30), last_day=END_OF_CALENDAR),
    )
    await ClosedTime.insert(
        ClosedTime(
            provider=provider,
            member=ana,
            starts_at=datetime(2026, 11, 26, 23, 0, tzinfo=UTC),  # Friday 27 Nov, midnight in Valencia
            ends_at=datetime(9999, 12, 30, tzinfo=UTC),
        )
    )
    # Saving the hours and adding a service refresh the slots; both used to run out of dates.
    await offers.provider_set_hours(
        provider_id=provider,
        intervals=WEEKDAYS_9_TO_6,
        min_notice_minutes=120,
        horizon_days=30,
        now=TEST_NOW,
        zone=MADRID,
    )
    details = ServiceDetails(
        category_id=(await category("Plumbing"))["id"],
        name="Fix a tap",
        description="",
        duration_minutes=180,
        online_price_cents=5000,
        list_price_cents=6000,
        location=ServiceLocation.customer_address,
        capacity=1,
    )
    await offers.service_create(provider_id=provider, details=details, now=TEST_NOW, zone=MADRID)

    first_service = (
        await Service.select(Service.id).where(Service.provider == provider).order_by(Service.id).first()
    )["id"]
    nine_a_day = {"service": first_service}
    # Ana: weekdays up to Friday 4 Dec, closed from Friday 27 Nov; Bea: up to Friday 27 Nov.
    assert len(await slots_of(provider, member=ana, **nine_a_day)) == 9 * weekdays(
        date(2026, 11, 23), date(2026, 12, 4)
    )
    assert len(await slots_of(provider, member=ana, is_closed=False, **nine_a_day)) == 9 * 4
    assert len(await slots_of(provider, member=bea, **nine_a_day)) == 9 * 5
    new_service = [row for row in await slots_of(provider) if row["service"] != first_service]
    assert len(new_service) == 3 * (weekdays(date(2026, 11, 23), date(2026, 12, 4)) + 5)
    assert max(row["starts_at"] for row in await slots_of(provider)) < datetime(2026, 12, 5, tzinfo=UTC)


async def test_a_stored_horizon_beyond_any_calendar_makes_a_year_of_slots_at_most(database_url):
    provider = await make_listed_provider("Far Ahead", hours=[Interval(0, 9 * 60, 10 * 60)])  # Mondays
    await Provider.update({Provider.horizon_days: 2**31 - 1}).where(Provider.id == provider)
    await slot_services.slots_refresh(provider_id=provider, now=TEST_NOW, zone=MADRID)
    assert len(await slots_of(provider)) == 53  # the Mondays among the 366 days from Sunday 22 Nov


# --- defect: the daily job and one provider's bad rows ------------------------------------------


async def test_the_daily_job_refreshes_every_provider_even_when_one_of_them_fails(database_url, caplog):
    first = await make_listed_provider("First")
    broken = await make_listed_provider("Broken")
    last = await make_listed_provider("Last")
    await TimeOff.insert(TimeOff(provider=last, first_day=date(2027, 3, 1), last_day=END_OF_CALENDAR))
    # A row the slot rules reject: a service lasting no time at all.
    await Service.update({Service.duration_minutes: 0}).where(Service.provider == broken)
    before = len(await slots_of(broken))
    a_week_later = TEST_NOW + timedelta(days=7)  # the window now reaches a week further

    with caplog.at_level(logging.ERROR, logger="cityloop.booking"):
        report = await slots_refresh_all(now=a_week_later, zone=MADRID)

    assert report.refreshed == 2 and report.failed == (broken,)
    assert f"provider {broken} failed" in caplog.text
    last_start = datetime(2026, 12, 28, 16, 0, tzinfo=UTC)  # 17:00 on Monday 28 Dec, the new last day
    for provider in (first, last):
        assert (await slots_of(provider))[-1]["starts_at"] == last_start
    assert len(await slots_of(broken)) == before  # its refresh rolled back: nothing half done


# --- defect: changing hours after a lapsed hold -------------------------------------------------


async def _held_first_slot(capacity: int = 1) -> tuple[int, dict, str, str]:
    provider = await make_listed_provider("Casa Neta", location=ServiceLocation.provider_premises)
    await Service.update({Service.capacity: capacity}).where(Service.provider == provider)
    await Slot.update({Slot.capacity: capacity}).where(Slot.provider == provider)
    service = await Service.select(Service.public_id).where(Service.provider == provider).first()
    slot = (await slots_of(provider))[0]  # Monday 23 Nov, 09:00
    resident = (await make_account("resident@example.com", "Resident")).id
    public_id = await _hold(resident, service["public_id"], slot, now=TEST_NOW)
    return provider, slot, service["public_id"], public_id


async def _hold(resident_id: int, service: str, slot: dict, *, now: datetime) -> str:
    return await services.booking_hold(
        resident_id=resident_id,
        request=HoldRequest(
            provider_slug="casa-neta", service_public_id=service, starts_at=slot["starts_at"]
        ),
        now=now,
        zone=MADRID,
        hold_minutes=10,
    )


async def _set_hours(provider: int, intervals: list[Interval], *, now: datetime = LATER) -> None:
    await offers.provider_set_hours(
        provider_id=provider,
        intervals=intervals,
        min_notice_minutes=120,
        horizon_days=30,
        now=now,
        zone=MADRID,
    )


async def _end_booking(how: str, provider: int, public_id: str) -> None:
    if how == "expired":
        await services.bookings_expire_lapsed(now=LATER)
    elif how == "cancelled":
        booking = await Booking.select(Booking.id).where(Booking.public_id == public_id).first()
        await services.booking_confirm(booking_id=booking["id"], now=TEST_NOW + timedelta(minutes=5))
        await services.booking_cancel_by_provider(
            provider_id=provider, public_id=public_id, reason="Closed that day", now=LATER
        )


@pytest.mark.parametrize("how", ["lapsed", "expired", "cancelled"])
async def test_new_hours_withdraw_a_slot_an_ended_booking_points_at_and_never_sell_it_again(
    database_url, how
):
    provider, slot, service, public_id = await _held_first_slot()
    await _end_booking(how, provider, public_id)

    await _set_hours(provider, SATURDAY_10_TO_12)
    await services.bookings_expire_lapsed(now=LATER)  # the sweep gives a lapsed hold's seat back

    starts = await bookable_starts(provider, LATER)
    assert len(starts) == 4 * 2  # four Saturdays in 30 days, 10:00 and 11:00
    assert all(start.weekday() == 5 and start.hour in (10, 11) for start in starts)
    someone_else = (await make_account("other@example.com", "Other")).id
    with pytest.raises(ConflictError, match="no longer offered"):
        await _hold(someone_else, service, slot, now=LATER)
    booking = await Booking.select(Booking.slot).where(Booking.public_id == public_id).first()
    assert booking["slot"] == slot["id"]
    assert await Slot.exists().where(Slot.id == slot["id"], Slot.booked == 0)
    # Back inside the hours, the same slot is for sale again.
    await _set_hours(provider, WEEKDAYS_9_TO_6)
    await _hold(someone_else, service, slot, now=LATER)


async def test_a_group_session_out_of_the_hours_keeps_its_people_and_sells_no_more_seats(database_url):
    provider, slot, service, public_id = await _held_first_slot(capacity=3)
    await services.bookings_expire_lapsed(now=TEST_NOW)  # nothing lapsed: the hold stays live
    await _set_hours(provider, SATURDAY_10_TO_12, now=TEST_NOW + timedelta(minutes=1))
    assert (await Booking.select(Booking.status).where(Booking.public_id == public_id).first())[
        "status"
    ] == "held"
    someone_else = (await make_account("other@example.com", "Other")).id
    with pytest.raises(ConflictError, match="no longer offered"):
        await _hold(someone_else, service, slot, now=TEST_NOW + timedelta(minutes=2))
    assert (await Slot.select(Slot.booked).where(Slot.id == slot["id"]).first())["booked"] == 1


async def test_a_refresh_that_fails_leaves_the_old_hours_in_place(database_url):
    provider, *_ = await _held_first_slot()
    hours_before = await OpeningHours.select(OpeningHours.weekday, OpeningHours.opens_minute).where(
        OpeningHours.provider == provider
    )
    slots_before = await slots_of(provider)
    # A second service, done by the team, whose row the slot rules reject: the refresh fails
    # once the new hours are written.
    broken = await Service.insert(
        Service(
            public_id="brokenservice",
            provider=provider,
            category=(await category("Plumbing"))["id"],
            name="Broken",
            duration_minutes=0,
            online_price_cents=100,
            list_price_cents=100,
            position=1,
            created_at=TEST_NOW,
        )
    ).returning(Service.id)
    member = (
        await TeamMember.select(TeamMember.id, TeamMember.public_id)
        .where(TeamMember.provider == provider)
        .first()
    )
    await TeamMemberService.insert(TeamMemberService(member=member["id"], service=broken[0]["id"]))

    with pytest.raises(ValueError, match="at least one minute"):
        await offers.provider_set_hours(
            provider_id=provider,
            intervals=SATURDAY_10_TO_12,
            min_notice_minutes=1440,
            horizon_days=7,
            now=LATER,
            zone=MADRID,
        )
    with pytest.raises(ValueError, match="at least one minute"):
        await team_member_set_hours(
            provider_id=provider,
            public_id=member["public_id"],
            intervals=SATURDAY_10_TO_12,
            now=LATER,
            zone=MADRID,
        )

    assert (
        await OpeningHours.select(OpeningHours.weekday, OpeningHours.opens_minute).where(
            OpeningHours.provider == provider
        )
        == hours_before
    )
    rules = await Provider.select(Provider.min_notice_minutes, Provider.horizon_days).where(
        Provider.id == provider
    )
    assert rules == [{"min_notice_minutes": 120, "horizon_days": 30}]
    assert await TeamMemberHours.count().where(TeamMemberHours.member.public_id == member["public_id"]) == 0
    assert await slots_of(provider) == slots_before
