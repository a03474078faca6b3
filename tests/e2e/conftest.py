"""Browser journeys: the real server (uvicorn) and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from app.cli import register_local_webhook, server_command
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_SECRET_KEY, stripe_env, unavailable

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
EXPECTED_CLIENT_ERROR = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} during start-up")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy within {timeout} s")


@dataclass
class LiveServer:
    url: str
    database_path: Path
    env: dict[str, str]
    log_path: Path

    def log_text(self) -> str:
        """What the server has written to stderr and stdout so far."""
        return self.log_path.read_text()

    @contextmanager
    def at(self, instant: datetime) -> Iterator[str]:
        """A second server on the same data whose clock reads ``instant`` (and runs on); yields its URL."""
        port = free_port()
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "tests.e2e.clocked_app:create",
            "--host", "127.0.0.1", "--port", str(port), "--no-server-header",
        ]  # fmt: skip
        env = {**self.env, "TEST_CLOCK_AT": instant.isoformat(), "PUBLIC_URL": f"http://127.0.0.1:{port}"}
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(sqlite_template, tmp_path_factory, localstripe) -> Iterator[LiveServer]:
    """The production ASGI stack under uvicorn on a free loopback port, with its own demo city,
    paying through localstripe, which sends it webhooks as `make run` sets up."""
    workdir = tmp_path_factory.mktemp("live")
    database_path = workdir / "cityloop.sqlite3"
    shutil.copyfile(sqlite_template, database_path)
    port = free_port()
    env = {
        **os.environ,
        **stripe_env(localstripe),
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{database_path}",
        "MEDIA_ROOT": str(workdir / "media"),
    }
    subprocess.run(
        [sys.executable, "-m", "app.cli", "load-demo"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        server_command(port),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        settings = Settings.from_env(env)
        register_local_webhook(localstripe, f"{url}/stripe/webhook", settings.stripe.webhook_secret)
        yield LiveServer(url=url, database_path=database_path, env=env, log_path=workdir / "server.log")
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


# Module scope: Playwright's sync API keeps an event loop running while it is open, which
# would stop the async tests of other modules from starting their own.
@pytest.fixture(scope="module")
def chromium(request) -> Iterator:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        unavailable("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium, request) -> Iterator:
    """A phone-sized page that fails the test on any console error (CSP violations included)."""
    context = chromium.new_context(
        viewport={"width": 360, "height": 800}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    errors: list[str] = []

    def on_console(message) -> None:
        # Chromium logs every 4xx document as an error; a form answered with 422 is expected here.
        if message.type == "error" and not EXPECTED_CLIENT_ERROR.match(message.text):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
