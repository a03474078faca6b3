"""Team scheduling on both engines: a person is booked once, whichever service is sold."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from datetime import date, datetime, time, timedelta

import pytest

from app import database
from app.accounts.tables import UserAccount
from app.booking import queries, services, slot_services
from app.booking.availability import Claim, MemberSlot, free_starts
from app.booking.offer_services import provider_set_hours
from app.booking.policy import STANDARD_POLICY
from app.booking.services import HoldRequest
from app.booking.state import Status
from app.booking.tables import Booking, ClosedTime, Slot
from app.catalog.hours import Interval
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Provider, Service, TeamMember
from app.shared.citytime import city_day_bounds, city_to_utc
from app.shared.errors import ConflictError, DomainError
from app.team import services as team
from app.team.queries import team_of
from tests.conftest import TEST_NOW
from tests.factories import MADRID, make_listed_provider

MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
HOLD = 10
# Four services whose start times fall on different grids, so their times overlap.
FOUR = (
    ("Fix a tap", 5000, 6000),
    ("Unblock a drain", 6800, 8000),
    ("Boiler check", 7000, 9000),
    ("Leak", 4000, 5000),
)
DURATIONS = (60, 90, 45, 30)


def monday(hour: int, minute: int = 0) -> datetime:
    return city_to_utc(MONDAY, time(hour, minute), MADRID)


def tuesday(hour: int, minute: int = 0) -> datetime:
    """More than a day ahead: times can still be changed."""
    return city_to_utc(TUESDAY, time(hour, minute), MADRID)


async def setup(
    team_names: tuple[str, ...] = (), *, buffer: int = 0, name: str = "Fontanería Russafa"
) -> dict:
    """A provider open 9:00-18:00 on weekdays with four services of different lengths."""
    provider_id = await make_listed_provider(
        name, services=FOUR, team=team_names, location=ServiceLocation.provider_premises
    )
    rows = await Service.select(Service.id, Service.public_id, Service.name).where(
        Service.provider == provider_id
    )
    by_name = {row["name"]: row for row in rows}
    for (service_name, *_), minutes in zip(FOUR, DURATIONS, strict=True):
        await Service.update({Service.duration_minutes: minutes}).where(
            Service.id == by_name[service_name]["id"]
        )
    await Provider.update({Provider.buffer_minutes: buffer}).where(Provider.id == provider_id)
    await slot_services.slots_refresh(provider_id=provider_id, now=TEST_NOW, zone=MADRID)
    slug = (await Provider.select(Provider.slug).where(Provider.id == provider_id).first())["slug"]
    return {
        "id": provider_id,
        "slug": slug,
        "services": [by_name[n] for n, *_ in FOUR],
        "team": await team_of(provider_id),
    }


async def residents(count: int) -> list[int]:
    rows = await UserAccount.insert(
        *(
            UserAccount(
                email=f"r{n}-{secrets.token_hex(3)}@example.com",
                display_name=f"Resident {n}",
                password_hash="!",
                role="resident",
                created_at=TEST_NOW,
            )
            for n in range(count)
        )
    ).returning(UserAccount.id)
    return [row["id"] for row in rows]


async def hold(
    provider: dict, service: dict, starts_at: datetime, resident: int, *, member: str = "", now=TEST_NOW
):
    return await services.booking_hold(
        resident_id=resident,
        request=HoldRequest(provider["slug"], service["public_id"], starts_at, member_public_id=member),
        now=now,
        zone=MADRID,
        hold_minutes=HOLD,
    )


async def booking(public_id: str) -> dict:
    return await Booking.select().where(Booking.public_id == public_id).first()


async def times(service: dict, day: date = MONDAY, **within) -> list[datetime]:
    return await queries.service_day_times(service["id"], day, now=TEST_NOW, zone=MADRID, **within)


async def test_a_one_person_business_is_never_sold_two_overlapping_visits(database_url):
    provider = await setup()
    tap, drain, _boiler, leak = provider["services"]
    (ana, luis) = await residents(2)
    assert monday(10, 30) in await times(drain)
    await hold(provider, tap, monday(10), ana)  # 10:00-11:00
    # The drain's 9:00 (to 10:30) and 10:30 (to 12:00) overlap the tap; its 12:00 doesn't.
    assert monday(9) not in await times(drain) and monday(10, 30) not in await times(drain)
    assert monday(12) in await times(drain)
    assert [t for t in await times(leak) if monday(10) <= t < monday(11)] == []
    with pytest.raises(ConflictError, match="just taken"):
        await hold(provider, drain, monday(10, 30), luis)
    assert await Booking.count().where(Booking.provider == provider["id"]) == 1


async def test_two_people_take_two_overlapping_visits_and_a_third_resident_is_refused(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, drain, boiler, _ = provider["services"]
    first, second, third = await residents(3)
    one = await booking(await hold(provider, tap, monday(10), first))
    two = await booking(await hold(provider, drain, monday(10, 30), second))
    assert {one["member"], two["member"]} == {m.id for m in provider["team"]}
    # 10:30-11:15 overlaps the tap (Javier) and the drain (Marta); 9:45-10:30 ends as Marta starts.
    assert monday(10, 30) not in await times(boiler) and monday(9, 45) in await times(boiler)
    with pytest.raises(ConflictError, match="just taken"):
        await hold(provider, boiler, monday(10, 30), third)


async def test_anyone_available_shares_the_work_and_a_requested_person_is_kept(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, *_ = provider["services"]
    javier, marta = provider["team"]
    a, b, c = await residents(3)
    first = await booking(await hold(provider, tap, monday(9), a))
    assert first["member"] == javier.id and not first["member_requested"]  # team order breaks the tie
    second = await booking(await hold(provider, tap, monday(11), b))
    assert second["member"] == marta.id  # Javier has a visit that day already
    asked = await booking(await hold(provider, tap, monday(13), c, member=javier.public_id))
    assert asked["member"] == javier.id and asked["member_requested"]
    assert monday(13) not in await times(tap, member_id=javier.id)
    assert monday(13) in await times(tap, member_id=marta.id) and monday(13) in await times(tap)


async def test_a_person_who_doesnt_work_then_or_left_the_team_is_refused_with_a_reason(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, *_ = provider["services"]
    _javier, marta = provider["team"]
    await team.team_member_set_hours(
        provider_id=provider["id"],
        public_id=marta.public_id,
        intervals=[Interval(0, 14 * 60, 18 * 60)],
        now=TEST_NOW,
        zone=MADRID,
    )
    (resident,) = await residents(1)
    with pytest.raises(ConflictError, match="Marta doesn't work at that time"):
        await hold(provider, tap, monday(10), resident, member=marta.public_id)
    with pytest.raises(ConflictError, match="isn't on this team"):
        await hold(provider, tap, monday(10), resident, member="0123456789ab")


@pytest.mark.parametrize("team_names", [(), ("Javier", "Marta")])
async def test_two_hundred_residents_across_four_overlapping_services(database_url, team_names):
    """The cross-service race: exactly as many holds succeed as there are people, the rest are refused."""
    provider = await setup(team_names)
    people = await residents(200)
    # Each service's start that overlaps 10:15 on Monday.
    targets = []
    for service in provider["services"]:
        offered = await times(service)
        starts = [t for t in offered if t <= monday(10, 15)]
        targets.append((service, starts[-1]))
    engine = database.current_engine()
    await database.open_pool(engine, max_size=40)  # PostgreSQL: the way the site connects

    async def attempt(n: int):
        service, starts_at = targets[n % 4]
        return await hold(provider, service, starts_at, people[n])

    try:
        results = await asyncio.gather(*(attempt(n) for n in range(200)), return_exceptions=True)
    finally:
        await database.close_pool(engine)
    won = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(won) == max(1, len(team_names))
    assert len(refused) == 200 - len(won), [r for r in results if not isinstance(r, str | ConflictError)]
    live = await Booking.select(Booking.member, Booking.starts_at, Booking.claim_until).where(
        Booking.provider == provider["id"], Booking.status == Status.held.value
    )
    assert len({row["member"] for row in live}) == len(live) == len(won)


async def test_the_database_refuses_overlapping_bookings_of_one_member_even_if_code_skipped_the_check(
    database_url,
):
    provider = await setup()
    tap, drain, *_ = provider["services"]
    first, second = await residents(2)
    held = await booking(await hold(provider, tap, monday(10), first))
    drain_slot = (
        await Slot.select().where(Slot.service == drain["id"], Slot.starts_at == monday(10, 30)).first()
    )
    forged = {key: value for key, value in held.items() if key != "id"}
    forged.update(
        public_id="forged",
        resident=second,
        service=drain["id"],
        slot=drain_slot["id"],
        starts_at=drain_slot["starts_at"],
        ends_at=drain_slot["ends_at"],
        claim_until=drain_slot["claim_until"],
        redemption_code=None,
    )
    with pytest.raises(Exception) as raised:
        await Booking.insert(Booking(**forged))
    assert database.is_overlap_violation(raised.value)
    # Ended bookings don't count: the same row, cancelled, goes in.
    await Booking.insert(Booking(**{**forged, "status": Status.cancelled.value}))
    cancelled = await booking("forged")
    # ... but bringing it back to life, or moving a live one onto the tap's time, is refused too.
    with pytest.raises(Exception) as raised:
        await Booking.update({Booking.status: Status.confirmed.value}).where(Booking.id == cancelled["id"])
    assert database.is_overlap_violation(raised.value)


async def test_seats_of_one_group_session_share_their_instructor(database_url):
    provider = await setup()
    tap, *_ = provider["services"]
    await Service.update({Service.capacity: 3}).where(Service.id == tap["id"])
    await slot_services.slots_refresh(provider_id=provider["id"], now=TEST_NOW, zone=MADRID)
    people = await residents(4)
    seats = [await booking(await hold(provider, tap, monday(10), r)) for r in people[:3]]
    assert sorted(s["seat"] for s in seats) == [0, 1, 2] and len({s["member"] for s in seats}) == 1
    with pytest.raises(ConflictError):
        await hold(provider, tap, monday(10), people[3])


async def test_the_buffer_keeps_the_person_for_the_journey_to_the_next_customer(database_url):
    provider = await setup(buffer=30)
    tap, _drain, _, leak = provider["services"]
    (resident,) = await residents(1)
    # Slots are the visit plus the journey apart: the tap at 9:00, 10:30, 12:00; the leak hourly.
    assert monday(10) not in await times(tap)
    await hold(provider, tap, monday(10, 30), resident)  # busy 10:30-12:00 with the journey
    free_leak = await times(leak)
    assert monday(10) not in free_leak  # 10:00-10:30, then its own journey until 11:00
    assert monday(11) not in free_leak and monday(12) in free_leak
    assert (await Slot.select(Slot.claim_until).where(Slot.service == leak["id"]).first())[
        "claim_until"
    ] is not None


async def test_own_hours_and_days_off_of_one_member_leave_the_others_alone(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, drain, *_ = provider["services"]
    javier, marta = provider["team"]
    await team.team_member_set_hours(
        provider_id=provider["id"],
        public_id=marta.public_id,
        intervals=[Interval(0, 14 * 60, 18 * 60)],
        now=TEST_NOW,
        zone=MADRID,
    )
    assert min(await times(tap, member_id=marta.id)) == monday(14)
    await services.time_off_add(
        provider_id=provider["id"],
        member_id=javier.id,
        first_day=MONDAY,
        last_day=MONDAY,
        note="",
        now=TEST_NOW,
        zone=MADRID,
    )
    assert await times(tap, member_id=javier.id) == []
    assert min(await times(tap)) == monday(14)  # only Marta, only her hours
    await services.time_off_add(
        provider_id=provider["id"], first_day=MONDAY, last_day=MONDAY, note="", now=TEST_NOW, zone=MADRID
    )
    assert await times(drain) == []


async def test_a_closed_time_of_a_member_applies_to_every_service_they_do(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, drain, *_ = provider["services"]
    javier, marta = provider["team"]
    slot = (
        await Slot.select()
        .where(Slot.service == tap["id"], Slot.member == javier.id, Slot.starts_at == monday(10))
        .first()
    )
    await services.slot_set_closed(provider_id=provider["id"], slot_id=slot["id"], closed=True, now=TEST_NOW)
    assert monday(10, 30) not in await times(drain, member_id=javier.id)  # 10:30-12:00 overlaps 10-11
    assert monday(10, 30) in await times(drain, member_id=marta.id)
    assert monday(10, 30) in await times(drain)
    # A refresh (hours changed) keeps the closed time: it is the member's, not the slot's.
    await slot_services.slots_refresh(provider_id=provider["id"], now=TEST_NOW, zone=MADRID)
    assert monday(10, 30) not in await times(drain, member_id=javier.id)
    await services.slot_set_closed(
        provider_id=provider["id"], slot_id=slot["id"], closed=True, now=TEST_NOW, everyone=True
    )
    assert monday(10) not in await times(tap)
    await services.slot_set_closed(
        provider_id=provider["id"], slot_id=slot["id"], closed=False, now=TEST_NOW, everyone=True
    )
    assert monday(10) in await times(tap, member_id=javier.id) and monday(10, 30) in await times(
        drain, member_id=javier.id
    )
    assert await ClosedTime.count().where(ClosedTime.provider == provider["id"]) == 0


async def test_closing_a_day_for_one_member_keeps_the_others_times(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, *_ = provider["services"]
    javier, marta = provider["team"]
    start, end = city_day_bounds(MONDAY, MADRID)
    await services.day_set_closed(
        provider_id=provider["id"],
        day_start=start,
        day_end=end,
        closed=True,
        now=TEST_NOW,
        member_id=javier.id,
    )
    assert await times(tap, member_id=javier.id) == [] and await times(tap, member_id=marta.id)
    await services.day_set_closed(
        provider_id=provider["id"],
        day_start=start,
        day_end=end,
        closed=False,
        now=TEST_NOW,
        member_id=javier.id,
    )
    assert await times(tap, member_id=javier.id)


async def test_a_new_time_keeps_the_person_asked_for_and_otherwise_takes_whoever_is_free(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, drain, *_ = provider["services"]
    javier, marta = provider["team"]
    a, b, c = await residents(3)
    asked = await hold(provider, tap, tuesday(10), a, member=marta.public_id)
    anyone = await hold(provider, tap, tuesday(11), b)
    for public_id in (asked, anyone):
        await services.booking_confirm(booking_id=(await booking(public_id))["id"], now=TEST_NOW)
    # Someone else has Marta at 14:00; Javier is free then.
    await hold(provider, drain, tuesday(13, 30), c, member=marta.public_id)
    with pytest.raises(ConflictError):
        await services.booking_reschedule(
            resident_id=a,
            public_id=asked,
            starts_at=tuesday(14),
            now=TEST_NOW,
            zone=MADRID,
            policy=STANDARD_POLICY,
        )
    assert (await booking(asked))["starts_at"] == tuesday(10)
    moved_from = (await booking(anyone))["member"]
    await services.booking_reschedule(
        resident_id=b,
        public_id=anyone,
        starts_at=tuesday(14),
        now=TEST_NOW,
        zone=MADRID,
        policy=STANDARD_POLICY,
    )
    row = await booking(anyone)
    assert row["starts_at"] == tuesday(14) and row["member"] == javier.id and moved_from == javier.id
    # New hours put the tap's times on the half hour; 10:30-11:30 overlaps the booking's own
    # 10:00-11:00, which doesn't stand in its own way when it moves there with Marta.
    await Provider.update({Provider.buffer_minutes: 0}).where(Provider.id == provider["id"])
    await provider_set_hours(
        provider_id=provider["id"],
        intervals=[Interval(day, 9 * 60 + 30, 18 * 60) for day in range(5)],
        min_notice_minutes=120,
        horizon_days=30,
        now=TEST_NOW,
        zone=MADRID,
    )
    assert tuesday(10, 30) not in await times(tap, TUESDAY, member_id=marta.id)
    assert tuesday(10, 30) in await times(
        tap, TUESDAY, member_id=marta.id, ignoring_booking=(await booking(asked))["id"]
    )
    await services.booking_reschedule(
        resident_id=a,
        public_id=asked,
        starts_at=tuesday(10, 30),
        now=TEST_NOW,
        zone=MADRID,
        policy=STANDARD_POLICY,
    )
    row = await booking(asked)
    assert (row["member"], row["starts_at"]) == (marta.id, tuesday(10, 30))


async def test_the_provider_gives_a_booking_to_someone_free_and_not_to_someone_busy(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, drain, *_ = provider["services"]
    javier, marta = provider["team"]
    a, b = await residents(2)
    mine = await hold(provider, tap, monday(10), a, member=javier.public_id)
    await services.booking_confirm(booking_id=(await booking(mine))["id"], now=TEST_NOW)
    await hold(provider, drain, monday(9), b, member=marta.public_id)  # Marta busy 9:00-10:30
    with pytest.raises(ConflictError, match="Marta is busy"):
        await services.booking_assign_member(
            provider_id=provider["id"], public_id=mine, member_public_id=marta.public_id, now=TEST_NOW
        )
    assert (await booking(mine))["member"] == javier.id
    other = await hold(provider, drain, monday(12), b, member=javier.public_id)
    await services.booking_assign_member(
        provider_id=provider["id"], public_id=other, member_public_id=marta.public_id, now=TEST_NOW
    )
    row = await booking(other)
    assert row["member"] == marta.id and not row["member_requested"]
    javier_slot = (
        await Slot.select(Slot.booked)
        .where(Slot.service == drain["id"], Slot.member == javier.id, Slot.starts_at == monday(12))
        .first()
    )
    assert javier_slot["booked"] == 0
    with pytest.raises(DomainError, match="already"):
        await services.booking_assign_member(
            provider_id=provider["id"], public_id=other, member_public_id=marta.public_id, now=TEST_NOW
        )


async def test_someone_with_upcoming_bookings_leaves_only_once_they_are_handed_over(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, *_ = provider["services"]
    javier, marta = provider["team"]
    (a,) = await residents(1)
    mine = await hold(provider, tap, monday(10), a, member=javier.public_id)
    with pytest.raises(ConflictError, match="Javier has 1 upcoming"):
        await team.team_member_set_active(
            provider_id=provider["id"], public_id=javier.public_id, active=False, now=TEST_NOW, zone=MADRID
        )
    assert (await TeamMember.select(TeamMember.is_active).where(TeamMember.id == javier.id).first())[
        "is_active"
    ]
    kept = await services.bookings_hand_over(
        provider_id=provider["id"],
        from_member_id=javier.id,
        to_member_public_id=marta.public_id,
        now=TEST_NOW,
    )
    assert kept == [] and (await booking(mine))["member"] == marta.id
    await team.team_member_set_active(
        provider_id=provider["id"], public_id=javier.public_id, active=False, now=TEST_NOW, zone=MADRID
    )
    assert await Slot.count().where(Slot.member == javier.id, Slot.booked == 0) == 0
    with pytest.raises(ConflictError, match="only active person"):
        await team.team_member_set_active(
            provider_id=provider["id"], public_id=marta.public_id, active=False, now=TEST_NOW, zone=MADRID
        )
    await team.team_member_set_active(
        provider_id=provider["id"], public_id=javier.public_id, active=True, now=TEST_NOW, zone=MADRID
    )
    assert await times(tap, member_id=javier.id)


async def test_a_hold_racing_a_departure_never_leaves_a_booking_with_someone_gone(database_url):
    for round_ in range(5):
        provider = await setup(("Javier", "Marta"), name=f"Race {round_}")
        tap, *_ = provider["services"]
        javier, _ = provider["team"]
        (a,) = await residents(1)
        results = await asyncio.gather(
            hold(provider, tap, monday(10), a, member=javier.public_id),
            team.team_member_set_active(
                provider_id=provider["id"],
                public_id=javier.public_id,
                active=False,
                now=TEST_NOW,
                zone=MADRID,
            ),
            return_exceptions=True,
        )
        assert all(not isinstance(r, Exception) or isinstance(r, ConflictError) for r in results), results
        active = (await TeamMember.select(TeamMember.is_active).where(TeamMember.id == javier.id).first())[
            "is_active"
        ]
        live = await Booking.count().where(Booking.member == javier.id, Booking.status == Status.held.value)
        assert not (live and not active)


async def test_money_arriving_after_the_hold_goes_to_whoever_is_still_free(database_url):
    provider = await setup(("Javier", "Marta"))
    tap, drain, *_ = provider["services"]
    javier, marta = provider["team"]
    a, b = await residents(2)
    late = await hold(provider, tap, monday(10), a)
    assert (await booking(late))["member"] == javier.id
    later = TEST_NOW + timedelta(minutes=HOLD + 1)
    await hold(provider, drain, monday(9), b, member=javier.public_id, now=later)  # Javier's time goes
    confirmed = await services.booking_confirm(booking_id=(await booking(late))["id"], now=later, late=True)
    assert confirmed["status"] == Status.confirmed.value and confirmed["member"] == marta.id


async def test_free_times_read_by_sql_match_the_rules_after_random_bookings(database_url):
    """The SQL that offers times says exactly what the pure rules say, booking after booking."""
    provider = await setup(("Javier", "Marta"), buffer=15)
    rng = random.Random(12)
    people = await residents(60)
    for resident in people:
        service = rng.choice(provider["services"])
        candidates = await times(service)
        if not candidates:
            continue
        member = rng.choice(["", *(m.public_id for m in provider["team"])])
        with contextlib.suppress(ConflictError):
            await hold(provider, service, rng.choice(candidates), resident, member=member)
    slots = await Slot.select().where(Slot.provider == provider["id"])
    live = await Booking.select().where(
        Booking.provider == provider["id"], Booking.status == Status.held.value
    )
    claims = [Claim(b["member"], b["slot"], b["starts_at"], b["claim_until"]) for b in live]
    start, end = city_day_bounds(MONDAY, MADRID)
    for service in provider["services"]:
        rows = [s for s in slots if s["service"] == service["id"] and start <= s["starts_at"] < end]
        expected = free_starts(
            [
                MemberSlot(
                    s["id"],
                    s["member"],
                    s["starts_at"],
                    s["ends_at"],
                    s["claim_until"],
                    s["capacity"],
                    s["booked"],
                    s["is_closed"],
                    s["book_by"],
                )
                for s in rows
            ],
            claims,
            now=TEST_NOW,
        )
        assert await times(service) == expected
    for n, first in enumerate(claims):
        for second in claims[n + 1 :]:
            if first.member_id == second.member_id:
                assert first.claim_until <= second.starts_at or second.claim_until <= first.starts_at


async def test_a_new_time_and_a_hold_racing_for_one_person_never_both_win(database_url):
    """Moving a booking goes through the same guard as holding one: one of the two gets the person."""
    for round_ in range(4):
        provider = await setup(name=f"Moves {round_}")
        tap, drain, *_ = provider["services"]
        a, b = await residents(2)
        mine = await hold(provider, tap, tuesday(10), a)
        await services.booking_confirm(booking_id=(await booking(mine))["id"], now=TEST_NOW)
        results = await asyncio.gather(
            services.booking_reschedule(
                resident_id=a,
                public_id=mine,
                starts_at=tuesday(14),
                now=TEST_NOW,
                zone=MADRID,
                policy=STANDARD_POLICY,
            ),
            hold(provider, drain, tuesday(13, 30), b),  # 13:30-15:00 overlaps 14:00-15:00
            return_exceptions=True,
        )
        won = [r for r in results if not isinstance(r, Exception)]
        assert len(won) == 1 and all(
            isinstance(r, ConflictError) for r in results if isinstance(r, Exception)
        )


async def test_giving_a_booking_away_and_a_hold_racing_for_one_person_never_both_win(database_url):
    for round_ in range(4):
        provider = await setup(("Javier", "Marta"), name=f"Hand over {round_}")
        tap, drain, *_ = provider["services"]
        javier, marta = provider["team"]
        a, b = await residents(2)
        mine = await hold(provider, tap, monday(10), a, member=javier.public_id)
        results = await asyncio.gather(
            services.booking_assign_member(
                provider_id=provider["id"], public_id=mine, member_public_id=marta.public_id, now=TEST_NOW
            ),
            hold(provider, drain, monday(10, 30), b, member=marta.public_id),
            return_exceptions=True,
        )
        won = [r for r in results if not isinstance(r, Exception)]
        assert len(won) == 1 and all(
            isinstance(r, ConflictError) for r in results if isinstance(r, Exception)
        )
        live = await Booking.select(Booking.member, Booking.starts_at, Booking.claim_until).where(
            Booking.provider == provider["id"],
            Booking.member == marta.id,
            Booking.status == Status.held.value,
        )
        assert len(live) == 1
