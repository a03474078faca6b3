"""The platform figures on both engines: weekly buckets in the city's calendar (across a clock
change), money, rates, ratings and sign-ups, and a query count that doesn't grow with the weeks."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app import database
from app.accounts.identity import Role
from app.accounts.tables import UserAccount
from app.admin.queries import platform_figures
from app.booking.tables import Booking, Slot
from app.catalog.tables import Service
from app.payments.tables import Payment, Refund
from app.reviews.tables import Review
from tests.conftest import TEST_NOW
from tests.factories import MADRID, make_account, make_listed_provider

LONG_AGO = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def local(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime:
    """A wall-clock reading in Valencia, as the UTC instant the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=MADRID).astimezone(UTC)


def week_index(monday_month: int, monday_day: int) -> int:
    """Which of the 12 weeks up to TEST_NOW (31 Aug .. 16 Nov 2026) starts on that Monday."""
    return (datetime(2026, monday_month, monday_day) - datetime(2026, 8, 31)).days // 7


@dataclass
class Scene:
    provider: int
    service: int
    slots: list[int]
    resident: int
    used: int = 0

    def next_slot(self) -> int:
        self.used += 1
        return self.slots[self.used - 1]


async def scene() -> Scene:
    """One provider and one resident, signed up long before the weeks the page shows."""
    provider = await make_listed_provider("Casa Neta")
    resident = await make_account("lucia@example.com", "Lucía Soler", now=LONG_AGO)
    await UserAccount.update({UserAccount.created_at: LONG_AGO}, force=True)
    service = await Service.select(Service.id).where(Service.provider == provider).first()
    slots = [row["id"] for row in await Slot.select(Slot.id).where(Slot.provider == provider).limit(60)]
    return Scene(provider, service["id"], slots, resident.id)


async def add_booking(
    scene: Scene,
    status: str,
    *,
    confirmed_at: datetime | None = None,
    ends_at: datetime | None = None,
    released_at: datetime | None = None,
    commission_basis_points: int = 1000,
) -> int:
    ends = ends_at or (confirmed_at or TEST_NOW) + timedelta(days=3)
    made = confirmed_at or ends - timedelta(days=3)
    rows = await Booking.insert(
        Booking(
            public_id=secrets.token_hex(6),
            resident=scene.resident,
            provider=scene.provider,
            service=scene.service,
            slot=scene.next_slot(),
            seat=0,
            status=status,
            starts_at=ends - timedelta(hours=1),
            ends_at=ends,
            held_until=made + timedelta(minutes=10),
            price_cents=6800,
            list_price_cents=8000,
            created_at=made,
            updated_at=made,
            confirmed_at=confirmed_at,
            commission_basis_points=commission_basis_points,
            earning_released_at=released_at,
        )
    ).returning(Booking.id)
    return rows[0]["id"]


async def add_payment(booking_id: int, cents: int, status: str = "succeeded", *, at: datetime) -> int:
    attempt = await Payment.count().where(Payment.booking == booking_id) + 1
    rows = await Payment.insert(
        Payment(
            booking=booking_id,
            attempt=attempt,
            amount_cents=cents,
            currency="EUR",
            status=status,
            created_at=at - timedelta(minutes=1),
            updated_at=at,
            succeeded_at=at if status == "succeeded" else None,
        )
    ).returning(Payment.id)
    return rows[0]["id"]


async def add_refund(booking_id: int, payment_id: int, cents: int, status: str, *, at: datetime) -> None:
    await Refund.insert(
        Refund(
            booking=booking_id,
            payment=payment_id,
            amount_cents=cents,
            status=status,
            reason="Cancelled",
            requested_by="resident",
            created_at=at - timedelta(minutes=5),
            completed_at=None if status == "pending" else at,
        )
    )


async def figures(weeks: int = 12):
    return await platform_figures(now=TEST_NOW, zone=MADRID, weeks=weeks)


