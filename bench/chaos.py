"""`make chaos`: races, crashes and a locked database against real servers, checked afterwards.

    python -m bench.chaos            # the full run (a few minutes per engine)
    python -m bench.chaos --short    # fewer residents and a 6 s lock: what CI runs

Per engine (PostgreSQL first when CHAOS_DATABASE_URL names a server where it may create a
database, as BENCH_DATABASE_URL does for `make bench`; SQLite last), a small city is seeded with
the benchmark's code and served in production mode by two servers on one database
(``python -m app.serve``, two workers each, loopback only) that take payments through localstripe:

1. hold race: residents press "Hold this time" all at once, across both servers, on one slot of
   three seats, then on the overlapping times of every service of a business with two people;
2. kill -9 during holds: residents hold, one server is killed (SIGKILL to master and workers) and
   started again on its port, the residents carry on; then the holds lapse;
3. kill -9 during payments: residents pay with the test card, one server is killed and started
   again, the reconciler runs, residents whose booking is still unpaid press Pay again;
4. SQLite only: an outside connection holds the write lock (BEGIN IMMEDIATE) for 15 s while
   pages, /healthz and holds are asked for.

Each scenario is a row of the table: requests sent, acknowledged (holds and payments the site
confirmed with a 303), checks passed/failed, figures. Failed checks are listed under the table
and the exit status is 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import io
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx

from app import database
from app.booking.services import bookings_expire_lapsed
from app.booking.state import LIVE_STATUSES_SQL
from app.booking.tables import Booking, Slot
from app.catalog.tables import Service
from app.cli import migrate, register_local_webhook
from app.demo.scale import load_city_at_scale
from app.main import RECONCILE_SECONDS
from app.payments.rules import PaymentStatus
from app.payments.services import PaymentConfig, payments_reconcile
from app.payments.tables import Payment, Refund
from app.settings import Settings
from bench import scenarios, servers
from bench.run import postgres_databases, site_env
from bench.scenarios import HoldLine
from bench.servers import Server

SITE = "app.main:create_app_from_env"
CARD_OK = "4242424242424242"
SEATS = 3  # the raced slot's capacity
CONCURRENCY = 16  # requests under way at once while a server is killed
READ_BOUND_SECONDS = 1.0
# The write deadline the site is configured with (app.database reads the same variable).
WRITE_DEADLINE_ENV = "DATABASE_WRITE_DEADLINE_SECONDS"
LOCK_WRITES = 30  # holds kept ready for the locked-database scenario
ALERT = re.compile(r'role="alert">\s*<p>(.*?)</p>', re.DOTALL)
STRIPE_ENV = {
    "STRIPE_SECRET_KEY": "sk_test_cityloop_chaos",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_cityloop_chaos",
    "STRIPE_WEBHOOK_SECRET": "whsec_cityloop_chaos",
}


@dataclass(frozen=True)
class Plan:
    race_residents: int  # per race
    crash_holds: int
    payments: int
    lock_seconds: float


FULL = Plan(race_residents=200, crash_holds=400, payments=120, lock_seconds=15)
SHORT = Plan(race_residents=100, crash_holds=90, payments=64, lock_seconds=6)


@dataclass
class Row:
    scenario: str
    engine: str
    requests: int = 0
    acknowledged: int = 0
    passed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    figures: str = ""

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        if ok:
            self.passed.append(name)
        else:
            self.failed.append((name, detail))


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (the server died or refused the connection)
    seconds: float
    location: str = ""
    retry_after: str | None = None
    json: dict | None = None
    message: str = ""  # the page's alert, when it refused


def _statuses(answers: list[Answer]) -> str:
    counts = Counter("lost" if a.status is None else str(a.status) for a in answers)
    return ", ".join(f"{status} ×{n}" for status, n in sorted(counts.items()))


def _server_errors(row: Row, answers: list[Answer]) -> None:
    errors = Counter(a.status for a in answers if a.status is not None and a.status >= 500)
    row.check("no 5xx", not errors, f"answers {dict(errors)}")


def _client() -> httpx.AsyncClient:
    # A connection per request, as residents on their own phones.
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    return httpx.AsyncClient(limits=limits, timeout=60)


async def _ask(send: Callable[[], Awaitable[httpx.Response]]) -> Answer:
    started = time.perf_counter()
    try:
        response = await send()
    except httpx.TransportError:
        return Answer(None, time.perf_counter() - started)
    is_json = response.headers.get("content-type", "").startswith("application/json")
    alert = ALERT.search(response.text) if response.status_code >= 400 and not is_json else None
    return Answer(
        response.status_code,
        time.perf_counter() - started,
        response.headers.get("location", ""),
        response.headers.get("retry-after"),
        response.json() if is_json else None,
        html.unescape(alert.group(1)) if alert else "",
    )


def _post(client: httpx.AsyncClient, base_url: str, line: HoldLine) -> Awaitable[Answer]:
    return _ask(lambda: scenarios.line_post(client, line, base_url=base_url))


def _public_id(answer: Answer) -> str:
    return answer.location.rsplit("/", 1)[-1] if answer.status == 303 else ""


# --- the servers -------------------------------------------------------------------------------


class Balancer:
    """Hands each request to the next server that is up, as a load balancer would, and counts
    the requests under way at each."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers
        self.down: set[int] = set()
        self.under_way = Counter()
        self._turn = 0

    def next_server(self) -> int:
        up = [n for n in range(len(self.servers)) if n not in self.down]
        self._turn += 1
        return up[self._turn % len(up)]


