"""What the benchmark asks of the site: the URLs it loads, the holds it posts, the race it runs.

Targets are read from the seeded database, so they are real: a category and neighbourhood with a
full page of providers, a search word that many providers match, a provider with reviews and free
times, a day with free times, and distinct (resident, free slot) pairs for holds.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import httpx
from litestar import Litestar
from litestar.middleware.csrf import generate_csrf_token

from app import database
from app.accounts.services import session_token_hash
from app.accounts.sessions import cookie_name
from app.accounts.tables import UserAccount, UserSession
from app.catalog.tables import Provider
from app.settings import Settings
from app.shared.citytime import city_today

CSRF_COOKIE = "__Host-csrftoken"  # production's name (the site runs in production mode)
CSRF_HEADER = "x-csrftoken"
HOLD_ADDRESS = "Carrer de Sueca 12, 3ª"
RACE_SLOTS = 50
RACE_HOLDS_PER_SLOT = 20
HOLDS_PER_RESIDENT = 3  # the most a resident may hold at once


@dataclass(frozen=True)
class Targets:
    results: str  # category + neighbourhood filter
    search: str
    provider: str
    slots: str  # the times fragment of one day (an htmx request)


@dataclass(frozen=True)
class HoldLine:
    path: str
    cookie: str
    csrf_token: str
    body: str
    slot_id: int

    def as_wrk_line(self) -> tuple[str, str, str, str]:
        return (self.path, self.cookie, self.csrf_token, self.body)


async def pick_targets(*, now: datetime, settings: Settings) -> Targets:
    """The busiest category + neighbourhood pair, a common search word, the most reviewed provider."""
    pair = await Provider.raw(
        "SELECT c.slug AS category, n.slug AS neighbourhood, COUNT(DISTINCT p.id) AS providers "
        "FROM provider p JOIN service s ON s.provider = p.id JOIN category c ON c.id = s.category "
        "JOIN provider_service_area a ON a.provider = p.id JOIN neighbourhood n ON n.id = a.neighbourhood "
        "WHERE p.is_verified AND s.location = 'customer_address' "
        "GROUP BY c.slug, n.slug ORDER BY providers DESC, c.slug, n.slug LIMIT 1"
    )
    provider = await Provider.raw(
        "SELECT p.slug, s.public_id FROM provider p JOIN service s ON s.provider = p.id "
        "WHERE p.is_verified AND NOT p.is_suspended AND NOT s.is_archived AND p.next_free_at IS NOT NULL "
        "ORDER BY p.rating_count DESC, p.id, s.position LIMIT 1"
    )
    word = await _common_search_word()
    day = city_today(now, settings.city.zone) + timedelta(days=1)
    slug, service = provider[0]["slug"], provider[0]["public_id"]
    category, neighbourhood = pair[0]["category"], pair[0]["neighbourhood"]
    return Targets(
        results=f"/?{urlencode({'category': category, 'neighbourhood': neighbourhood})}",
        search=f"/?{urlencode({'q': word})}",
        provider=f"/providers/{slug}",
        slots=f"/providers/{slug}/book/{service}?{urlencode({'day': day.isoformat()})}",
    )


async def _common_search_word() -> str:
    """The most common word of six letters or more in service names: a word residents would type."""
    rows = await Provider.raw("SELECT name FROM service ORDER BY id LIMIT 2000")
    words = Counter(
        word.lower() for row in rows for word in re.findall(r"[^\W\d_]{6,}", row["name"], flags=re.UNICODE)
    )
    return words.most_common(1)[0][0]


async def resident_sessions(count: int, *, now: datetime, offset: int = 0) -> list[tuple[int, str]]:
    """(resident id, session token) for ``count`` seeded residents, signed in with fresh sessions."""
    residents = (
        await UserAccount.select(UserAccount.id)
        .where(UserAccount.role == "resident", UserAccount.email.like("%@bench.cityloop.example"))
        .order_by(UserAccount.id)
        .offset(offset)
        .limit(count)
    )
    if len(residents) < count:
        raise RuntimeError(
            f"the seeded city has too few residents ({offset + len(residents)} < {offset + count})"
        )
    signed_in = [(row["id"], secrets.token_urlsafe(32)) for row in residents]
    for start in range(0, len(signed_in), 500):
        async with database.transaction():
            await UserSession.insert(
                *(
                    UserSession(
                        token_hash=session_token_hash(token),
                        account=resident_id,
                        data="{}",
                        created_at=now,
                        last_seen_at=now,
                        expires_at=now + timedelta(days=1),
                    )
                    for resident_id, token in signed_in[start : start + 500]
                )
            )
    return signed_in


async def free_slots(
    count: int, *, now: datetime, exclude: Sequence[dict] = (), single_seat: bool = False
) -> list[dict]:
    """``count`` distinct free slots far enough ahead to book, spread over providers, no two of
    them taking one team member at overlapping times (so each hold can succeed); ``single_seat``:
    only slots one booking fills, as the race check needs."""
    rows = await bookable_slots(
        f"{'sl.capacity = 1 AND sl.booked = 0 ' if single_seat else 'TRUE '}"
        "ORDER BY (sl.id % 100003) * 7919 % 100003, sl.id LIMIT {}",
        now=now,
        # More than asked: those overlapping a slot already chosen for their member are left out.
        values=(4 * (count + len(exclude)) + 10,),
    )
    taken: dict[int, list[tuple]] = {}

    def take(row: dict) -> bool:
        claim = (database.instant_from_db(row["starts_at"]), database.instant_from_db(row["claim_until"]))
        if any(claim[0] < until and start < claim[1] for start, until in taken.get(row["member"], [])):
            return False
        taken.setdefault(row["member"], []).append(claim)
        return True

    for row in exclude:
        take(row)
    excluded = {row["id"] for row in exclude}
    slots = [row for row in rows if row["id"] not in excluded and take(row)][:count]
    if len(slots) < count:
        raise RuntimeError(f"the seeded city has too few free slots ({len(slots)} < {count})")
    return slots


async def bookable_slots(condition: str, *, now: datetime, values: Sequence = ()) -> list[dict]:
    """Slots with a free seat that can still be booked, as ``hold_lines`` needs them, that also
    meet ``condition`` (SQL on ``sl`` the slot, ``s`` its service, ``p`` its provider, with
    ``{}`` for each of ``values``; it may end with ORDER BY and LIMIT)."""
    return await Provider.raw(
        "SELECT sl.id, sl.starts_at, sl.member, sl.claim_until, sl.capacity, sl.provider, "
        "m.public_id AS member_public_id, s.public_id, s.location, p.slug, "
        "(SELECT a.neighbourhood FROM provider_service_area a WHERE a.provider = p.id "
        " ORDER BY a.neighbourhood LIMIT 1) AS area "
        "FROM slot sl JOIN service s ON s.id = sl.service JOIN provider p ON p.id = sl.provider "
        "JOIN team_member m ON m.id = sl.member "
        "WHERE sl.booked < sl.capacity AND NOT sl.is_closed AND NOT sl.is_withdrawn AND sl.book_by > {} "
        f"AND p.is_verified AND NOT p.is_suspended AND NOT s.is_archived AND {condition}",
        now + timedelta(hours=1),
        *values,
    )


def hold_lines(
    sessions: list[tuple[int, str]],
    slots: list[dict],
    *,
    settings: Settings,
    per_resident: int = HOLDS_PER_RESIDENT,
) -> list[HoldLine]:
    """One hold per entry of ``slots``; each resident posts ``per_resident`` of them."""
    session_cookie = cookie_name(settings)
    lines = []
    for index, slot in enumerate(slots):
        _, token = sessions[index // per_resident]
        csrf = generate_csrf_token(settings.secret_key)
        starts_at = database.instant_from_db(slot["starts_at"])
        # The slot's own person: every line claims exactly the slot it was drawn for.
        fields = {
            "starts_at": starts_at.isoformat(),
            "day": starts_at.date().isoformat(),
            "member": slot["member_public_id"],
        }
        if slot["location"] == "customer_address":
            fields |= {"address": HOLD_ADDRESS, "neighbourhood": str(slot["area"])}
        lines.append(
            HoldLine(
                path=f"/providers/{slot['slug']}/book/{slot['public_id']}",
                cookie=f"{session_cookie}={token}; {CSRF_COOKIE}={csrf}",
                csrf_token=csrf,
                body=urlencode(fields),
                slot_id=slot["id"],
            )
        )
    return lines


@dataclass(frozen=True)
class RaceResult:
    slots: int
    attempts: int
    statuses: dict[int, int]
    winners_per_slot: dict[int, int]
    booked_per_slot: dict[int, int]

    @property
    def ok(self) -> bool:
        return (
            all(count == 1 for count in self.winners_per_slot.values())
            and len(self.winners_per_slot) == self.slots
            and all(count == 1 for count in self.booked_per_slot.values())
            and self.statuses.get(303, 0) == self.slots
            and self.statuses.get(409, 0) == self.attempts - self.slots
        )


async def line_post(client: httpx.AsyncClient, line: HoldLine, *, base_url: str = "") -> httpx.Response:
    """Send one line as the resident's browser would (session cookie, CSRF token, form body)."""
    return await client.post(
        base_url + line.path,
        content=line.body,
        headers={
            "cookie": line.cookie,
            CSRF_HEADER: line.csrf_token,
            "content-type": "application/x-www-form-urlencoded",
        },
    )


