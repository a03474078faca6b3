"""One log record per request (method, route template, status, duration, request id), and the id on
every error logged while the request was handled."""

from __future__ import annotations

import logging

import pytest
from litestar import get

from app.main import create_app
from app.web.requestlog import REQUEST_ID_HEADER
from tests.conftest import settings_for
from tests.http.conftest import browser


def request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "cityloop.requests"]


def the_line_for(caplog, request_id: str) -> logging.LogRecord:
    [line] = [record for record in request_lines(caplog) if record.request_id == request_id]
    return line


async def test_each_request_logs_one_line_with_its_route_status_duration_and_id(client, caplog):
    response = await client.get("/providers/no-such-business", params={"tab": "reviews"})
    request_id = response.headers[REQUEST_ID_HEADER]
    line = the_line_for(caplog, request_id)
    assert line.levelno == logging.INFO
    assert (line.method, line.path, line.status) == ("GET", "/providers/{slug}", 404)
    assert 0 < line.duration_ms < 30_000
    assert line.getMessage() == f"GET /providers/{{slug}} 404 {line.duration_ms:.1f} ms"
    assert "no-such-business" not in line.getMessage()  # the template, not the address
    await client.get("/healthz")
    assert len(request_lines(caplog)) == 2


async def test_every_request_gets_its_own_id_and_a_sane_one_from_a_proxy_is_kept(client, caplog):
    first, second = await client.get("/healthz"), await client.get("/healthz")
    assert first.headers[REQUEST_ID_HEADER] != second.headers[REQUEST_ID_HEADER]
    assert len(first.headers[REQUEST_ID_HEADER]) == 16
    proxied = await client.get("/healthz", headers={"x-request-id": "9f1c2e7a-proxy.42"})
    assert proxied.headers[REQUEST_ID_HEADER] == "9f1c2e7a-proxy.42"
    assert the_line_for(caplog, "9f1c2e7a-proxy.42").status == 200
    for forged in ("a" * 65, "id with spaces", 'x", "status": 200', "é"):
        response = await client.get("/healthz", headers={"x-request-id": forged.encode()})
        assert response.headers[REQUEST_ID_HEADER] != forged
        assert len(response.headers[REQUEST_ID_HEADER]) == 16


async def test_a_path_no_route_matches_is_logged_without_a_template(client, caplog):
    response = await client.get("/wp-admin/setup.php")
    assert response.status_code == 404
    line = the_line_for(caplog, response.headers[REQUEST_ID_HEADER])
    assert (line.path, line.status) == (None, 404)


@pytest.fixture
def exploding_app(settings, clock):
    @get("/explode")
    async def explode() -> str:
        raise RuntimeError("something broke")

    app = create_app(settings, clock=clock)
    app.register(explode)
    return app


async def test_a_crash_is_logged_with_the_id_of_its_request(exploding_app, caplog):
    async with browser(exploding_app) as client:
        response = await client.get("/explode")
    assert response.status_code == 500
    request_id = response.headers[REQUEST_ID_HEADER]
    [error] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert error.request_id == request_id
    assert error.exc_info and "something broke" in str(error.exc_info[1])
    assert the_line_for(caplog, request_id).status == 500


@pytest.fixture
def app_without_database(tmp_path, clock):
    return create_app(
        settings_for(f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3", tmp_path / "media"), clock=clock
    )


async def test_a_busy_database_is_logged_with_the_id_of_its_request(app_without_database, caplog):
    async with browser(app_without_database) as client:
        response = await client.get("/", headers={"cookie": "cityloop_session=whatever"})
    assert response.status_code == 503
    request_id = response.headers[REQUEST_ID_HEADER]
    [warning] = [record for record in caplog.records if record.name == "cityloop.errors"]
    assert warning.levelno == logging.WARNING and warning.request_id == request_id
    assert the_line_for(caplog, request_id).status == 503


async def test_records_logged_outside_a_request_carry_no_id(client, caplog):
    await client.get("/healthz")
    logging.getLogger("cityloop").info("a background job ran")
    assert caplog.records[-1].request_id is None
