"""The team migration, and the withdrawn slots after it, run forwards on a database that already
holds bookings, on both engines."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from piccolo.querystring import QueryString

from app import database
from app.booking import queries
from app.booking.tables import Booking, ClosedTime, Slot
from app.catalog.tables import Service, TeamMember, TeamMemberService
from app.settings import PROJECT_ROOT
from tests.conftest import TEST_NOW, migrate

BEFORE_TEAMS = "2026-11-22T09:40:00:000000"  # the last migration before team scheduling
WITH_TEAMS = "2026-12-02T12:27:00:000000"  # the last one before withdrawn slots
MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Valencia


def _migrated_until(request, tmp_path, migration_id: str) -> str:
    """A database on the test's engine migrated only as far as ``migration_id``."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_databases").create(migrated=False)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "piccolo.main",
            "migrations",
            "forwards",
            "cityloop",
            f"--migration_id={migration_id}",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url, "APP_ENV": "test"},
        check=True,
        capture_output=True,
    )
    database.bind(database.engine_from_url(url))
    return url


ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def old_database_url(request, tmp_path) -> str:
    """A database migrated only as far as it was before teams existed."""
    return _migrated_until(request, tmp_path, BEFORE_TEAMS)


@pytest.fixture(params=ENGINES)
def teams_database_url(request, tmp_path) -> str:
    """A database migrated as far as team scheduling, before slots could be withdrawn."""
    return _migrated_until(request, tmp_path, WITH_TEAMS)


async def run(sql: str, *values):
    return await database.current_engine().run_querystring(QueryString(sql, *values))


