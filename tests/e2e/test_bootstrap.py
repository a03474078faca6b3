"""`make run` on an empty database: migrations, demo city, localstripe and the site; Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.e2e.conftest import free_port


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class RunCommand:
    """`python -m app.cli run` (what `make run` calls after bootstrapping), with its output collected."""

    def __init__(self, env: dict[str, str]) -> None:
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def wait_for(self, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.output):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; output:\n{''.join(self.output)}")

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        return self.process.wait(timeout=30)


def _run_env(database_url: str, tmp_path, port: int, stripe_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("APP_ENV", "SECRET_KEY")}
    return {
        **env,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }


def _check_the_site(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "database": "ok", "writes": "ok"}
    home = httpx.get(base)
    assert "Fontanería Russafa" in home.text and "(36)" in home.text
    with httpx.Client(base_url=base) as client:
        client.get("/login")
        response = client.post(
            "/login",
            data={
                "email": "provider@example.com",
                "password": "demo-password",
                "_csrf_token": client.cookies["csrftoken"],
            },
        )
        assert response.status_code == 303 and response.headers["location"] == "/dashboard"
        assert "Fontanería Russafa" in client.get("/dashboard").text


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/a/fresh/folder/cityloop.sqlite3"  # not even the folder exists yet
    return request.getfixturevalue("postgres_databases").create(migrated=False)


def test_the_run_command_bootstraps_an_empty_database_and_stops_on_ctrl_c(empty_database_url, tmp_path):
    port, stripe_port = free_port(), free_port()
    run = RunCommand(_run_env(empty_database_url, tmp_path, port, stripe_port))
    try:
        run.wait_for("Press Ctrl-C to stop.")
        text = "".join(run.output)
        assert "Loaded the demo city into the empty database." in text
        assert f"is running at http://127.0.0.1:{port}" in text
        for account in ("admin@example.com", "provider@example.com", "resident@example.com"):
            assert account in text
        assert "password: demo-password" in text
        _check_the_site(port)
        assert (
            httpx.get(f"http://127.0.0.1:{stripe_port}/v1/customers", auth=("sk_test_x", "")).status_code
            == 200
        )
    finally:
        code = run.interrupt()
    assert code == 0
    assert not _port_open(port) and not _port_open(stripe_port)

    again = RunCommand(_run_env(empty_database_url, tmp_path, port, stripe_port))
    try:
        again.wait_for("Press Ctrl-C to stop.")
        assert "Loaded the demo city" not in "".join(again.output)  # the database is reused as it is
        _check_the_site(port)
    finally:
        assert again.interrupt() == 0


def test_the_run_command_refuses_production(tmp_path):
    env = {
        **os.environ,
        "APP_ENV": "production",
        "PUBLIC_URL": "https://cityloop.test",
        "SECRET_KEY": "p" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "`make run` is for development" in result.stderr


def test_a_bad_setting_stops_the_commands_with_a_clear_message(tmp_path):
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SECRET_KEY is missing or set to the development default" in result.stderr


def test_a_provider_is_verified_from_the_command_line(tmp_path):
    database_url = f"sqlite:///{tmp_path}/cityloop.sqlite3"
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(tmp_path / "media")}
    subprocess.run(
        [sys.executable, "-m", "app.cli", "load-demo"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "verify-provider", "sin-bichos"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "Sin Bichos is verified and listed." in done.stdout
    with sqlite3.connect(tmp_path / "cityloop.sqlite3") as connection:
        verified, slots = connection.execute(
            "SELECT p.is_verified, (SELECT COUNT(*) FROM slot WHERE slot.provider = p.id) FROM provider p "
            "WHERE p.slug = 'sin-bichos'"
        ).fetchone()
    assert verified == 1 and slots > 0
    unknown = subprocess.run(
        [sys.executable, "-m", "app.cli", "verify-provider", "nobody"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode != 0 and "No provider has the web address /providers/nobody." in unknown.stderr
