"""Two server processes, one database, residents pressing "Hold this time" at once: fifty on one
slot, and two hundred across four services of a business whose times overlap."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from datetime import time, timedelta

import httpx
import pytest
from litestar.middleware.csrf import generate_csrf_token

from app import database
from app.accounts.services import session_create
from app.accounts.tables import UserAccount
from app.booking.slot_services import slots_refresh
from app.booking.tables import Booking, Slot
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Service
from app.shared.citytime import city_to_utc, city_today
from app.shared.clock import SystemClock
from bench.servers import Server, running
from tests.conftest import TEST_SECRET_KEY
from tests.factories import MADRID, make_listed_provider

RESIDENTS = 50
SITE_FACTORY = "app.main:create_app_from_env"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "shared.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)  # WAL mode, set by the migration
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_databases").create()


@pytest.fixture
def two_servers(shared_database_url, tmp_path):
    env = {
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": shared_database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PUBLIC_URL": "http://127.0.0.1",
    }
    pair = [
        Server(f"server-{n}", SITE_FACTORY, env, tmp_path / f"server-{n}.log", worker_count=1)
        for n in range(2)
    ]
    with running(pair):
        yield [server.base_url for server in pair]


TOKEN = generate_csrf_token(TEST_SECRET_KEY)


async def signed_in_residents(count: int, now) -> list[str]:
    rows = await UserAccount.insert(
        *(
            UserAccount(
                email=f"r{n}@example.com",
                display_name=f"Resident {n}",
                password_hash="!",
                role="resident",
                created_at=now,
            )
            for n in range(count)
        )
    ).returning(UserAccount.id)
    return [
        await session_create(account_id=row["id"], data={}, now=now, lifetime=timedelta(days=1))
        for row in rows
    ]


async def press_hold(base: str, session: str, path: str, starts_at) -> int:
    async with httpx.AsyncClient(
        base_url=base, cookies={"cityloop_session": session, "csrftoken": TOKEN}, timeout=60
    ) as client:
        response = await client.post(path, data={"starts_at": starts_at.isoformat(), "_csrf_token": TOKEN})
        return response.status_code


@pytest.mark.parametrize("capacity", [1, 3])
async def test_fifty_residents_on_two_servers_get_exactly_the_capacity(
    shared_database_url, two_servers, capacity
):
    database.bind(database.engine_from_url(shared_database_url))
    now = SystemClock().now()  # the servers run on the real clock
    provider = await make_listed_provider("Casa Neta", location=ServiceLocation.provider_premises, now=now)
    await Service.update({Service.capacity: capacity}).where(Service.provider == provider)
    await Slot.update({Slot.capacity: capacity}).where(Slot.provider == provider)
    service = await Service.select(Service.public_id).where(Service.provider == provider).first()
    slot = await Slot.select().where(Slot.provider == provider).order_by(Slot.starts_at).offset(30).first()
    sessions = await signed_in_residents(RESIDENTS, now)
    path = f"/providers/casa-neta/book/{service['public_id']}"

    statuses = Counter(
        await asyncio.gather(
            *(press_hold(two_servers[n % 2], sessions[n], path, slot["starts_at"]) for n in range(RESIDENTS))
        )
    )
    assert statuses == Counter({303: capacity, 409: RESIDENTS - capacity})
    assert await Booking.count().where(Booking.slot == slot["id"], Booking.status == "held") == capacity
    assert (await Slot.select(Slot.booked).where(Slot.id == slot["id"]).first())["booked"] == capacity


@pytest.mark.parametrize("team", [(), ("Javier", "Marta")])
async def test_two_hundred_residents_on_two_servers_across_four_services_get_one_visit_per_person(
    shared_database_url, two_servers, team
):
    """The times of four services overlap at 10:15: one person can take one of them, two people two."""
    database.bind(database.engine_from_url(shared_database_url))
    now = SystemClock().now()
    names = ("Fix a tap", "Unblock a drain", "Boiler check", "Leak")
    provider = await make_listed_provider(
        "Casa Neta",
        location=ServiceLocation.provider_premises,
        services=tuple((name, 5000, 6000) for name in names),
        team=team,
        now=now,
    )
    services = await Service.select().where(Service.provider == provider).order_by(Service.position)
    for service, minutes in zip(services, (60, 90, 45, 30), strict=True):
        await Service.update({Service.duration_minutes: minutes}).where(Service.id == service["id"])
    await slots_refresh(provider_id=provider, now=now, zone=MADRID)
    # A weekday a week ahead, and each service's start that runs over 10:15 that day.
    day = city_today(now, MADRID) + timedelta(days=7)
    while day.weekday() > 4:
        day += timedelta(days=1)
    quarter_past = city_to_utc(day, time(10, 15), MADRID)
    targets = []
    for service in services:
        row = (
            await Slot.select(Slot.starts_at)
            .where(Slot.service == service["id"], Slot.starts_at <= quarter_past, Slot.ends_at > quarter_past)
            .first()
        )
        targets.append((f"/providers/casa-neta/book/{service['public_id']}", row["starts_at"]))
    sessions = await signed_in_residents(200, now)
    statuses = Counter(
        await asyncio.gather(
            *(press_hold(two_servers[n % 2], sessions[n], *targets[n % 4]) for n in range(200))
        )
    )
    people = max(1, len(team))
    assert statuses == Counter({303: people, 409: 200 - people})
    held = await Booking.select(Booking.member).where(Booking.provider == provider, Booking.status == "held")
    assert len(held) == people and len({row["member"] for row in held}) == people
