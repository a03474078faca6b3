"""Fixtures shared by every layer: settings, migrated databases on SQLite and PostgreSQL, a fixed clock.

Tests that need PostgreSQL (TEST_DATABASE_URL) or chromium say why when they are skipped; with
CITYLOOP_REQUIRE_ALL_TESTS=1 (set by .ci/run) a missing one fails the run instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from app import database
from app.settings import PROJECT_ROOT, Settings
from app.shared.clock import FixedClock
from bench import servers

REQUIRE_ALL = os.environ.get("CITYLOOP_REQUIRE_ALL_TESTS") == "1"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-production-checks"
# A Sunday morning in Valencia; tests move it when they need another time.
TEST_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def unavailable(reason: str) -> None:
    """Skip with ``reason`` locally; fail in CI, where everything must run."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (CITYLOOP_REQUIRE_ALL_TESTS=1: nothing may be skipped)")
    pytest.skip(reason)


def settings_for(database_url: str, media_root: Path, **overrides: str) -> Settings:
    env = {
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "PUBLIC_URL": "http://cityloop.test",
        # The test client serves the app from its own event loop; per-query connections work in both.
        "DATABASE_POOL_SIZE": "0",
        **overrides,
    }
    return Settings.from_env(env)


def production_settings_for(database_url: str, media_root: Path) -> Settings:
    return settings_for(
        database_url,
        media_root,
        APP_ENV="production",
        SECRET_KEY=TEST_SECRET_KEY,
        PUBLIC_URL="https://cityloop.test",
    )


def migrate(database_url: str) -> None:
    """Run the real migrations through the same command `make run` uses."""
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "APP_ENV": "test"},
        check=True,
        capture_output=True,
    )


def run_async(coroutine):
    """Run admin SQL from sync fixtures, on a thread of its own (the test loop may be running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _execute(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file; each test gets a copy (fast, and every test starts clean)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        unavailable(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres)"
        )
    return url


@dataclass
class PostgresDatabases:
    """Databases this test session creates on the PostgreSQL server, dropped at the end."""

    server_url: str
    created: list[str]

    def create(self, *, migrated: bool = True) -> str:
        name = f"cityloop_test_{uuid.uuid4().hex[:10]}"
        run_async(_execute(self.server_url, f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        url = with_database(self.server_url, name)
        if migrated:
            migrate(url)
        return url

    def drop_all(self) -> None:
        run_async(
            _execute(self.server_url, *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self.created))
        )


@pytest.fixture(scope="session")
def postgres_databases(postgres_server_url) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_server_url, [])
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_test_url(postgres_databases) -> str:
    """One migrated PostgreSQL database for the session; tables are emptied before each test."""
    return postgres_databases.create()


def _empty_postgres(url: str) -> None:
    from app.piccolo_app import APP_CONFIG

    tables = ", ".join(f'"{table._meta.tablename}"' for table in APP_CONFIG.table_classes)
    run_async(_execute(url, f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """A migrated, empty database on each engine, bound to every table."""
    if request.param == "sqlite":
        path = tmp_path / "cityloop.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_test_url")
        _empty_postgres(url)
    database.bind(database.engine_from_url(url))
    return url


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """The Stripe emulator on a free loopback port for the whole session (state in memory only)."""
    with servers.localstripe() as url:
        yield url


def stripe_env(localstripe_url: str) -> dict[str, str]:
    return {
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_JS_URL": f"{localstripe_url}/js.stripe.com/v3/",
    }


@pytest.fixture
def settings(database_url, tmp_path, localstripe) -> Settings:
    return settings_for(database_url, tmp_path / "media", **stripe_env(localstripe))


@pytest.fixture
def chromium_path() -> Iterator[str]:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        unavailable("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    yield path
