"""HTTP tests: the whole application through Litestar's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app import database
from app.main import create_app
from app.shared.clock import FixedClock
from tests.conftest import run_async, stripe_env, with_database
from tests.factories import PASSWORD

BASE_URL = "http://cityloop.test"


@pytest.fixture
def app(settings, clock) -> Litestar:
    return create_app(settings, clock=clock)


def browser(app: Litestar) -> AsyncTestClient:
    """A client that sees redirects as the browser receives them (303 + Location)."""
    client = AsyncTestClient(app=app, base_url=BASE_URL)
    client.follow_redirects = False
    return client


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncTestClient]:
    async with browser(app) as client:
        yield client


async def csrf_token(client: AsyncTestClient) -> str:
    if "csrftoken" not in client.cookies:
        await client.get("/login")
    return client.cookies["csrftoken"]


async def post_form(client: AsyncTestClient, url: str, data: dict, **kwargs):
    return await client.post(url, data={**data, "_csrf_token": await csrf_token(client)}, **kwargs)


async def log_in(client: AsyncTestClient, email: str, password: str = PASSWORD, next_path: str = ""):
    return await post_form(client, "/login", {"email": email, "password": password, "next": next_path})


async def sign_up(client: AsyncTestClient, email: str, name: str = "Ana García", password: str = PASSWORD):
    return await post_form(client, "/signup", {"display_name": name, "email": email, "password": password})


# --- the route walk: fuzzing and the access matrix (tests/http/routes_walk.py) ---------------
# routes_walk imports this module, so the fixtures below import it when they run.


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def walk_snapshot(request, tmp_path_factory, localstripe):
    """The walk's world, built once per engine and session (see routes_walk.world_build)."""
    from tests.http import routes_walk

    root = tmp_path_factory.mktemp(f"walk-{request.param}")
    if request.param == "sqlite":
        path = root / "world.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_databases").create()
    world = run_async(routes_walk.snapshot_build(url, root / "media", stripe_env(localstripe)))
    return routes_walk.Snapshot(engine=request.param, world=world, media=root / "media", database_url=url)


@dataclass(repr=False)
class Walk:
    app: Litestar
    caller: object  # routes_walk.Caller
    world: object  # routes_walk.World
    clock: FixedClock
    engine: str

    # Failures print the test's arguments: the whole world would fill pages.
    def __repr__(self) -> str:
        return f"<walk on {self.engine}>"

    def _repr_pretty_(self, printer, cycle) -> None:  # Hypothesis' printer
        printer.text(repr(self))


@pytest.fixture
async def walk(request, walk_snapshot, tmp_path, localstripe) -> AsyncIterator[Walk]:
    """A copy of the walk's world for one test, served by a fresh app, with a caller per suite."""
    from tests.http import routes_walk

    routes_walk.media_copy(walk_snapshot.media, tmp_path / "media")
    copy_name = None
    if walk_snapshot.engine == "sqlite":
        path = tmp_path / "world.sqlite3"
        routes_walk.sqlite_copy(database.sqlite_path(walk_snapshot.database_url), path)
        url = f"sqlite:///{path}"
    else:
        server_url = request.getfixturevalue("postgres_server_url")
        world_name = urlsplit(walk_snapshot.database_url).path.lstrip("/")
        copy_name = f"{world_name}_{uuid.uuid4().hex[:6]}"
        await routes_walk.postgres_execute(
            server_url, f'CREATE DATABASE "{copy_name}" TEMPLATE "{world_name}"'
        )
        url = with_database(server_url, copy_name)
    clock = FixedClock(walk_snapshot.world.now)
    app = routes_walk.walk_app(url, tmp_path / "media", stripe_env(localstripe), clock)
    suite = request.module.__name__.rsplit(".", 1)[-1]
    try:
        async with browser(app) as client:
            caller = await routes_walk.Caller(app, client, walk_snapshot.world, suite).start()
            yield Walk(
                app=app, caller=caller, world=walk_snapshot.world, clock=clock, engine=walk_snapshot.engine
            )
    finally:
        if copy_name is not None:
            await routes_walk.postgres_execute(
                server_url, f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'
            )


def pytest_terminal_summary(terminalreporter) -> None:
    """Totals of the route walk: requests sent and server errors met, by route."""
    routes_walk = sys.modules.get("tests.http.routes_walk")
    if routes_walk is None:
        return
    for suite, tally in sorted(routes_walk.TALLIES.items()):
        terminalreporter.section(f"route walk: {suite}")
        terminalreporter.write_line(f"{tally.requests} requests, {sum(tally.errors.values())} answered 5xx")
        for key, count in tally.errors.most_common():
            terminalreporter.write_line(f"  {count:5d} × 5xx  {key}")
            for kind, (times, example) in tally.kinds[key].items():
                terminalreporter.write_line(f"        {times:5d} × {kind}")
                terminalreporter.write_line(f"                e.g. {example[:300]}")
