"""Slot refreshes on both engines: bounded by the booking window whatever dates are stored, and
one provider at a time in the daily job."""

import logging
from datetime import UTC, date, datetime, timedelta

from app.booking import services
from app.booking.services import slots_refresh_all
from app.booking.tables import ClosedTime, Slot, TimeOff
from app.catalog import services as catalog
from app.catalog.hours import Interval
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Provider, Service
from app.team.tables import TeamMember
from tests.conftest import TEST_NOW
from tests.factories import MADRID, WEEKDAYS_9_TO_6, category, make_listed_provider

END_OF_CALENDAR = date.max  # 9999-12-31, which old rows may still hold


async def slots_of(provider_id: int, **where) -> list[dict]:
    query = Slot.select().where(Slot.provider == provider_id)
    for column, value in where.items():
        query = query.where(getattr(Slot, column) == value)
    return await query.order_by(Slot.starts_at)


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
    await catalog.provider_set_hours(
        provider, WEEKDAYS_9_TO_6, min_notice_minutes=120, horizon_days=30, now=TEST_NOW, zone=MADRID
    )
    details = catalog.ServiceDetails(
        category_id=(await category("Plumbing"))["id"],
        name="Fix a tap",
        description="",
        duration_minutes=180,
        online_price_cents=5000,
        list_price_cents=6000,
        location=ServiceLocation.customer_address,
        capacity=1,
    )
    await catalog.service_create(provider, details, now=TEST_NOW, zone=MADRID)

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
    await services.slots_refresh(provider, now=TEST_NOW, zone=MADRID)
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