@dataclass
class Crash:
    """Kill server ``victim`` once ``after`` answers are in and it has requests under way, then
    start it again on its port."""

    victim: int
    after: int
    in_flight: int = 0  # requests under way at the victim when it was killed
    restart_seconds: float = 0.0
    task: asyncio.Task | None = None

    def due(self, balancer: Balancer, answered: int) -> bool:
        return self.task is None and answered >= self.after and balancer.under_way[self.victim] >= 2

    async def run(self, balancer: Balancer) -> None:
        server = balancer.servers[self.victim]
        balancer.down.add(self.victim)
        self.in_flight = balancer.under_way[self.victim]
        server.kill()
        started = time.perf_counter()
        await asyncio.to_thread(server.start)
        self.restart_seconds = time.perf_counter() - started
        balancer.down.discard(self.victim)


async def _send(
    balancer: Balancer,
    lines: list[HoldLine],
    *,
    crash: Crash | None = None,
    prepare: Callable[[HoldLine], Awaitable[HoldLine]] | None = None,
) -> list[Answer]:
    """Every line, CONCURRENCY at a time, each to the next server up; with ``crash``, one server
    is killed mid-stream (its requests under way get no answer) and this waits for its restart."""
    gate = asyncio.Semaphore(CONCURRENCY)
    answered = 0
    async with _client() as client:

        async def one(line: HoldLine) -> Answer:
            nonlocal answered
            async with gate:
                if prepare:
                    line = await prepare(line)
                server = balancer.next_server()
                balancer.under_way[server] += 1
                answer = await _post(client, balancer.servers[server].base_url, line)
                balancer.under_way[server] -= 1
            answered += 1
            if crash and crash.due(balancer, answered):
                crash.task = asyncio.create_task(crash.run(balancer))
            return answer

        answers = await asyncio.gather(*(one(line) for line in lines))
        if crash:
            await (crash.task or crash.run(balancer))  # never found busy: killed idle, still restarted
    return list(answers)


# --- what the database must show ---------------------------------------------------------------


async def _seat_checks(row: Row) -> None:
    """No slot has more live bookings than seats, and each slot's seat count is its live bookings."""
    live = Counter(
        r["slot"]
        for r in await Booking.raw(f"SELECT slot FROM booking WHERE status IN ({LIVE_STATUSES_SQL})")
    )
    slots = await Slot.raw("SELECT id, booked, capacity FROM slot WHERE booked > 0")
    ids = set(live) | {s["id"] for s in slots}
    by_id = {s["id"]: s for s in slots}
    missing = [i for i in ids if i not in by_id]
    for start in range(0, len(missing), 500):  # slots with live bookings but no seat counted
        chunk = missing[start : start + 500]
        for s in await Slot.select(Slot.id, Slot.booked, Slot.capacity).where(Slot.id.is_in(chunk)):
            by_id[s["id"]] = s
    over = [i for i in ids if max(live[i], by_id[i]["booked"]) > by_id[i]["capacity"]]
    drift = [i for i in ids if live[i] != by_id[i]["booked"]]
    row.check("no seat over capacity", not over, f"{len(over)} slots, e.g. {over[:5]}")
    row.check("seat counts match live bookings", not drift, f"{len(drift)} slots, e.g. {drift[:5]}")


