"""The reference apps answer what `make bench` assumes they answer."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from litestar.testing import TestClient

from bench.reference import DB_ENV, EXTRA_FORTUNE, FORTUNES, create_app, prepare_reference_db

ROW = re.compile(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>")


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "reference.sqlite3"
    prepare_reference_db(path, slots=3)
    monkeypatch.setenv(DB_ENV, str(path))
    return path


@pytest.fixture
def client(db_path) -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def bookings(path: Path) -> list[tuple[int, str]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT slot_id, resident FROM booking ORDER BY id").fetchall()


def test_plaintext(client):
    response = client.get("/plaintext")
    assert response.status_code == 200
    assert response.text == "Hello, World!"
    assert response.headers["content-type"].startswith("text/plain")


def test_fortunes_lists_thirteen_rows_sorted_by_message_and_escaped(client):
    response = client.get("/fortunes")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    rows = ROW.findall(response.text)
    assert len(rows) == len(FORTUNES) + 1 == 13
    messages = [message for _, message in rows]
    assert messages == sorted(messages)
    assert ("0", EXTRA_FORTUNE) in rows
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(&#34;This should not be displayed" in response.text
    assert "フレームワークのベンチマーク" in response.text
    assert sorted(int(id_) for id_, _ in rows) == list(range(13))


def test_the_naive_fortunes_page_is_the_same_page(client):
    assert client.get("/fortunes-naive").text == client.get("/fortunes").text


def test_a_slot_is_booked_once_then_refused(client, db_path):
    assert client.post("/book", data={"slot": "2", "resident": "ana"}).status_code == 201
    assert client.post("/book", data={"slot": "2", "resident": "bruno"}).status_code == 409
    assert client.post("/book", data={"slot": "99", "resident": "carla"}).status_code == 409
    assert client.post("/book", data={"slot": "x", "resident": "dani"}).status_code == 400
    assert bookings(db_path) == [(2, "ana")]
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("SELECT id, booked FROM slot ORDER BY id").fetchall() == [(1, 0), (2, 1), (3, 0)]


def test_a_booking_waits_for_another_writer_to_finish(client, db_path):
    """The booking connection has no busy timeout: it retries in the loop until the lock is free."""
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, other.execute, ["COMMIT"])
    release.start()
    started = time.monotonic()
    try:
        assert client.post("/book", data={"slot": "1", "resident": "ana"}).status_code == 201
    finally:
        release.join()
        other.close()
    assert time.monotonic() - started >= 0.25
    assert bookings(db_path) == [(1, "ana")]


def test_prepare_starts_afresh_in_wal_mode(db_path, client):
    assert client.post("/book", data={"slot": "1", "resident": "ana"}).status_code == 201
    prepare_reference_db(db_path, slots=5)
    assert bookings(db_path) == []
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT count(*), sum(capacity), sum(booked) FROM slot").fetchone() == (5, 5, 0)
        assert db.execute("SELECT count(*) FROM fortune").fetchone() == (12,)


def test_create_app_names_the_missing_database(monkeypatch, tmp_path):
    monkeypatch.delenv(DB_ENV, raising=False)
    with pytest.raises(RuntimeError, match=DB_ENV):
        create_app()
    monkeypatch.setenv(DB_ENV, str(tmp_path / "missing.sqlite3"))
    with pytest.raises(RuntimeError, match="prepare_reference_db"):
        create_app()