async def test_bookings_fall_into_the_city_week_they_were_confirmed_in_across_the_clock_change(database_url):
    place = await scene()
    confirmed = [
        local(10, 25, 23, 30),  # Sunday night after the clocks went back: still the week of 19 Oct
        local(10, 26, 0, 0),  # Monday midnight (23:00 UTC on Sunday): the week of 26 Oct
        local(10, 26, 0, 30),
        local(10, 18, 23, 30),  # summer time, Sunday night: the week of 12 Oct
        local(8, 31, 0, 0),  # the first instant of the window
        local(11, 22, 10, 0),  # this week, half an hour ago
        local(6, 8, 9, 0),  # the previous 12 weeks (8 Jun .. 30 Aug, to Sunday 10:30)
        local(8, 30, 10, 0),  # the previous period's last Sunday, before the same hour as now
        local(8, 30, 11, 0),  # ... and after it: counted in neither period
        local(6, 7, 23, 59),  # before both periods
    ]
    for at in confirmed:
        await add_booking(place, "confirmed", confirmed_at=at)
    await add_booking(place, "held")  # never paid
    await add_booking(place, "cancelled", confirmed_at=local(11, 2, 9))  # confirmed, later cancelled

    result = await figures()

    assert [week.starts_on.isoformat() for week in result.weeks][:2] == ["2026-08-31", "2026-09-07"]
    weekly = [week.tally.bookings for week in result.weeks]
    expected = [0] * 12
    for monday, count in (
        ((8, 31), 1),
        ((10, 12), 1),
        ((10, 19), 1),
        ((10, 26), 2),
        ((11, 2), 1),
        ((11, 16), 1),
    ):
        expected[week_index(*monday)] = count
    assert weekly == expected
    assert (result.current.bookings, result.previous.bookings) == (7, 2)


async def test_money_paid_refunded_and_the_commission_of_released_earnings(database_url):
    place = await scene()
    # Paid in the week of 2 Nov, redeemed the week after: 10 % of €68.
    first = await add_booking(place, "redeemed", confirmed_at=local(11, 3), released_at=local(11, 10))
    await add_payment(first, 6800, at=local(11, 3))
    # A declined card, then a good one (the week of 9 Nov); €10 of it refunded, 15 % commission.
    second = await add_booking(
        place, "redeemed", confirmed_at=local(11, 9), released_at=local(11, 16), commission_basis_points=1500
    )
    await add_payment(second, 5000, "failed", at=local(11, 9, 11))
    paid = await add_payment(second, 5000, at=local(11, 9, 12))
    await add_refund(second, paid, 1000, "succeeded", at=local(11, 12))
    # 10 % of €68.05 is 680.5 cents: one rounding, half up, as in the payouts.
    third = await add_booking(place, "no_show", confirmed_at=local(9, 1), released_at=local(9, 7, 0, 0))
    await add_payment(third, 6805, at=local(9, 1))
    # Cancelled by the resident: half refunded (pending refunds count against the earning), a
    # failed refund attempt doesn't; not released, so no commission.
    fourth = await add_booking(place, "cancelled", confirmed_at=local(10, 20))
    fourth_paid = await add_payment(fourth, 4000, at=local(10, 20))
    await add_refund(fourth, fourth_paid, 2000, "pending", at=local(10, 21))
    await add_refund(fourth, fourth_paid, 2000, "failed", at=local(10, 21))
    await add_payment(await add_booking(place, "held"), 3000, "processing", at=local(11, 20))
    # The previous period: paid and released in July.
    before = await add_booking(place, "redeemed", confirmed_at=local(7, 1), released_at=local(7, 2))
    await add_payment(before, 10000, at=local(7, 1))

    result = await figures()
    by_week = {week.starts_on.isoformat(): week.tally for week in result.weeks}

    assert by_week["2026-11-02"].gmv_cents == 6800 and by_week["2026-11-09"].gmv_cents == 5000
    assert by_week["2026-08-31"].gmv_cents == 6805 and by_week["2026-10-19"].gmv_cents == 4000
    assert by_week["2026-11-16"].gmv_cents == 0  # the processing payment isn't money yet
    assert by_week["2026-11-09"].refunded_cents == 1000 and result.current.refunded_cents == 1000
    assert result.current.gmv_cents == 6800 + 5000 + 6805 + 4000
    assert result.current.refund_rate == 1000 * 100 / 22605
    assert by_week["2026-11-09"].commission_cents == 680  # released on 10 Nov
    assert by_week["2026-11-16"].commission_cents == 600  # 15 % of (5000 - 1000)
    assert by_week["2026-09-07"].commission_cents == 681  # released at midnight starting 7 Sep
    assert result.current.commission_cents == 680 + 600 + 681
    assert (result.previous.gmv_cents, result.previous.commission_cents) == (10000, 1000)
    assert result.previous.refunded_cents == 0 and result.previous.refund_rate == 0