async def _person_check(row: Row) -> None:
    """A team member is in at most one visit (one slot, however many seats) at any instant."""
    rows = await Booking.raw(
        "SELECT member, slot, starts_at, COALESCE(claim_until, ends_at) AS until FROM booking "
        f"WHERE member IS NOT NULL AND status IN ({LIVE_STATUSES_SQL})"
    )
    visits: dict[int, set[tuple]] = defaultdict(set)
    for r in rows:
        visits[r["member"]].add(
            (database.instant_from_db(r["starts_at"]), database.instant_from_db(r["until"]), r["slot"])
        )
    clashes = []
    for member, claims in visits.items():
        latest = None
        for start, until, slot in sorted(claims):
            if latest is not None and start < latest[0]:
                clashes.append((member, latest[1], slot))
            if latest is None or until > latest[0]:
                latest = (until, slot)
    row.check("no person booked twice at once", not clashes, f"{len(clashes)} clashes, e.g. {clashes[:3]}")


async def _acknowledged_present(row: Row, acknowledged: list[tuple[int, int, str]], what: str) -> None:
    """Every (resident, slot, booking public id) the site acknowledged is a live booking."""
    found = {}
    ids = [public_id for _, _, public_id in acknowledged]
    for start in range(0, len(ids), 500):
        for b in await Booking.select(
            Booking.public_id, Booking.resident, Booking.slot, Booking.status
        ).where(Booking.public_id.is_in(ids[start : start + 500])):
            found[b["public_id"]] = b
    missing = [
        public_id
        for resident, slot, public_id in acknowledged
        if not (
            (b := found.get(public_id))
            and (b["resident"], b["slot"]) == (resident, slot)
            and b["status"] in ("held", "confirmed")
        )
    ]
    row.check(f"every acknowledged {what} in the database", not missing, f"{len(missing)} missing")


# --- the scenarios -----------------------------------------------------------------------------


@dataclass
class City:
    """The seeded city, handed out: residents (signed in) and free slots, none used twice."""

    engine: str
    settings: Settings
    now: datetime
    residents_used: int = 0
    lock_slots: list[dict] = field(default_factory=list)

    async def residents(self, count: int) -> list[tuple[int, str]]:
        sessions = await scenarios.resident_sessions(count, now=self.now, offset=self.residents_used)
        self.residents_used += count
        return sessions

    async def lines(self, slots: list[dict]) -> tuple[list[HoldLine], list[int]]:
        """One hold per slot, each by a resident of its own; also the residents' ids."""
        sessions = await self.residents(len(slots))
        lines = scenarios.hold_lines(sessions, slots, settings=self.settings, per_resident=1)
        return lines, [resident for resident, _ in sessions]


async def _race(row: Row, city: City, balancer: Balancer, targets: list[dict], winners: int) -> None:
    """Every resident presses at once, one slot of ``targets`` each in turn, half on each server."""
    count = row.requests
    lines, residents = await city.lines([targets[n % len(targets)] for n in range(count)])
    started = time.perf_counter()
    async with _client() as client:
        answers = await asyncio.gather(
            *(
                _post(client, balancer.servers[n % len(balancer.servers)].base_url, line)
                for n, line in enumerate(lines)
            )
        )
    seconds = time.perf_counter() - started
    acknowledged = [
        (r, line.slot_id, _public_id(a)) for r, line, a in zip(residents, lines, answers, strict=True)
    ]
    acknowledged = [a for a in acknowledged if a[2]]
    row.acknowledged = len(acknowledged)
    statuses = Counter(a.status for a in answers)
    row.check(
        f"{winners} × 303, the rest 409",
        statuses == Counter({303: winners, 409: count - winners}),
        f"answers {_statuses(answers)}",
    )
    await _acknowledged_present(row, acknowledged, "hold")
    await _seat_checks(row)
    await _person_check(row)
    row.figures = f"{_statuses(answers)} in {seconds:.1f} s"