async def insert(table: str, **row) -> int:
    columns = ", ".join(row)
    marks = ", ".join("{}" for _ in row)
    rows = await run(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id", *row.values())
    return rows[0]["id"]


async def old_city() -> dict:
    """What main held before teams: a crew service at home for two, and visits sold at overlapping times."""
    owner = await insert(
        "user_account",
        email="vicent@example.com",
        display_name="Vicent Puig",
        password_hash="!",
        role="provider",
        is_active=True,
        created_at=TEST_NOW,
    )
    residents = [
        await insert(
            "user_account",
            email=f"r{n}@example.com",
            display_name=f"Resident {n}",
            password_hash="!",
            role="resident",
            is_active=True,
            created_at=TEST_NOW,
        )
        for n in range(4)
    ]
    place = await insert(
        "neighbourhood", name="Russafa", slug="russafa", latitude=39.46, longitude=-0.37, position=0
    )
    kind = await insert("category", name="Plumbing", slug="plumbing", description="", position=0)
    provider = await insert(
        "provider",
        slug="fontaneria-russafa",
        name="Fontanería Russafa",
        description="",
        owner=owner,
        neighbourhood=place,
        address="",
        phone="",
        is_verified=True,
        verification_note="",
        is_suspended=False,
        search_text="",
        min_notice_minutes=120,
        horizon_days=30,
        buffer_minutes=15,
        calendar_token="t",
        rating_count=0,
        rating_sum=0,
        created_at=TEST_NOW,
    )
    common = {
        "provider": provider,
        "category": kind,
        "description": "",
        "is_archived": False,
        "rating_count": 0,
        "rating_sum": 0,
        "position": 0,
        "created_at": TEST_NOW,
    }
    crews = await insert(
        "service",
        public_id="crews0000001",
        name="Unblock a drain",
        duration_minutes=60,
        online_price_cents=6800,
        list_price_cents=8000,
        location="customer_address",
        capacity=2,
        **common,
    )
    premises = await insert(
        "service",
        public_id="premises0001",
        name="Fit a tap",
        duration_minutes=90,
        online_price_cents=5000,
        list_price_cents=6000,
        location="provider_premises",
        capacity=1,
        **common,
    )

    async def slot(
        service: int, starts: datetime, minutes: int, capacity: int, booked: int, closed=False
    ) -> int:
        return await insert(
            "slot",
            service=service,
            provider=provider,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
            book_by=starts - timedelta(hours=2),
            capacity=capacity,
            booked=booked,
            is_closed=closed,
        )

    drain_10 = await slot(crews, MONDAY_10, 60, 2, 2)
    tap_1030 = await slot(premises, MONDAY_10 + timedelta(minutes=30), 90, 1, 1)
    closed_12 = await slot(crews, MONDAY_10 + timedelta(hours=2), 60, 2, 0, closed=True)
    drain_13 = await slot(crews, MONDAY_10 + timedelta(hours=3), 60, 2, 0)

    async def booking(
        public_id: str,
        resident: int,
        service: int,
        slot_id: int,
        seat: int,
        status: str,
        starts,
        minutes: int,
        created: datetime,
    ) -> int:
        return await insert(
            "booking",
            public_id=public_id,
            resident=resident,
            provider=provider,
            service=service,
            slot=slot_id,
            seat=seat,
            status=status,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
            held_until=created + timedelta(minutes=10),
            price_cents=6800,
            list_price_cents=8000,
            address="Sueca 1",
            note="",
            created_at=created,
            cancelled_by="",
            cancel_reason="",
            updated_at=created,
            commission_basis_points=1000,
        )

    early = TEST_NOW - timedelta(days=3)
    await booking("first0000001", residents[0], crews, drain_10, 0, "confirmed", MONDAY_10, 60, early)
    await booking(
        "crew20000001",
        residents[1],
        crews,
        drain_10,
        1,
        "confirmed",
        MONDAY_10,
        60,
        early + timedelta(hours=1),
    )
    await booking(
        "overlap00001",
        residents[2],
        premises,
        tap_1030,
        0,
        "confirmed",
        MONDAY_10 + timedelta(minutes=30),
        90,
        early + timedelta(hours=2),
    )
    await booking(
        "cancelled001",
        residents[3],
        crews,
        drain_13,
        0,
        "cancelled",
        MONDAY_10 + timedelta(hours=3),
        60,
        early,
    )
    return {"provider": provider, "owner": owner, "crews": crews, "premises": premises, "closed": closed_12}


async def test_existing_providers_slots_and_bookings_become_their_owners_and_overlaps_wait_for_a_person(
    old_database_url,
):
    city = await old_city()
    migrate(old_database_url)
    (member,) = await TeamMember.select().where(TeamMember.provider == city["provider"])
    assert member["name"] == "Vicent Puig" and member["is_active"]
    performs = await TeamMemberService.select(TeamMemberService.service).where(
        TeamMemberService.member == member["id"]
    )
    assert sorted(row["service"] for row in performs) == sorted([city["crews"], city["premises"]])
    # One person can't be in two homes at once: the crew service now takes one customer at a time.
    assert (await Service.select(Service.capacity).where(Service.id == city["crews"]).first())[
        "capacity"
    ] == 1
    slots = await Slot.select().where(Slot.provider == city["provider"])
    assert all(s["member"] == member["id"] for s in slots)
    assert all(s["claim_until"] == s["ends_at"] + timedelta(minutes=15) for s in slots)
    by_id = {b["public_id"]: b for b in await Booking.select()}
    assert by_id["first0000001"]["member"] == member["id"]  # sold first, kept
    assert by_id["crew20000001"]["member"] is None  # the second crew's visit at the same time
    assert by_id["overlap00001"]["member"] is None  # overlaps the first, another service
    assert by_id["cancelled001"]["member"] == member["id"]  # history keeps who it was
    assert by_id["first0000001"]["claim_until"] == MONDAY_10 + timedelta(minutes=75)
    waiting = await queries.unassigned_bookings(city["provider"], now=TEST_NOW)
    assert sorted(view.public_id for view in waiting) == ["crew20000001", "overlap00001"]
    closed = await ClosedTime.select().where(ClosedTime.member == member["id"])
    assert [(c["starts_at"], c["ends_at"]) for c in closed] == [
        (MONDAY_10 + timedelta(hours=2), MONDAY_10 + timedelta(hours=3))
    ]
    # From now on the database itself refuses a second live booking of the owner at that time.
    first = by_id["first0000001"]
    with pytest.raises(Exception) as raised:
        await Booking.update({Booking.member: member["id"]}).where(Booking.public_id == "overlap00001")
    assert database.is_overlap_violation(raised.value)
    assert first["status"] == "confirmed"
    migrate(old_database_url)  # a second run changes nothing
    assert await TeamMember.count() == 1


async def test_an_empty_database_migrates_straight_to_teams(old_database_url):
    migrate(old_database_url)
    assert await TeamMember.count() == 0 and await Booking.count() == 0


async def test_slots_kept_without_seats_become_withdrawn_and_get_their_capacity_back(teams_database_url):
    city = await old_city()
    # Until the withdrawn flag, a slot out of the hours that a booking pointed at lost its seats.
    seatless = MONDAY_10 + timedelta(hours=3)  # its one booking was cancelled
    await run("UPDATE slot SET capacity = 0 WHERE starts_at = {}", seatless)
    migrate(teams_database_url)
    slots = {s["starts_at"]: s for s in await Slot.select().where(Slot.provider == city["provider"])}
    assert (slots[seatless]["is_withdrawn"], slots[seatless]["capacity"]) == (True, 2)  # its service's
    assert not any(s["is_withdrawn"] for at, s in slots.items() if at != seatless)
