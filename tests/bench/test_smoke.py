"""`make bench` in smoke mode, so the benchmark never rots: a tiny city, one-second runs, and the
race check (50 slots, 20 simultaneous holds each: exactly one wins, the rest get 409, no 5xx)."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

PAGES = ("results", "search", "provider", "slots")


def run_smoke(env: dict[str, str]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines and done.stdout.rstrip().endswith(lines[-1])  # the JSON lines come last
    return [json.loads(line) for line in lines]


def check(result: dict) -> None:
    assert result["race_ok"] is True
    for name in ("P", "F", "F_naive", "B"):
        assert result["reference"][name] > 0
    for name in (*PAGES, "hold"):
        endpoint = result["endpoints"][name]
        assert endpoint["rps"] > 0 and 0 < endpoint["p50_ms"] <= endpoint["p99_ms"]
        assert endpoint["errors"] == 0, name
        assert endpoint["queries_cold"] >= endpoint["queries"] >= 1 and endpoint["ratio"] > 0
    assert result["endpoints"]["hold"]["server_errors"] == 0
    results = result["endpoints"]["results"]
    assert results["queries"] <= 2 and results["queries_cold"] <= 3  # change check, lists, page
    assert 10_000 < result["first_load_bytes"] < 60_000
    assert result["scale_ratio"] > 0 and 0 < result["rss_mb"] < 1024


@pytest.mark.postgres
def test_the_benchmark_runs_on_postgresql_then_sqlite(postgres_server_url):
    results = run_smoke({"BENCH_DATABASE_URL": postgres_server_url})
    assert [r["engine"] for r in results] == ["postgresql", "sqlite"]  # SQLite last
    for result in results:
        check(result)