async def test_redemption_rate_ratings_and_sign_ups_by_week(database_url):
    place = await scene()
    for status, ends in [
        ("redeemed", local(11, 16, 10)),
        ("redeemed", local(11, 17, 10)),
        ("redeemed", local(11, 18, 10)),
        ("no_show", local(11, 19, 10)),
        ("no_show", local(10, 25, 23, 30)),  # Sunday night in winter time: the week of 19 Oct
        ("redeemed", local(10, 26, 0, 15)),  # Monday just after midnight: the week of 26 Oct
        ("redeemed", local(11, 22, 11, 0)),  # redeemed at the start of a visit that is still on
        ("confirmed", local(11, 20, 10)),  # over, but not marked by the provider yet
        ("cancelled", local(11, 20, 10)),
        ("no_show", local(7, 15, 10)),  # the previous period
        ("redeemed", local(7, 16, 10)),
    ]:
        await add_booking(place, status, ends_at=ends)

    other = (await make_account("pere@example.com", "Pere Soler", now=LONG_AGO)).id
    approved = [(5, local(11, 18)), (4, local(11, 2)), (3, local(7, 1))]
    for stars, at in approved:
        await Review.insert(
            Review(provider=place.provider, author=other, stars=stars, status="approved", created_at=at)
        )
    for status in ("pending", "rejected", "deleted"):
        await Review.insert(
            Review(provider=place.provider, author=other, stars=1, status=status, created_at=local(11, 18))
        )

    for email, at in [
        ("new1@example.com", local(11, 16, 0, 5)),
        ("new2@example.com", local(11, 22, 10, 29)),
        ("new3@example.com", local(10, 26, 0, 0)),
        ("old@example.com", local(8, 1)),
    ]:
        await make_account(email, "New Resident", now=at)
    await make_account(
        "shop@example.com",
        "Shop Owner",
        role=Role.provider,
        business_name="Fusteria Roig",
        now=local(10, 25, 23),
    )
    await make_account("boss@example.com", "Marta Ferrer", role=Role.admin, now=local(11, 18))

    result = await figures()
    by_week = {week.starts_on.isoformat(): week.tally for week in result.weeks}

    this_week = by_week["2026-11-16"]
    assert (this_week.redeemed, this_week.no_shows, this_week.redemption_rate) == (3, 1, 75.0)
    assert by_week["2026-10-19"].redemption_rate == 0.0 and by_week["2026-10-26"].redemption_rate == 100.0
    assert by_week["2026-11-09"].redemption_rate is None  # no visits that week
    assert (result.current.redeemed, result.current.no_shows) == (4, 2)
    assert result.previous.redemption_rate == 50.0

    assert (this_week.reviews, this_week.stars) == (1, 5)
    assert result.current.average_rating == 4.5 and result.current.reviews == 2
    assert result.previous.average_rating == 3.0

    assert (this_week.new_residents, by_week["2026-10-26"].new_residents) == (2, 1)
    assert by_week["2026-10-19"].new_providers == 1 and result.current.new_providers == 1
    assert (result.current.new_residents, result.previous.new_residents) == (3, 1)
    assert sum(week.tally.new_residents + week.tally.new_providers for week in result.weeks) == 4  # no admins


async def test_an_empty_platform_has_zero_weeks_and_no_rates(database_url):
    result = await figures(weeks=4)
    assert [week.starts_on.isoformat() for week in result.weeks] == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
    ]
    assert all(week.tally.bookings == week.tally.gmv_cents == 0 for week in result.weeks)
    assert result.current.redemption_rate is None and result.current.refund_rate is None
    assert result.current.average_rating is None and result.previous.bookings == 0


async def test_the_page_runs_the_same_few_queries_for_4_or_52_weeks(database_url):
    place = await scene()
    for week in range(60):
        at = TEST_NOW - timedelta(weeks=week, hours=3)  # Sundays, a little before now
        booking = await add_booking(place, "redeemed", confirmed_at=at, ends_at=at, released_at=at)
        await add_payment(booking, 1000, at=at)
    counts = []
    for weeks in (4, 12, 52):
        with database.count_queries() as queries:
            result = await figures(weeks)
        counts.append(queries[0])
        assert [week.tally.bookings for week in result.weeks] == [1] * weeks
        assert result.current.commission_cents == 100 * weeks
        assert result.previous.bookings == min(weeks, 60 - weeks)
    assert counts[0] == counts[1] == counts[2] <= 7
