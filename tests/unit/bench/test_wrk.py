"""bench.wrk against the real wrk binary and the reference app under uvicorn (a few seconds)."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from bench.reference import DB_ENV, prepare_reference_db
from bench.wrk import (
    GET_PATHS_FILE_ENV,
    GET_SCRIPT,
    HOLD_SCRIPT,
    REQUESTS_FILE_ENV,
    RESULT_PREFIX,
    WrkError,
    build_script,
    find_wrk,
    parse_report,
    run_wrk,
    write_requests_file,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def wrk() -> str:
    try:
        return find_wrk()
    except WrkError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The reference app under uvicorn on a free loopback port: (base URL, its database)."""
    tmp = tmp_path_factory.mktemp("bench-reference")
    db_path = tmp / "reference.sqlite3"
    prepare_reference_db(db_path, slots=10)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp / "uvicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bench.reference:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        cwd=PROJECT_ROOT,
        env={**os.environ, DB_ENV: str(db_path)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/plaintext", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"uvicorn did not start: {(tmp / 'uvicorn.log').read_text()}") from None
            time.sleep(0.1)
    yield url, db_path
    process.terminate()
    process.wait(timeout=10)
    log.close()


def test_wrk_measures_a_static_get(wrk, reference):
    url, _ = reference
    result = run_wrk(f"{url}/plaintext", connections=4, threads=2, duration_s=1, wrk=wrk)
    assert result.requests > 0
    assert result.rps > 0
    assert result.p99_ms >= result.p50_ms > 0
    assert result.errors == 0
    assert result.status_counts is None


def test_statuses_are_counted_per_code_and_errors_include_4xx(wrk, reference, tmp_path):
    url, _ = reference
    paths = tmp_path / "paths.txt"
    paths.write_text("/plaintext\n/missing\n")
    result = run_wrk(
        url,
        connections=2,
        threads=2,
        duration_s=1,
        script=GET_SCRIPT,
        env={GET_PATHS_FILE_ENV: str(paths)},
        count_statuses=True,
        wrk=wrk,
    )
    assert set(result.status_counts) == {200, 404}
    assert sum(result.status_counts.values()) == result.requests
    assert result.non_2xx_3xx == result.status_counts[404] == result.status_class(4)
    assert result.errors == result.non_2xx_3xx


def test_hold_sends_each_line_once_and_tells_booked_from_refused(wrk, reference, tmp_path):
    url, db_path = reference
    lines = tmp_path / "requests.tsv"
    residents = ["ana", "bruno", "carla", "dani", "emil"]
    slots = [1, 1, 2, 3, 99]  # the same slot twice (one 409), and one that doesn't exist (409)
    write_requests_file(
        lines, [("/book", "", "", f"slot={s}&resident={r}") for s, r in zip(slots, residents, strict=True)]
    )
    result = run_wrk(
        url,
        connections=4,
        threads=2,
        duration_s=1,
        script=HOLD_SCRIPT,
        env={REQUESTS_FILE_ENV: str(lines)},
        wrk=wrk,
    )
    assert result.status_counts == {201: 3, 409: 2}
    assert result.requests == 5
    assert result.counters == {"lines_loaded": 5, "lines_sent": 5, "exhausted_threads": 2}
    assert result.exhausted
    assert result.non_2xx_3xx == 2
    assert result.socket_errors == {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    with closing(sqlite3.connect(db_path)) as db:
        booked = db.execute("SELECT slot_id, resident FROM booking").fetchall()
    assert sorted(slot for slot, _ in booked) == [1, 2, 3]
    assert {"carla", "dani"} < {resident for _, resident in booked}
    assert len({resident for _, resident in booked}) == 3


def test_parse_report_reads_the_json_line():
    line = {
        "requests": 2000,
        "duration_us": 2_000_000,
        "bytes": 1,
        "latency_us": {"p50": 1500, "p90": 2000, "p99": 4000, "max": 9000, "mean": 1600.5},
        "errors": {"connect": 1, "read": 0, "write": 0, "timeout": 2, "status": 3},
        "status_counted": True,
        "status": {"201": 1997, "409": 2, "500": 1},
        "counters": {},
    }
    result = parse_report(f"Running 2s test\n{RESULT_PREFIX}{json.dumps(line)}\n")
    assert (result.rps, result.p50_ms, result.p99_ms, result.max_ms) == (1000.0, 1.5, 4.0, 9.0)
    assert (result.requests, result.errors, result.non_2xx_3xx) == (2000, 6, 3)
    assert result.status_counts == {201: 1997, 409: 2, 500: 1}
    assert (result.status_class(2), result.status_class(5)) == (1997, 1)
    assert not result.exhausted


def test_parse_report_without_a_result_line_shows_what_wrk_said():
    with pytest.raises(WrkError, match="PANIC"):
        parse_report("Running 1s test\n", stderr="PANIC: unprotected error")


def test_the_script_puts_the_reporting_first():
    script = build_script(HOLD_SCRIPT, count_statuses=True)
    names = ["report.lua", "status.lua", "hold.lua"]
    marks = [script.index(f"-- ===== {name} =====") for name in names]
    assert marks == sorted(marks)
    assert marks[0] < script.index("function done(") < marks[1]
    assert "function response(" not in build_script(None, count_statuses=False)


def test_request_lines_must_keep_their_four_fields(tmp_path):
    path = tmp_path / "requests.tsv"
    assert write_requests_file(path, [("/book", "s=1", "t", "slot=1")]) == 1
    assert path.read_text() == "/book\ts=1\tt\tslot=1\n"
    with pytest.raises(ValueError, match="line 1"):
        write_requests_file(path, [("/book", "", "", "a\tb")])
    with pytest.raises(ValueError, match="path"):
        write_requests_file(path, [("book", "", "", "")])
