"""SQLite locked by another program: the worker keeps serving reads while writers wait, and a write
that runs out of time gets a "busy, try again" page, not a frozen site.

The lock is taken the way an outside program takes it (a backup, a shell, a stuck job): its own
connection in a ``BEGIN IMMEDIATE`` transaction, which none of the worker's own locks know about.
PostgreSQL has no such lock to wait on; its health answer is covered in test_site.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from app import database
from app.main import create_app
from tests.conftest import settings_for, stripe_env
from tests.http.conftest import BASE_URL, csrf_token, sign_up


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "cityloop.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


@contextmanager
def outside_write_lock(sqlite_url: str) -> Iterator[None]:
    outsider = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        outsider.execute("BEGIN IMMEDIATE")
        yield
        outsider.execute("ROLLBACK")
    finally:
        outsider.close()


async def writer_waiting(write: asyncio.Task) -> None:
    """Return once ``write`` waits for the write lock (or has ended: a worker that blocks its loop
    while it waits only lets us look again after the write gave up)."""
    writer = database.current_engine().writer()
    while not (writer.lock.locked() or write.done()):  # noqa: ASYNC110 - the lock has no event to await
        await asyncio.sleep(0.01)


def client_for(sqlite_url, tmp_path, clock, localstripe, *, write_deadline_seconds: int) -> httpx.AsyncClient:
    """The app served on this test's event loop, so requests really run side by side (Litestar's
    test client hands each request to a thread of its own, one at a time)."""
    settings = settings_for(
        sqlite_url,
        tmp_path / "media",
        DATABASE_WRITE_DEADLINE_SECONDS=str(write_deadline_seconds),
        **stripe_env(localstripe),
    )
    app = create_app(settings, clock=clock)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


async def test_reads_and_health_answer_while_a_write_waits_for_the_lock(
    sqlite_url, tmp_path, clock, localstripe
):
    # A deadline no test machine reaches: the write can only finish once the lock is let go.
    async with client_for(sqlite_url, tmp_path, clock, localstripe, write_deadline_seconds=120) as client:
        await csrf_token(client)
        with outside_write_lock(sqlite_url):
            write = asyncio.create_task(sign_up(client, "waiting@example.com"))
            await writer_waiting(write)

            home = await client.get("/")
            login = await client.get("/login")
            health = await client.get("/healthz")

            assert not write.done(), "the write went through although the database was locked"
            assert home.status_code == 200 and "Cityloop" in home.text
            assert login.status_code == 200
            assert health.status_code == 200
            assert health.json() == {"status": "degraded", "database": "ok", "writes": "unavailable"}

        # The lock is gone: the waiting write goes through on its own, without a restart.
        response = await write
        assert response.status_code == 303
        health = await client.get("/healthz")
        assert health.json() == {"status": "ok", "database": "ok", "writes": "ok"}


async def test_a_write_that_outlives_its_deadline_is_told_to_retry_and_the_next_one_succeeds(
    sqlite_url, tmp_path, clock, localstripe
):
    async with client_for(sqlite_url, tmp_path, clock, localstripe, write_deadline_seconds=1) as client:
        await csrf_token(client)
        with outside_write_lock(sqlite_url):
            # Several writers queue in the worker: each is bounded by one deadline in all, so none
            # waits for the others' deadlines on top of its own.
            refused = await asyncio.gather(*(sign_up(client, f"busy{n}@example.com") for n in range(3)))
        for response in refused:
            assert response.status_code == 503
            assert response.headers["retry-after"] == "2"
            assert "Cityloop is busy right now" in response.text

        accepted = await sign_up(client, "later@example.com")
        assert accepted.status_code == 303