async def hold_races(engine: str, city: City, balancer: Balancer, plan: Plan) -> tuple[list[Row], list[dict]]:
    """One slot of SEATS seats; then every service of a two-person business at one instant.
    Returns the rows and the raced slots (kept out of the other scenarios)."""
    (slot,) = await scenarios.free_slots(1, now=city.now, single_seat=True)
    service = (await Slot.select(Slot.service).where(Slot.id == slot["id"]).first())["service"]
    await Service.update({Service.capacity: SEATS}).where(Service.id == service)
    await Slot.update({Slot.capacity: SEATS}).where(Slot.service == service)
    one = Row(f"hold race: 1 slot of {SEATS} seats", engine, requests=plan.race_residents)
    await _race(one, city, balancer, [slot], SEATS)

    team = await Slot.raw(
        "SELECT provider FROM team_member WHERE is_active AND provider != {} "
        "GROUP BY provider HAVING COUNT(*) = 2 ORDER BY provider LIMIT 1",
        slot["provider"],
    )
    provider = team[0]["provider"]
    # An instant a few days ahead: every service's start that runs over it, for each person.
    first = await scenarios.bookable_slots(
        "sl.provider = {} AND sl.booked = 0 ORDER BY sl.starts_at LIMIT 1 OFFSET 60",
        now=city.now,
        values=(provider,),
    )
    instant = database.instant_from_db(first[0]["starts_at"]) + timedelta(minutes=1)
    targets = await scenarios.bookable_slots(
        "sl.provider = {} AND sl.booked = 0 AND sl.starts_at <= {} AND sl.ends_at > {} ORDER BY sl.id",
        now=city.now,
        values=(provider, instant, instant),
    )
    people = len({t["member"] for t in targets})
    services = len({t["public_id"] for t in targets})
    overlapping = Row(
        f"hold race: {services} services, {people} people", engine, requests=plan.race_residents
    )
    await _race(overlapping, city, balancer, targets, people)
    return [one, overlapping], [slot, *targets]


