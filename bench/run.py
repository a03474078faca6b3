"""`make bench`: the site's hot paths under load, next to reference apps measured in the same run.

    python -m bench.run            # the full benchmark (about ten minutes on SQLite)
    python -m bench.run --smoke    # a tiny city and one-second runs: proves the harness works

Then a worker's memory under parallel hostile photo uploads (bench/upload_memory.py).

Per engine (PostgreSQL first when BENCH_DATABASE_URL is set, then SQLite): seed a city at scale
with the project's seeding code, count each endpoint's queries in-process, then repeat three
times: the site (results, search, provider, slots, hold), the same site on a 40-provider city
(results), the reference apps (P, F, F_naive, B). Medians of the repetitions are reported in a
table and, as the last lines, one JSON object per engine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import statistics
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app import database
from app.cli import migrate
from app.demo.scale import load_city_at_scale
from app.main import create_app
from app.settings import Settings
from bench import reference, scenarios, wrk
from bench.servers import Server

SECRET_KEY = "cityloop-bench-secret-key-" + "x" * 32
PAGES = ("results", "search", "provider", "slots")
REFERENCES = ("P", "F", "F_naive", "B")


@dataclass(frozen=True)
class Plan:
    providers: int
    small_providers: int
    days: int
    past_bookings: int
    reviews: int
    residents: int
    repetitions: int
    duration_s: int
    warmup_s: int
    hold_lines_per_run: int  # site holds per warm-up and per run
    reference_bookings: int  # B's bookings per repetition (warm-up and run)
    connections: int = 64


FULL = Plan(
    providers=5000,
    small_providers=40,
    days=30,
    past_bookings=100_000,
    reviews=50_000,
    residents=32_000,
    repetitions=3,
    duration_s=10,
    warmup_s=2,
    hold_lines_per_run=15_000,
    reference_bookings=240_000,
)
SMOKE = Plan(
    providers=40,
    small_providers=10,
    days=30,  # enough times that every hold line gets a person of its own
    past_bookings=200,
    reviews=100,
    residents=2_500,
    repetitions=1,
    duration_s=1,
    warmup_s=1,
    hold_lines_per_run=1_500,
    reference_bookings=40_000,
)


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float  # server CPU per request
    server_errors: int = 0  # 5xx among the responses (counted for POSTs)


@dataclass
class EngineResult:
    engine: str
    seed_seconds: float = 0.0
    seed_counts: dict = field(default_factory=dict)
    runs: dict[str, list[Measure]] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    race: scenarios.RaceResult | None = None
    first_load: scenarios.FirstLoad | None = None
    rss_mb: list[float] = field(default_factory=list)
    race_rss_mb: float = 0.0
    small_providers: int = 0

    def median(self, name: str) -> Measure:
        runs = self.runs[name]
        return Measure(
            rps=statistics.median(m.rps for m in runs),
            p50_ms=statistics.median(m.p50_ms for m in runs),
            p99_ms=statistics.median(m.p99_ms for m in runs),
            errors=sum(m.errors for m in runs),
            cpu_us=statistics.median(m.cpu_us for m in runs),
            server_errors=sum(m.server_errors for m in runs),
        )


# --- environment ---------------------------------------------------------------------------------


def site_env(database_url: str, media_root: Path, *, production: bool) -> dict[str, str]:
    env = {
        "APP_ENV": "production" if production else "dev",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        # Payments are not on these paths; a closed port makes any stray call fail fast.
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "STRIPE_JS_URL": "http://127.0.0.1:9/js.stripe.com/v3/",
    }
    if production:
        # Only browsers send Origin, so the same-origin check never compares it with this.
        env["PUBLIC_URL"] = "http://127.0.0.1"
    return env


@contextmanager
def postgres_databases(admin_url: str):
    """Fresh databases on the server BENCH_DATABASE_URL names, dropped afterwards."""
    created: list[str] = []
    parts = urlsplit(admin_url)

    def make(name: str) -> str:
        asyncio.run(_postgres(admin_url, f'CREATE DATABASE "{name}"'))
        created.append(name)
        return urlunsplit(parts._replace(path=f"/{name}"))

    try:
        yield make
    finally:
        for name in created:
            asyncio.run(_postgres(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _postgres(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


# --- one engine ----------------------------------------------------------------------------------


def seed(database_url: str, media_root: Path, plan: Plan, *, providers: int, now: datetime):
    settings = Settings.from_env(site_env(database_url, media_root, production=False))

    async def run():
        await migrate(settings)
        report = await load_city_at_scale(
            settings,
            now=now,
            providers=providers,
            days=plan.days,
            past_bookings=plan.past_bookings if providers == plan.providers else plan.past_bookings // 100,
            reviews=plan.reviews if providers == plan.providers else plan.reviews // 100,
            residents=plan.residents if providers == plan.providers else 10,
        )
        await _vacuum()
        return report

    return asyncio.run(run())


def measure(server: Server, url: str, plan: Plan, *, script=None, env=None, headers=None, statuses=False):
    """A warm-up run, then the measured run; server CPU is read around the measured one."""
    common = {
        "connections": plan.connections,
        "script": script,
        "headers": headers,
        "count_statuses": statuses,
    }
    warm_env, run_env = env if env else (None, None)
    wrk.run_wrk(url, duration_s=plan.warmup_s, env=warm_env, **common)
    cpu_before = server.cpu_seconds()
    result = wrk.run_wrk(url, duration_s=plan.duration_s, env=run_env, **common)
    cpu = server.cpu_seconds() - cpu_before
    server_errors = result.status_class(5) if statuses else 0
    if result.exhausted:
        raise RuntimeError(f"{url}: the hold run ran out of request lines; raise hold_lines_per_run")
    return Measure(
        rps=result.rps,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        errors=result.errors,
        cpu_us=cpu / max(result.requests, 1) * 1e6,
        server_errors=server_errors,
    )


def measure_posts(server: Server, plan: Plan, stem: Path, warm_up: list, run: list) -> Measure:
    """``measure`` for POSTs: the warm-up and the measured run each send their own request lines."""
    files = []
    for part, lines in (("warm", warm_up), ("run", run)):
        path = stem.with_name(f"{stem.name}-{part}.tsv")
        wrk.write_requests_file(path, lines)
        files.append({wrk.REQUESTS_FILE_ENV: str(path)})
    return measure(server, server.base_url, plan, script=wrk.HOLD_SCRIPT, env=tuple(files), statuses=True)


def bench_engine(name: str, urls: dict[str, str], workdir: Path, plan: Plan) -> EngineResult:
    result = EngineResult(engine=name, small_providers=plan.small_providers)
    media = workdir / "media"
    now = datetime.now(UTC)
    print(f"[{name}] seeding {plan.providers:,} providers ...", flush=True)
    started = time.perf_counter()
    report = seed(urls["city"], media, plan, providers=plan.providers, now=now)
    result.seed_seconds = time.perf_counter() - started
    result.seed_counts = {
        "providers": report.providers,
        "services": report.services,
        "open_slots": report.open_slots,
        "past_bookings": report.past_bookings,
        "reviews": report.reviews,
    }
    print(f"[{name}] seeded in {result.seed_seconds:.1f} s: {result.seed_counts}", flush=True)
    seed(urls["small"], media, plan, providers=plan.small_providers, now=now)

    settings = Settings.from_env(site_env(urls["city"], media, production=True))
    load = asyncio.run(_prepare_load(settings, plan, now))
    result.queries = asyncio.run(_count_queries(settings, load.targets, load.counted_hold))
    reference_db = workdir / f"reference-{name}.sqlite3"
    reference.prepare_reference_db(reference_db, slots=plan.reference_bookings * plan.repetitions)
    # The race runs on a server of its own: its thousand simultaneous connections would otherwise
    # leave their memory in the workers measured below.
    with _site(urls["city"], media, workdir, "site-race") as server:
        result.race = asyncio.run(scenarios.race(server.base_url, load.race_lines))
        result.race_rss_mb = server.rss_mb()
    verdict = "passed" if result.race.ok else "FAILED"
    print(f"[{name}] race check {verdict}: {result.race.statuses}", flush=True)
    for repetition in range(plan.repetitions):
        print(f"[{name}] repetition {repetition + 1} of {plan.repetitions}", flush=True)
        _site_repetition(result, urls["city"], media, workdir, plan, load, repetition)
        with _site(urls["small"], media, workdir, "site-40") as server:
            # The small city is asked the same question as the big one.
            measured = measure(server, server.base_url + load.targets.results, plan)
            result.runs.setdefault("results_40", []).append(measured)
        _reference_repetition(result, reference_db, workdir, plan, repetition)
    return result


@dataclass
class Load:
    targets: scenarios.Targets
    race_lines: dict[int, list[scenarios.HoldLine]]
    hold_lines: list[scenarios.HoldLine]
    counted_hold: scenarios.HoldLine  # one more hold, posted in-process to count its queries


async def _prepare_load(settings: Settings, plan: Plan, now: datetime) -> Load:
    database.bind(database.engine_from_url(settings.database_url))
    targets = await scenarios.pick_targets(now=now, settings=settings)
    contenders = scenarios.RACE_SLOTS * scenarios.RACE_HOLDS_PER_SLOT
    holds = plan.hold_lines_per_run * 2 * plan.repetitions + 1  # a warm-up and a run per repetition
    race_sessions = await scenarios.resident_sessions(contenders, now=now)
    hold_sessions = await scenarios.resident_sessions(
        -(-holds // scenarios.HOLDS_PER_RESIDENT), now=now, offset=contenders
    )
    contested = await scenarios.free_slots(scenarios.RACE_SLOTS, now=now, single_seat=True)
    slots = await scenarios.free_slots(holds, now=now, exclude=contested)
    race_slots = [slot for slot in contested for _ in range(scenarios.RACE_HOLDS_PER_SLOT)]
    race_lines: dict[int, list[scenarios.HoldLine]] = {}
    for line in scenarios.hold_lines(race_sessions, race_slots, settings=settings, per_resident=1):
        race_lines.setdefault(line.slot_id, []).append(line)
    hold_lines = scenarios.hold_lines(hold_sessions, slots, settings=settings)
    await _vacuum()  # after the set-up's last write
    return Load(targets, race_lines, hold_lines[:-1], hold_lines[-1])


async def _vacuum() -> None:
    """PostgreSQL: analyse and vacuum the bound database as one in service is. Otherwise
    autovacuum does it during the measurements, and each of its writes moves the cluster's WAL
    position, the change marker that rendered pages are reused under. Analyse first: it leaves
    old statistics rows behind, which the next query plan would otherwise clean up, logging it."""
    engine = database.current_engine()
    if not database.is_sqlite(engine):
        await engine.run_ddl("ANALYZE")
        await engine.run_ddl("VACUUM")


async def _count_queries(settings: Settings, targets: scenarios.Targets, hold: scenarios.HoldLine) -> dict:
    """Statements per request: a page's first request ("<page>_cold", rendered) and the next one
    (served from the rendered fragments while nothing changes, as under load)."""
    app = create_app(settings)
    counts = {}
    for page in PAGES:
        headers = {"hx-request": "true"} if page == "slots" else {}
        url = getattr(targets, page)
        counts[f"{page}_cold"] = await scenarios.queries_per_request(app, url, headers=headers)
        counts[page] = await scenarios.queries_per_request(app, url, headers=headers)
    counts["hold"] = await scenarios.queries_per_request(
        app,
        hold.path,
        headers={
            "cookie": hold.cookie,
            scenarios.CSRF_HEADER: hold.csrf_token,
            "content-type": "application/x-www-form-urlencoded",
        },
        body=hold.body.encode(),
    )
    return counts


def _site(database_url: str, media: Path, workdir: Path, label: str) -> Server:
    env = site_env(database_url, media, production=True)
    return Server(label, "app.main:create_app_from_env", env, workdir / f"{label}.log")


def _site_repetition(result: EngineResult, database_url, media, workdir, plan: Plan, load: Load, repetition):
    with _site(database_url, media, workdir, "site") as server:
        base = server.base_url
        for page in PAGES:
            headers = {"HX-Request": "true"} if page == "slots" else None
            measured = measure(server, base + getattr(load.targets, page), plan, headers=headers)
            result.runs.setdefault(page, []).append(measured)
        if repetition == 0:
            result.first_load = scenarios.first_load(base, load.targets.results)
        share = plan.hold_lines_per_run
        first = repetition * 2 * share
        lines = [line.as_wrk_line() for line in load.hold_lines[first : first + 2 * share]]
        measured = measure_posts(server, plan, workdir / f"hold-{repetition}", lines[:share], lines[share:])
        result.runs.setdefault("hold", []).append(measured)
        result.rss_mb.append(server.rss_mb())


def _reference_repetition(
    result: EngineResult, reference_db: Path, workdir: Path, plan: Plan, repetition: int
):
    env = {reference.DB_ENV: str(reference_db)}
    log = workdir / "reference.log"
    with Server("reference", "bench.reference:create_app", env, log, ready_path="/plaintext") as server:
        base = server.base_url
        for name, path in (("P", "/plaintext"), ("F", "/fortunes"), ("F_naive", "/fortunes-naive")):
            measured = measure(server, base + path, plan)
            result.runs.setdefault(name, []).append(measured)
        # Distinct slots for every booking of every run.
        first = repetition * plan.reference_bookings
        lines = [
            ("/book", "", "", f"slot={slot + 1}&resident=r{slot}")
            for slot in range(first, first + plan.reference_bookings)
        ]
        half = plan.reference_bookings // 2
        measured = measure_posts(server, plan, workdir / f"book-{repetition}", lines[:half], lines[half:])
        result.runs.setdefault("B", []).append(measured)


# --- report --------------------------------------------------------------------------------------


def summary(result: EngineResult) -> dict:
    medians = {name: result.median(name) for name in result.runs}
    fortunes, booking = medians["F"].rps, medians["B"].rps
    endpoints = {}
    for name in (*PAGES, "hold"):
        m = medians[name]
        baseline = booking if name == "hold" else fortunes
        endpoints[name] = {
            "rps": round(m.rps, 1),
            "p50_ms": round(m.p50_ms, 2),
            "p99_ms": round(m.p99_ms, 2),
            "errors": m.errors,
            "ratio": round(m.rps / baseline, 3) if baseline else None,
            "queries": result.queries.get(name),
            "queries_cold": result.queries.get(f"{name}_cold", result.queries.get(name)),
        }
    endpoints["hold"]["server_errors"] = medians["hold"].server_errors
    return {
        "engine": result.engine,
        "reference": {name: round(medians[name].rps, 1) for name in REFERENCES},
        "endpoints": endpoints,
        "race_ok": bool(result.race and result.race.ok),
        "first_load_bytes": result.first_load.bytes if result.first_load else None,
        "scale_ratio": round(medians["results"].p50_ms / medians["results_40"].p50_ms, 2),
        "rss_mb": round(max(result.rss_mb), 1),
        "seed_seconds": round(result.seed_seconds, 1),
    }


def print_table(result: EngineResult, data: dict) -> None:
    medians = {name: result.median(name) for name in result.runs}
    print()
    print(
        f"== {result.engine}: medians of {len(result.runs['F'])} runs, {data['rss_mb']} MB largest worker =="
    )
    columns = (("endpoint", -12), ("req/s", 9), ("p50 ms", 9), ("p99 ms", 9), ("errors", 8), ("ratio", 8))
    columns += (("CPU µs/req", 12), ("queries", 9))
    header = "".join(f"{title:<{-width}}" if width < 0 else f"{title:>{width}}" for title, width in columns)
    print(header)
    print("-" * len(header))
    rows = [*PAGES, "hold", "results_40", *REFERENCES]
    for name in rows:
        m = medians[name]
        endpoint = data["endpoints"].get(name, {})
        ratio = f"{endpoint['ratio']:.3f}" if endpoint.get("ratio") is not None else ""
        queries = endpoint.get("queries")
        if queries is not None and endpoint["queries_cold"] != queries:
            queries = f"{queries}/{endpoint['queries_cold']}"
        print(
            f"{name:<12}{m.rps:>9.0f}{m.p50_ms:>9.1f}{m.p99_ms:>9.1f}{m.errors:>8}{ratio:>8}"
            f"{m.cpu_us:>12.0f}{'' if queries is None else queries:>9}"
        )
    print(
        "ratio: req/s over F for pages, over B for the hold; queries: per request as under load/first; "
        "results_40: the results page on a 40-provider city"
    )
    print(f"seeding: {data['seed_seconds']} s for {result.seed_counts}")
    if result.race:
        print(f"race check: {'passed' if result.race.ok else 'FAILED'}: {result.race.slots} slots x "
              f"{scenarios.RACE_HOLDS_PER_SLOT} holds -> statuses {result.race.statuses} "
              f"(largest worker afterwards: {result.race_rss_mb:.0f} MB)")  # fmt: skip
    if result.first_load:
        print(f"first load of the results page: {result.first_load.bytes:,} bytes compressed "
              f"({len(result.first_load.assets)} assets)")  # fmt: skip
        for problem in result.first_load.problems:
            print(f"  static asset problem: {problem}")
    big, small = medians["results"].p50_ms, medians["results_40"].p50_ms
    providers, few = result.seed_counts["providers"], result.small_providers
    print(
        f"scale: results p50 {big:.1f} ms at {providers:,} providers vs {small:.1f} ms at {few} "
        f"-> {data['scale_ratio']}"
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny city and one-second runs")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    wrk.ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="cityloop-bench-"))
    lines = []
    try:
        postgres_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
        if postgres_url:
            with postgres_databases(postgres_url) as create:
                stamp = f"{os.getpid()}"
                urls = {
                    "city": create(f"cityloop_bench_{stamp}"),
                    "small": create(f"cityloop_bench_small_{stamp}"),
                }
                result = bench_engine("postgresql", urls, workdir / "postgresql", plan)
            data = summary(result)
            print_table(result, data)
            lines.append(data)
        sqlite_dir = workdir / "sqlite"
        urls = {
            "city": f"sqlite:///{sqlite_dir / 'city.sqlite3'}",
            "small": f"sqlite:///{sqlite_dir / 'small.sqlite3'}",
        }
        result = bench_engine("sqlite", urls, sqlite_dir, plan)
        data = summary(result)
        print_table(result, data)
        lines.append(data)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    from bench import upload_memory  # imports this module's site_env

    upload_memory.main(["--smoke"] if args.smoke else [])
    print()
    for data in lines:
        print(json.dumps(data, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
