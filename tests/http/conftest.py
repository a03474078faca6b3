"""HTTP tests: the whole application through Litestar's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
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