async def crash_during_holds(engine: str, city: City, balancer: Balancer, slots: list[dict]) -> Row:
    row = Row("kill -9 during holds", engine, requests=len(slots))
    lines, residents = await city.lines(slots)
    half = len(lines) // 2
    crash = Crash(victim=0, after=half // 4)
    answers = await _send(balancer, lines[:half], crash=crash)
    answers += await _send(balancer, lines[half:])  # both servers again, the restarted one too
    acknowledged = [
        (r, line.slot_id, _public_id(a)) for r, line, a in zip(residents, lines, answers, strict=True)
    ]
    row.acknowledged = sum(1 for a in acknowledged if a[2])
    _server_errors(row, answers)
    refused = Counter(f"{a.status} {a.message}" for a in answers if a.status not in (None, 303))
    row.check("every answered hold acknowledged", not refused, f"refused: {dict(refused)}")
    await _acknowledged_present(row, [a for a in acknowledged if a[2]], "hold")
    await _seat_checks(row)
    await _person_check(row)
    # Holds made by requests that got no answer: the resident never saw them, and they must lapse.
    unanswered = [
        (r, line.slot_id) for r, line, a in zip(residents, lines, answers, strict=True) if a.status is None
    ]
    unseen = 0
    for resident, slot in unanswered:
        unseen += await Booking.count().where(Booking.resident == resident, Booking.slot == slot)
    # The sweep every server runs, as it runs once the holds' time is up.
    latest = (
        await Booking.select(Booking.held_until)
        .where(Booking.status == "held")
        .order_by(Booking.held_until, ascending=False)
        .first()
    )
    lapse_at = (latest["held_until"] if latest else city.now) + timedelta(seconds=1)
    holding = await Booking.count().where(Booking.status == "held")
    await bookings_expire_lapsed(now=lapse_at)
    left = await Booking.count().where(Booking.status == "held", Booking.held_until <= lapse_at)
    seats = await Slot.select(Slot.booked).where(Slot.id.is_in([line.slot_id for line in lines]))
    row.check(
        "lapsed holds expire and give their seats back",
        left == 0 and sum(s["booked"] for s in seats) == 0,
        f"{left} holds past their time, {sum(s['booked'] for s in seats)} seats still taken",
    )
    row.figures = (
        f"{_statuses(answers)}; killed with {crash.in_flight} under way there ({unseen} held anyway); "
        f"restart {crash.restart_seconds:.1f} s; {holding - left} holds lapsed"
    )
    return row


async def _intents_at_stripe(settings: Settings) -> list[dict]:
    """Every PaymentIntent localstripe has (it runs for this engine only)."""
    intents, params = [], {"limit": 100}
    auth = (settings.stripe.secret_key, "")
    async with httpx.AsyncClient(base_url=settings.stripe.api_base, auth=auth, timeout=30) as client:
        while True:
            listing = await client.get("/v1/payment_intents", params=params)
            listing.raise_for_status()
            page = listing.json()
            intents += page["data"]
            if not page.get("has_more") or not page["data"]:
                return intents
            params = {"limit": 100, "starting_after": page["data"][-1]["id"]}


def _next_reconcile() -> datetime:
    """When the servers' own timer runs the reconciler next: the requests are long over by then."""
    return datetime.now(UTC) + timedelta(seconds=RECONCILE_SECONDS)


async def crash_during_payments(engine: str, city: City, balancer: Balancer, slots: list[dict]) -> Row:
    row = Row("kill -9 during payments", engine)
    holds, _ = await city.lines(slots)
    held = await _send(balancer, holds)
    booked = [(line, _public_id(a)) for line, a in zip(holds, held, strict=True) if a.status == 303]
    row.check("set-up: every hold acknowledged", len(booked) == len(holds), f"holds {_statuses(held)}")
    config = PaymentConfig.from_settings(city.settings)

    async def with_card(line: HoldLine) -> HoldLine:
        # What Stripe.js does on the page: the card becomes a payment method, just before Pay.
        method = await config.gateway.test_card(CARD_OK)
        return replace(line, body=urlencode({"payment_method": method}))

    pay = [replace(line, path=f"/bookings/{public_id}/pay") for line, public_id in booked]
    half = len(pay) // 2
    crash = Crash(victim=0, after=half // 4)
    answers = await _send(balancer, pay[:half], crash=crash, prepare=with_card)
    answers += await _send(balancer, pay[half:], prepare=with_card)
    first = await payments_reconcile(config=config, now=_next_reconcile())
    public_ids = [public_id for _, public_id in booked]
    rows = await Booking.select(Booking.id, Booking.public_id, Booking.status, Booking.price_cents).where(
        Booking.public_id.is_in(public_ids)
    )
    bookings = {b["public_id"]: b for b in rows}
    stranded = Counter(
        p["status"] + ("" if p["stripe_payment_intent"] else " (no intent)")
        for p in await Payment.select(Payment.status, Payment.stripe_payment_intent).where(
            Payment.booking.is_in([b["id"] for b in rows]),
            Payment.status.is_in([s.value for s in PaymentStatus if s.in_flight]),
        )
    )
    # Residents whose booking is still unpaid press Pay again, as they would.
    unpaid = [line for line in pay if bookings[line.path.split("/")[2]]["status"] != "confirmed"]
    again = await _send(balancer, unpaid, prepare=with_card)
    second = await payments_reconcile(config=config, now=_next_reconcile())
    row.requests = len(pay) + len(unpaid)
    paid_lines = [line for line, a in zip(pay + unpaid, answers + again, strict=True) if a.status == 303]
    row.acknowledged = len(paid_lines)
    _server_errors(row, answers + again)

    booking_ids = [b["id"] for b in rows]
    statuses = {
        b["public_id"]: b["status"]
        for b in await Booking.select(Booking.public_id, Booking.status).where(Booking.id.is_in(booking_ids))
    }
    payments = await Payment.select(
        Payment.booking, Payment.status, Payment.amount_cents, Payment.stripe_payment_intent
    ).where(Payment.booking.is_in(booking_ids))
    refunds = await Refund.select(Refund.booking, Refund.amount_cents, Refund.status).where(
        Refund.booking.is_in(booking_ids)
    )
    unfinished = Counter(p["status"] for p in payments if PaymentStatus(p["status"]).in_flight)
    row.check(
        "no payment attempt left unfinished", not unfinished, f"after two reconciler runs: {dict(unfinished)}"
    )
    recorded = {p["stripe_payment_intent"] for p in payments if p["status"] == "succeeded"}
    charged = [i for i in await _intents_at_stripe(city.settings) if i["status"] == "succeeded"]
    unrecorded = [i["id"] for i in charged if i["id"] not in recorded]
    row.check("every charge at Stripe in the ledger", not unrecorded, f"{len(unrecorded)} charges unrecorded")
    net = Counter()
    for p in payments:
        if p["status"] == "succeeded":
            net[p["booking"]] += p["amount_cents"]
    for r in refunds:
        if r["status"] != "failed":
            net[r["booking"]] -= r["amount_cents"]
    wrong = [
        b["public_id"]
        for b in rows
        if statuses[b["public_id"]] != "confirmed" or net[b["id"]] != b["price_cents"]
    ]
    row.check(
        "every booking paid exactly once", not wrong, f"{len(wrong)} of {len(rows)} unpaid or paid twice"
    )
    lost_payments = [
        line.path.split("/")[2] for line in paid_lines if statuses[line.path.split("/")[2]] != "confirmed"
    ]
    row.check(
        "every acknowledged payment confirmed", not lost_payments, f"{len(lost_payments)} not confirmed"
    )
    stranded_text = ", ".join(f"{s} ×{n}" for s, n in sorted(stranded.items())) or "none"
    row.figures = (
        f"pay {_statuses(answers)}; killed with {crash.in_flight} under way there, restart "
        f"{crash.restart_seconds:.1f} s; reconciler repaired {first.payments_changed}, left {stranded_text}; "
        f"pay again {_statuses(again) or 'not needed'}; then repaired {second.payments_changed}; "
        f"{len(charged)} charges at Stripe"
    )
    return row


async def locked_database(
    city: City, server: Server, database_path: Path, slots: list[dict], plan: Plan
) -> Row:
    """An outside connection takes SQLite's write lock and keeps it for plan.lock_seconds."""
    row = Row(f"SQLite write lock {plan.lock_seconds:.0f} s", city.engine)
    deadline = float(os.environ.get(WRITE_DEADLINE_ENV) or 5)
    lines, _ = await city.lines(slots)
    pages = ["/", f"/providers/{slots[0]['slug']}", "/healthz"]
    reads: list[tuple[str, Answer]] = []
    writes: list[Answer] = []
    async with _client() as client:
        for page in pages:  # warm: the pages' renderings are reused while nothing changes
            await client.get(server.base_url + page)
        lock = sqlite3.connect(database_path, isolation_level=None, timeout=30)
        lock.execute("BEGIN IMMEDIATE")
        release_at = time.perf_counter() + plan.lock_seconds

        async def reader(page: str) -> None:
            while time.perf_counter() < release_at:
                reads.append((page, await _ask(lambda: client.get(server.base_url + page))))
                await asyncio.sleep(0.2)

        async def writer() -> None:
            # Only writes whose deadline falls inside the lock: each of them must be refused.
            while lines and time.perf_counter() + deadline + 0.5 < release_at:
                writes.append(await _post(client, server.base_url, lines.pop()))

        async def release() -> None:
            await asyncio.sleep(max(0.0, release_at - time.perf_counter()))
            lock.execute("ROLLBACK")
            lock.close()

        await asyncio.gather(*(reader(page) for page in pages), writer(), writer(), release())
        after = await _post(client, server.base_url, lines.pop())
        health_after = await _ask(lambda: client.get(server.base_url + "/healthz"))
    row.requests = len(reads) + len(writes) + 2
    row.acknowledged = sum(1 for a in [*writes, after] if a.status == 303)
    slow = [
        (page, round(a.seconds, 2), a.status)
        for page, a in reads
        if a.status is None or a.seconds > READ_BOUND_SECONDS
    ]
    page_reads = [a for page, a in reads if page != "/healthz"]
    health = [a for page, a in reads if page == "/healthz"]
    row.check(
        f"reads answer within {READ_BOUND_SECONDS:.0f} s",
        not [s for s in slow if s[0] != "/healthz"] and all(a.status == 200 for a in page_reads),
        f"slow or failed: {[s for s in slow if s[0] != '/healthz'][:5]}",
    )
    row.check(
        f"/healthz answers within {READ_BOUND_SECONDS:.0f} s",
        not [s for s in slow if s[0] == "/healthz"],
        f"slow or failed: {[s for s in slow if s[0] == '/healthz'][:5]}",
    )
    row.check(
        "/healthz says writes are unavailable",
        any((a.json or {}).get("writes") == "unavailable" for a in health),
        f"answers {Counter(str(a.json) for a in health).most_common(2)}",
    )
    refused = [a for a in writes if a.status == 503 and a.retry_after and a.seconds <= deadline + 1]
    row.check(
        f"writes get 503 + Retry-After within {deadline:.0f} s",
        bool(writes) and len(refused) == len(writes),
        f"writes {[(a.status, round(a.seconds, 1), a.retry_after) for a in writes]}",
    )
    row.check(
        "writes succeed after the lock, no restart",
        after.status == 303
        and health_after.status == 200
        and (health_after.json or {}).get("writes") != "unavailable",
        f"hold {after.status} in {after.seconds:.1f} s, /healthz {health_after.status} {health_after.json}",
    )
    longest = max((a.seconds for a in page_reads), default=0.0)
    longest_health = max((a.seconds for a in health), default=0.0)
    row.figures = (
        f"reads {len(page_reads)}, longest {longest:.2f} s; /healthz {len(health)}, longest "
        f"{longest_health:.2f} s; writes {[(a.status, round(a.seconds, 1)) for a in writes]}; after: "
        f"{after.status} in {after.seconds:.2f} s"
    )
    return row


# --- one engine --------------------------------------------------------------------------------


def chaos_env(database_url: str, media_root: Path, stripe_url: str) -> dict[str, str]:
    return {
        **site_env(database_url, media_root, production=True),
        **STRIPE_ENV,
        "STRIPE_API_BASE": stripe_url,
        "STRIPE_JS_URL": f"{stripe_url}/js.stripe.com/v3/",
    }


def seed(database_url: str, media_root: Path, plan: Plan, now: datetime) -> None:
    settings = Settings.from_env(site_env(database_url, media_root, production=False))
    residents = 2 * plan.race_residents + plan.crash_holds + plan.payments + LOCK_WRITES + 100

    async def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()):  # the migrations' progress
            await migrate(settings)
        await load_city_at_scale(
            settings, now=now, providers=40, days=14, past_bookings=200, reviews=100, residents=residents
        )

    asyncio.run(run())


async def _scenario(rows: list[Row], name: str, engine: str, run: Callable[[], Awaitable]) -> None:
    """A scenario that stops on an error still gives its row, with the error as a failed check."""
    try:
        result = await run()
    except Exception as error:  # reported in the table, then the run goes on
        logging.exception("%s on %s", name, engine)
        row = Row(name, engine)
        row.check("ran to the end", False, repr(error))
        rows.append(row)
        return None
    rows.extend(result if isinstance(result, list) else [result])
    return result


async def crowd_scenarios(city: City, balancer: Balancer, plan: Plan) -> list[Row]:
    database.bind(database.engine_from_url(city.settings.database_url))
    engine, rows, raced = city.engine, [], []

    async def races() -> list[Row]:
        found, slots = await hold_races(engine, city, balancer, plan)
        raced.extend(slots)
        return found

    await _scenario(rows, "hold race", engine, races)
    # Slots no two of which take one person at once, nor any raced one: every hold can succeed.
    slots = await scenarios.free_slots(
        plan.crash_holds + plan.payments + LOCK_WRITES, now=city.now, exclude=raced, single_seat=True
    )
    holds, payments = slots[: plan.crash_holds], slots[plan.crash_holds : plan.crash_holds + plan.payments]
    city.lock_slots = slots[plan.crash_holds + plan.payments :]
    await _scenario(
        rows, "kill -9 during holds", engine, lambda: crash_during_holds(engine, city, balancer, holds)
    )
    await _scenario(
        rows,
        "kill -9 during payments",
        engine,
        lambda: crash_during_payments(engine, city, balancer, payments),
    )
    return rows


async def lock_scenario(city: City, server: Server, path: Path, plan: Plan) -> list[Row]:
    database.bind(database.engine_from_url(city.settings.database_url))
    rows: list[Row] = []
    name = f"SQLite write lock {plan.lock_seconds:.0f} s"
    await _scenario(
        rows, name, city.engine, lambda: locked_database(city, server, path, city.lock_slots, plan)
    )
    return rows


def engine_rows(engine: str, database_url: str, workdir: Path, plan: Plan) -> list[Row]:
    workdir.mkdir(parents=True, exist_ok=True)
    media = workdir / "media"
    print(f"[{engine}] seeding a 40-provider city ...", flush=True)
    seed(database_url, media, plan, datetime.now(UTC))
    with servers.localstripe() as stripe_url:
        env = chaos_env(database_url, media, stripe_url)
        city = City(engine, Settings.from_env(env), datetime.now(UTC))
        print(f"[{engine}] races, crashes and payments on two servers ...", flush=True)
        with servers.running([Server(name, SITE, env, workdir / f"{name}.log") for name in "ab"]) as (a, b):
            # Stripe's events go to the server that stays up (real Stripe retries them for days).
            secret = city.settings.stripe.webhook_secret
            register_local_webhook(stripe_url, f"{b.base_url}/stripe/webhook", secret)
            rows = asyncio.run(crowd_scenarios(city, Balancer([a, b]), plan))
        path = database.sqlite_path(database_url)
        if path is not None and city.lock_slots:
            print(f"[{engine}] an outside write lock for {plan.lock_seconds:.0f} s ...", flush=True)
            # One worker: the reads share its event loop with the writes waiting for the lock.
            with Server("lock", SITE, env, workdir / "lock.log", worker_count=1) as server:
                rows += asyncio.run(lock_scenario(city, server, path, plan))
    return rows


# --- report ------------------------------------------------------------------------------------

COLUMNS = (("scenario", -34), ("engine", -12), ("requests", 9), ("acked", 7), ("checks", 9), ("  figures", 0))


def print_table(rows: list[Row]) -> None:
    header = "".join(f"{t:<{-w}}" if w < 0 else f"{t:>{w}}" for t, w in COLUMNS)
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        checks = f"{len(row.passed)}/{len(row.passed) + len(row.failed)}"
        print(
            f"{row.scenario:<34}{row.engine:<12}{row.requests:>9}{row.acknowledged:>7}{checks:>9}"
            f"  {row.figures}"
        )
    print(
        "acked: holds and payments the site acknowledged (303); checks: passed/run; "
        "lost: requests a killed server never answered"
    )
    failed = [(row, name, detail) for row in rows for name, detail in row.failed]
    if failed:
        print(f"\n{len(failed)} checks failed:")
        for row, name, detail in failed:
            print(f"  {row.scenario} ({row.engine}): {name}: {detail}")
    else:
        print("\nevery check passed")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="fewer residents and a 6 s lock (CI)")
    args = parser.parse_args(argv)
    plan = SHORT if args.short else FULL
    workdir = Path(tempfile.mkdtemp(prefix="cityloop-chaos-"))
    rows: list[Row] = []
    try:
        postgres_url = os.environ.get("CHAOS_DATABASE_URL", "").strip()
        if postgres_url:
            with postgres_databases(postgres_url) as create:
                url = create(f"cityloop_chaos_{os.getpid()}")
                rows += engine_rows("postgresql", url, workdir / "postgresql", plan)
        sqlite_dir = workdir / "sqlite"
        rows += engine_rows("sqlite", f"sqlite:///{sqlite_dir / 'city.sqlite3'}", sqlite_dir, plan)
    finally:
        print_table(rows)
        if any(row.failed for row in rows):
            kept = Path(tempfile.gettempdir()) / f"cityloop-chaos-logs-{os.getpid()}"
            kept.mkdir(exist_ok=True)
            for log in workdir.glob("*/*.log"):
                shutil.copy(log, kept / f"{log.parent.name}-{log.name}")
            print(f"server logs: {kept}")
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if any(row.failed for row in rows) or not rows else 0


if __name__ == "__main__":
    raise SystemExit(main())
