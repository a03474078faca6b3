"""Two server processes, one database, fifty residents pressing "Hold this time" on one slot at once."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from litestar.middleware.csrf import generate_csrf_token

from app import database
from app.accounts.services import session_create
from app.accounts.tables import UserAccount
from app.booking.tables import Booking, Slot
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Service
from app.cli import server_command
from app.settings import PROJECT_ROOT
from app.shared.clock import SystemClock
from tests.conftest import TEST_SECRET_KEY
from tests.e2e.conftest import free_port, wait_until_healthy
from tests.factories import make_listed_provider

RESIDENTS = 50


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
        **os.environ,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": shared_database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PUBLIC_URL": "http://127.0.0.1",
    }
    processes, urls = [], []
    for _ in range(2):
        port = free_port()
        processes.append(
            subprocess.Popen(
                server_command(port),
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_until_healthy(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


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
    rows = await UserAccount.insert(
        *(
            UserAccount(
                email=f"r{n}@example.com",
                display_name=f"Resident {n}",
                password_hash="!",
                role="resident",
                created_at=now,
            )
            for n in range(RESIDENTS)
        )
    ).returning(UserAccount.id)
    sessions = [
        await session_create(account_id=row["id"], data={}, now=now, lifetime=timedelta(days=1))
        for row in rows
    ]
    token = generate_csrf_token(TEST_SECRET_KEY)
    path = f"/providers/casa-neta/book/{service['public_id']}"

    async def press_hold(n: int) -> int:
        base = two_servers[n % 2]
        async with httpx.AsyncClient(
            base_url=base, cookies={"cityloop_session": sessions[n], "csrftoken": token}
        ) as client:
            response = await client.post(
                path, data={"starts_at": slot["starts_at"].isoformat(), "_csrf_token": token}
            )
            return response.status_code

    statuses = Counter(await asyncio.gather(*(press_hold(n) for n in range(RESIDENTS))))
    assert statuses == Counter({303: capacity, 409: RESIDENTS - capacity})
    assert await Booking.count().where(Booking.slot == slot["id"], Booking.status == "held") == capacity
    assert (await Slot.select(Slot.booked).where(Slot.id == slot["id"]).first())["booked"] == capacity