async def race(base_url: str, lines_per_slot: dict[int, list[HoldLine]]) -> RaceResult:
    """Every line at once: each slot must be won exactly once; the others get 409, none a 5xx."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def post(line: HoldLine) -> tuple[int, int]:
            return line.slot_id, (await line_post(client, line)).status_code

        everything = [line for lines in lines_per_slot.values() for line in lines]
        results = await asyncio.gather(*(post(line) for line in everything))
    statuses = Counter(status for _, status in results)
    winners = Counter(slot for slot, status in results if status == 303)
    slot_ids = list(lines_per_slot)
    booked = await Provider.raw(
        f"SELECT id, booked FROM slot WHERE id IN ({', '.join('{}' for _ in slot_ids)})", *slot_ids
    )
    return RaceResult(
        slots=len(slot_ids),
        attempts=len(everything),
        statuses=dict(statuses),
        winners_per_slot={slot: winners.get(slot, 0) for slot in slot_ids},
        booked_per_slot={row["id"]: row["booked"] for row in booked},
    )


async def queries_per_request(app: Litestar, path: str, *, headers: dict[str, str], body: bytes = b"") -> int:
    """Statements one request runs, counted in-process against the same database."""
    parts = urlsplit(path)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST" if body else "GET",
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    statuses = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    with database.count_queries() as counted:
        await app(scope, receive, send)
    if not statuses or statuses[0] >= 400:
        raise RuntimeError(f"{path} answered {statuses} while counting its queries")
    return counted[0]


@dataclass(frozen=True)
class FirstLoad:
    bytes: int  # HTML + CSS + JS as transferred (compressed)
    assets: list[str]
    problems: list[str]  # assets not compressed, not fingerprinted or not cached for a year


def first_load(base_url: str, path: str) -> FirstLoad:
    """What a first visit to ``path`` downloads before it can render, with gzip as browsers ask."""
    problems = []
    with httpx.Client(base_url=base_url, headers={"accept-encoding": "gzip"}, timeout=30) as client:
        page = client.get(path)
        total = page.num_bytes_downloaded
        html = page.text
        assets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html) + re.findall(
            r'<script[^>]+src="([^"]+)"', html
        )
        for asset in assets:
            if not asset.startswith("/"):
                continue  # a third party's script (e.g. payments) is not on this page's first load
            response = client.get(asset)
            total += response.num_bytes_downloaded
            if response.headers.get("content-encoding") != "gzip":
                problems.append(f"{asset}: not compressed")
            if "?v=" not in asset:
                problems.append(f"{asset}: no fingerprint in the URL")
            if "max-age=31536000" not in response.headers.get("cache-control", ""):
                problems.append(f"{asset}: not cached for a year")
    return FirstLoad(bytes=total, assets=assets, problems=problems)
