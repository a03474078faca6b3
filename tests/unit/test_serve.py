import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
import uvicorn.config

from app.cli import server_command
from app.serve import _bind_tcp_socket
from app.settings import PROJECT_ROOT
from tests.conftest import migrate


def test_the_listening_socket_of_several_workers_is_declared_tcp_so_asyncio_sets_nodelay():
    config = uvicorn.config.Config("app.main:create_app_from_env", host="127.0.0.1", port=0, workers=2)
    plain = uvicorn.config.Config.bind_socket(config)
    assert plain.proto == 0  # what uvicorn hands its workers: asyncio then skips TCP_NODELAY
    plain.close()
    sock = _bind_tcp_socket(config)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.family == socket.AF_INET
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("log_level", ["info", "warning"])
def test_the_production_command_logs_json_lines_per_request_unless_told_warning(tmp_path, log_level):
    database_url = f"sqlite:///{tmp_path}/cityloop.sqlite3"
    migrate(database_url)
    port = _free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url, "MEDIA_ROOT": str(tmp_path / "m")}
    # As the README starts it in production (two workers: the lines come from the worker processes).
    command = [sys.executable, "-m", "app.serve", "--factory", "app.main:create_app_from_env",
               "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-access-log",
               "--log-level", log_level]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120  # a busy machine starts workers slowly
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/healthz", headers={"x-request-id": "serve-test-1"}, timeout=5
                )
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert response.status_code == 200 and response.headers["x-request-id"] == "serve-test-1"
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=60)
    entries = [json.loads(line) for line in stderr.splitlines()]  # every line is one JSON object
    if log_level == "warning":  # what bench/servers.py asks for: no line per request
        assert not [entry for entry in entries if entry["logger"] == "cityloop.requests"]
        return
    assert {"uvicorn.error", "cityloop.requests"} <= {entry["logger"] for entry in entries}
    [line] = [entry for entry in entries if entry.get("request_id") == "serve-test-1"]
    assert line["logger"] == "cityloop.requests" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["duration_ms"] >= 0


def test_make_run_serves_with_the_production_command_and_the_site_s_request_log():
    command = server_command(8000)
    assert command[1:3] == ["-m", "app.serve"] and "--no-access-log" in command
