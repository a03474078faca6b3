"""The application's route table as data, a small city to aim requests at, and what its pages offer.

The fuzzing suite and the access matrix are both generated from here: they iterate the routes of the
app that ``create_app`` builds, so a new route is fuzzed (and must be classified in the matrix)
without touching either suite. What a route's requests carry is learnt from the site itself: a
crawl of the world's pages as each actor records every link and form, so path values are ids the
pages really show and form fields are the ones the templates really render.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import shutil
import sqlite3
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import asyncpg
from litestar import Litestar
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.params import QueryParameter
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from litestar.utils import normalize_path
from PIL import Image

from app import database
from app.accounts.identity import Role
from app.accounts.services import session_create
from app.booking.tables import Booking, Slot
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Provider, Service, TeamMember
from app.main import create_app
from app.payments.services import PaymentConfig
from app.redemption.services import booking_redeem
from app.reviews.tables import Review
from app.shared.clock import FixedClock
from tests.conftest import TEST_NOW, settings_for
from tests.factories import MADRID, make_account, make_listed_provider
from tests.http.conftest import BASE_URL, browser
from tests.stripe_helpers import pay

CSRF_COOKIE = "csrftoken"
CSRF_FIELD = "_csrf_token"
SESSION_COOKIE = "cityloop_session"
HOST = urlsplit(BASE_URL).netloc

# --- the route table ---------------------------------------------------------------------------

_PARAM = re.compile(r"{(\w+):(\w+)}")


@dataclass(frozen=True)
class Endpoint:
    """One method of one route, as the route table declares it."""

    method: str
    path: str  # the template as Litestar declares it: /bookings/{public_id:str}
    params: tuple[tuple[str, str], ...]  # (name, type) of each path parameter
    query: tuple[str, ...]  # query parameters the handler declares
    guards: tuple[str, ...]  # the guards' names: requires_login, requires_provider, ...

    @property
    def template(self) -> str:
        """The template as the router names it to a request: /bookings/{public_id}."""
        return _PARAM.sub(r"{\1}", self.path)

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def signed_in_only(self) -> bool:
        return any(name.startswith("requires_") for name in self.guards)

    @property
    def roles(self) -> frozenset[Role]:
        """The roles the guards let through, read from the names ``requires_role`` gives them
        (requires_provider_or_admin); a guard that names no role lets every role through."""
        allowed = set(Role)
        for name in self.guards:
            named = {r for r in Role if r.value in name.removeprefix("requires_").split("_or_")}
            allowed &= named or set(Role)
        return frozenset(allowed)

    def url(self, values: dict[str, str]) -> str:
        """The template with ``values`` (already escaped for a URL) in place of its parameters."""
        return _PARAM.sub(lambda m: values[m.group(1)], self.path)


def _query_name(name: str, declared) -> str | None:
    if isinstance(declared, QueryParameter):
        return declared.name or name
    return getattr(declared, "query", None)


def endpoints(app: Litestar) -> list[Endpoint]:
    """Every method of every HTTP route, except the OPTIONS answers Litestar adds by itself."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                if method == "OPTIONS" and handler.handler_name == "options_handler":
                    continue
                query = tuple(
                    sorted(
                        _query_name(name, definition.kwarg_definition)
                        for name, definition in handler.parsed_fn_signature.parameters.items()
                        if _query_name(name, definition.kwarg_definition)
                    )
                )
                found.append(
                    Endpoint(
                        method=method,
                        path=route.path,
                        params=tuple(_PARAM.findall(route.path)),
                        query=query,
                        guards=tuple(getattr(g, "__name__", repr(g)) for g in handler.resolve_guards()),
                    )
                )
    return sorted(found, key=lambda e: (e.path, e.method))


def route_table() -> list[Endpoint]:
    """The endpoints of the app the HTTP fixtures build, read at collection time (no database)."""
    try:
        previous = database.current_engine()
    except RuntimeError:
        previous = None
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(settings_for(f"sqlite:///{scratch}/routes.sqlite3", Path(scratch) / "media"))
        table = endpoints(app)
    if previous is not None:
        database.bind(previous)
    return table


def template_of(app: Litestar, method: str, path: str) -> tuple[str, dict] | None:
    """The route template and path values the router picks for ``path`` (None: no such route)."""
    try:
        _, _, _, values, template = app.asgi_router.handle_routing(
            path=normalize_path(unquote(path)), method=method
        )
    except (NotFoundException, MethodNotAllowedException):
        return None
    return template, values


# --- actors ------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
RESIDENT_A = "resident_a"
RESIDENT_B = "resident_b"
PROVIDER_A = "provider_a"
PROVIDER_B = "provider_b"
ADMIN = "admin"
ACTORS = (ANONYMOUS, RESIDENT_A, RESIDENT_B, PROVIDER_A, PROVIDER_B, ADMIN)
ROLE_OF = {
    ANONYMOUS: None,
    RESIDENT_A: Role.resident,
    RESIDENT_B: Role.resident,
    PROVIDER_A: Role.provider,
    PROVIDER_B: Role.provider,
    ADMIN: Role.admin,
}
# Whose pages the crawl reads: B's pages mirror A's, and A's are the ones others must not reach.
CRAWLED = (ANONYMOUS, RESIDENT_A, PROVIDER_A, ADMIN)


# --- what the pages offer ----------------------------------------------------------------------


# What a form gets where a person would have to type something.
FILLER = {
    "date": "2026-12-09",
    "time": "10:00",
    "number": "1",
    "email": "walk@example.com",
    "password": "correct horse battery",
    "tel": "600 123 456",
}
FILLER_TEXT = "Written by the route walk, long enough to count."


@dataclass
class FormField:
    name: str
    kind: str  # an <input> type, "textarea", "select" or "select-multiple"
    values: list[str] = field(default_factory=list)  # what the page offers, the default first
    chosen: list[str] = field(default_factory=list)  # what a browser would send untouched

    def filled(self) -> list[str]:
        """What a person completing the form would send: the defaults, else a choice, else text."""
        offered = [v for v in self.values if v]
        if self.kind == "file" or (self.kind == "checkbox" and not self.chosen):
            return []
        if self.kind in ("radio", "select", "select-multiple"):
            chosen = [v for v in self.chosen if v]
            return chosen or offered[:1]
        if self.chosen and self.chosen[0]:
            return self.chosen[:1]
        return [FILLER.get(self.kind, "" if self.kind == "hidden" else FILLER_TEXT)]


@dataclass
class Form:
    method: str
    url: str  # where it posts, as the page wrote it (path and query)
    seen_by: str
    page: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def submission(self, changes: dict | None = None) -> dict[str, list[str] | str]:
        """The form as a person would send it, with ``changes`` (a name, or its last part); without
        the CSRF token it was rendered with (the caller sends its own)."""
        data: dict[str, list[str] | str] = {
            name: entry.filled() for name, entry in self.fields.items() if name != CSRF_FIELD
        }
        for key, value in (changes or {}).items():
            name = key if key in self.fields else next((n for n in self.fields if n.endswith(f"-{key}")), key)
            data[name] = value
        return {name: value for name, value in data.items() if value != []}


class _PageParser(HTMLParser):
    """Links, hx-* addresses, image sources and forms (with their fields) of one page."""

    def __init__(self, page: str, actor: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.actor = page, actor
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._open: list[Form] = []
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def _field(self, name: str, kind: str) -> FormField | None:
        if not self._open or not name:
            return None
        form = self._open[-1]
        return form.fields.setdefault(name, FormField(name, kind))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for name in ("href", "src", "hx-get"):
            if a.get(name):
                self.links.append(a[name])
        if a.get("value", "").startswith(BASE_URL):  # the calendar feed's address, shown to copy
            self.links.append(a["value"])
        if tag == "form":
            method = "POST" if a.get("hx-post") or a.get("method", "get").lower() == "post" else "GET"
            self._open.append(
                Form(method, a.get("hx-post") or a.get("action") or self.page, self.actor, self.page)
            )
            self.forms.append(self._open[-1])
        elif a.get("hx-post") and tag != "form":  # a button or link that posts by itself
            self.forms.append(Form("POST", a["hx-post"], self.actor, self.page))
        elif tag in ("input", "button") and self._open:
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            if a.get("formaction"):  # a second target for the same fields
                base = self._open[-1]
                self.forms.append(Form("POST", a["formaction"], self.actor, self.page, base.fields))
            if kind in ("submit", "button", "image", "reset"):
                return
            entry = self._field(a.get("name", ""), kind)
            if entry is None:
                return
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            entry.values.append(value)
            if kind not in ("checkbox", "radio") or "checked" in a:
                entry.chosen.append(value)
        elif tag == "select":
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = self._field(a.get("name", ""), kind)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.values.append(value)
            if "selected" in a:
                self._select.chosen.append(value)
        elif tag == "textarea":
            self._textarea = self._field(a.get("name", ""), "textarea")
            if self._textarea is not None:
                self._textarea.values.append("")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._open:
            self._open.pop()
        elif tag == "select":
            if self._select is not None and not self._select.chosen and self._select.values:
                self._select.chosen.append(self._select.values[0])
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                self._textarea.chosen = [self._textarea.values[-1].removeprefix("\n")]
            self._textarea = None


def local_path(address: str, page: str) -> str | None:
    """``address`` as a path and query on this site, or None when it leads elsewhere."""
    parts = urlsplit(address)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != HOST):
        return None
    path = parts.path or urlsplit(page).path
    if not path.startswith("/"):
        path = urlsplit(page).path.rsplit("/", 1)[0] + "/" + path
    return path + (f"?{parts.query}" if parts.query else "")


@dataclass
class SiteMap:
    """What the crawl saw: addresses per route template and actor, forms, and the values in them."""

    urls: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    forms: dict[str, list[Form]] = field(default_factory=lambda: defaultdict(list))  # by endpoint key
    # (template, parameter) -> value -> the actors whose pages showed it
    path_values: dict[tuple[str, str], dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    query_values: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    field_names: set[str] = field(default_factory=set)
    pages_read: int = 0

    def note(self, app: Litestar, method: str, address: str, actor: str) -> str | None:
        """Record an address the site showed; returns its endpoint key (None: not one of ours)."""
        parts = urlsplit(address)
        found = template_of(app, method, parts.path)
        if found is None:
            return None
        template, values = found
        for name, value in values.items():  # a path parameter's value comes with its leading slash
            self.path_values[(template, name)][str(value).lstrip("/")].add(actor)
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            self.query_values[(template, name)].add(value)
        seen = self.urls[(template, actor)]
        if address not in seen:
            seen.append(address)
        return f"{method} {template}"

    def values(self, endpoint: Endpoint, name: str, actor: str | None = None) -> list[str]:
        """Values the pages showed for a path parameter: in this template, else in templates that
        start the same way (the same kind of thing), else anywhere; only ``actor``'s if given."""
        prefix = endpoint.template.split(f"{{{name}}}")[0]
        tiers = [lambda t: t == endpoint.template, lambda t: t.startswith(prefix)]
        for accept in tiers if actor else [*tiers, lambda t: True]:
            found = sorted(
                value
                for (template, parameter), shown in self.path_values.items()
                if parameter == name and accept(template)
                for value, actors in shown.items()
                if actor is None or actor in actors
            )
            if found:
                return found
        return []

    def address(self, endpoint: Endpoint, actor: str, *, built: bool = True) -> str | None:
        """An address of ``endpoint`` in ``actor``'s pages, else (if ``built``) one made of values
        their pages showed for the same parameters."""
        for form in self.forms.get(endpoint.key, []):
            if form.seen_by == actor:
                return form.url
        if seen := self.urls.get((endpoint.template, actor)):
            return seen[0]
        if not built:
            return None
        values = {}
        for name, _ in endpoint.params:
            found = self.values(endpoint, name, actor) or self.values(endpoint, name)
            if not found:
                return None
            values[name] = found[0]
        return endpoint.url(values)


# Enough addresses of each template to see its forms in their states, few enough to stay quick.
CRAWL_PER_TEMPLATE = 6
_NOT_PAGES = ("/static/", "/vendor/", "/media/", "/calendar/")


async def site_map_read(app: Litestar, caller: Caller, actors=CRAWLED) -> SiteMap:
    site = SiteMap()
    for actor in actors:
        queue, queued = ["/"], {"/"}
        per_template: Counter[str] = Counter()
        while queue:
            address = queue.pop(0)
            key = site.note(app, "GET", address, actor)
            if key is None or address.startswith(_NOT_PAGES):
                continue
            per_template[key] += 1
            if per_template[key] > CRAWL_PER_TEMPLATE:
                continue
            response = await caller.send(actor, "GET", address, tally=False)
            site.pages_read += 1
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue
            parser = _PageParser(address, actor)
            parser.feed(response.text)
            for form in parser.forms:
                target = local_path(form.url, address)
                if target is None:
                    continue
                form.url = target
                form_key = site.note(app, form.method, target, actor)
                if form_key is not None:
                    site.forms[form_key].append(form)
                    site.field_names.update(form.fields)
                if form.method == "GET" and target not in queued:
                    queued.add(target)
                    queue.append(target)
            for link in parser.links:
                target = local_path(link, address)
                if target is not None and target not in queued:
                    queued.add(target)
                    queue.append(target)
    return site


# --- sending requests as an actor ------------------------------------------------------------


def error_kind(status: int, logged: list[str]) -> str:
    """A 5xx told apart by what the app logged: its status, exception type and where it was raised."""
    return f"{status} {logged[0].split(': ', 1)[0] if logged else '(nothing logged)'}"


@dataclass
class Tally:
    """Requests sent and server errors met, for the summary at the end of the run."""

    requests: int = 0
    errors: Counter = field(default_factory=Counter)  # 5xx answers by endpoint key
    # endpoint key -> what went wrong (status, exception and where) -> [times, first request]
    kinds: dict[str, dict[str, list]] = field(default_factory=lambda: defaultdict(dict))

    def record(self, endpoint_key: str, status: int, request: str, logged: list[str]) -> None:
        self.requests += 1
        if status >= 500:
            self.errors[endpoint_key] += 1
            seen = self.kinds[endpoint_key].setdefault(
                error_kind(status, logged), [0, f"{request}; {logged}"]
            )
            seen[0] += 1


TALLIES: dict[str, Tally] = defaultdict(Tally)  # by suite name; printed by tests/http/conftest.py


class _Errors(logging.Handler):
    """What the app logged with a traceback while serving the request just sent."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frame = record.exc_info[2]
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            where = f" at {Path(frame.tb_frame.f_code.co_filename).name}:{frame.tb_lineno}" if frame else ""
            self.seen.append(f"{type(error).__name__}{where}: {str(error)[:160]}")


@contextmanager
def logged_errors() -> Iterator[_Errors]:
    handler = _Errors()
    logger = logging.getLogger("cityloop")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


class Caller:
    """One test client that sends each request as one of the actors, with a valid CSRF token.

    Every request gets a freshly minted session for its actor, so a sign-out or a password change
    sent earlier never turns the next requests anonymous.
    """

    def __init__(self, app: Litestar, client: AsyncTestClient, world: World, suite: str = "") -> None:
        self.app, self.client, self.world = app, client, world
        self.tally = TALLIES[suite] if suite else None
        self.csrf = ""
        self.last_errors: list[str] = []

    async def start(self) -> Caller:
        self.client.cookies.clear()
        await self.client.get("/login")
        self.csrf = self.client.cookies[CSRF_COOKIE]
        return self

    def in_app(self, function, /, **kwargs):
        """Run ``function(**kwargs)`` (a coroutine) on the app's event loop and wait for it.

        The test client serves the app from a loop of its own, in a thread; the database pool the
        app opens belongs to that loop, so the tests' own queries must run there too.
        """
        return self.client.blocking_portal.call(functools.partial(function, **kwargs))

    def session_for(self, actor: str) -> str | None:
        account_id = self.world.accounts.get(actor)
        if account_id is None:
            return None
        lifetime = timedelta(days=1)
        return self.in_app(
            session_create, account_id=account_id, data={}, now=self.world.now, lifetime=lifetime
        )

    async def send(self, actor: str, method: str, url: str, *, tally: bool = True, key: str = "", **kwargs):
        self.client.cookies.clear()
        self.client.cookies.set(CSRF_COOKIE, self.csrf, domain=HOST)
        if (token := self.session_for(actor)) is not None:
            self.client.cookies.set(SESSION_COOKIE, token, domain=HOST)
        with logged_errors() as errors:
            response = await self.client.request(method, url, **kwargs)
        self.last_errors = errors.seen
        if tally and self.tally is not None:
            if not key:
                found = template_of(self.app, method, urlsplit(url).path)
                key = f"{method} {found[0]}" if found else f"{method} {urlsplit(url).path[:80]}"
            self.tally.record(key, response.status_code, f"{actor} {method} {url[:160]}", errors.seen)
        return response

    async def post_form(self, actor: str, url: str, data: dict | None = None, **kwargs):
        return await self.send(actor, "POST", url, data={**(data or {}), CSRF_FIELD: self.csrf}, **kwargs)


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    """A small city where each actor owns something another actor could try to reach."""

    now: datetime
    accounts: dict[str, int]  # actor -> account id
    bookings: dict[str, str]  # "a_at_a_redeemed", "b_at_b_held", ... -> public id
    # Strings only resident A, provider A (and the admin) may see: redemption codes and notes of A's
    # visits to A, A's days off, A's calendar feed address.
    secrets: list[str]
    site: SiteMap = field(default_factory=SiteMap)


def jpeg(size=(640, 480), colour=(200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


async def submit(caller: Caller, actor: str, page: str, action: str, changes: dict | None = None, **kwargs):
    """Send the form on ``page`` that posts to ``action`` as a browser would, with ``changes``."""
    shown = await caller.send(actor, "GET", page, tally=False)
    parser = _PageParser(page, actor)
    parser.feed(shown.text)
    forms = [f for f in parser.forms if f.method == "POST" and urlsplit(f.url).path == action]
    assert forms, f"no form on {page} posts to {action}"
    form = forms[0]
    response = await caller.post_form(actor, form.url, form.submission(changes), tally=False, **kwargs)
    assert response.status_code in (200, 303), f"{action}: {response.status_code}"
    return response


async def _hold(caller: Caller, actor: str, slug: str, note: str, day: str = "") -> str:
    """The resident holds the first free time of the provider's first service on ``day``."""
    page = await caller.send(actor, "GET", f"/providers/{slug}", tally=False)
    book_url = re.search(rf'href="(/providers/{slug}/book/\w+)"', page.text).group(1)
    held = await submit(caller, actor, f"{book_url}?day={day}", book_url, {"note": note})
    return held.headers["location"].rsplit("/", 1)[1]


async def _provider(provider_id: int) -> dict:
    return await Provider.select().where(Provider.id == provider_id).first()


async def world_build(app: Litestar, client: AsyncTestClient, settings, clock) -> World:
    """Residents A and B, providers A and B with what a business has, an admin, and their visits.

    Provider A has a team of three (one has left), an archived service, photos, days off, a closed
    time and a closed day; B mirrors the basics. A has visited A (reviewed, approved, answered)
    and B (reviewed, waiting for moderation); B has visited B (reviewed, reported by B). Each
    resident then has a confirmed and a held visit to come. A suspended resident and a suspended,
    and an unverified, business give the admin something to reinstate and verify.
    """
    accounts = {ADMIN: (await make_account("admin@example.com", "Marta Admin", role=Role.admin)).id}
    accounts[RESIDENT_A] = (await make_account("lucia@example.com", "Lucía Navarro")).id
    accounts[RESIDENT_B] = (await make_account("pablo@example.com", "Pablo Ruiz")).id
    sara = (await make_account("sara@example.com", "Sara Gil")).id
    provider_a = await make_listed_provider(
        "Casa Neta",
        owner_email="neta@example.com",
        team=("Neta Vidal", "Rosa Puig", "Pau Soler"),
        services=(
            ("Unblock a drain", 6800, 8000),
            ("Fix a tap", 5000, 6000),
            ("Descale a boiler", 7000, 9000),
        ),
        location=ServiceLocation.provider_premises,
    )
    provider_b = await make_listed_provider(
        "Aigua Clara",
        owner_email="aigua@example.com",
        neighbourhood_name="Russafa",
        services=(("Service a boiler", 9000, 11000),),
        location=ServiceLocation.provider_premises,
    )
    await make_listed_provider("Forn Vell", owner_email="forn@example.com", category_name="Cleaning")
    await make_account("nou@example.com", "Joan Nou", role=Role.provider, business_name="Taller Nou")
    for actor, provider_id in ((PROVIDER_A, provider_a), (PROVIDER_B, provider_b)):
        accounts[actor] = (await _provider(provider_id))["owner"]
    world = World(now=clock.now(), accounts=accounts, bookings={}, secrets=[])
    caller = await Caller(app, client, world).start()
    payments = PaymentConfig.from_settings(settings)

    for actor, provider_id, side in ((PROVIDER_A, provider_a, "A"), (PROVIDER_B, provider_b, "B")):
        photos = [
            ("photos", (f"{side}{n}.jpg", jpeg(colour=(40 * n, 90, 160)), "image/jpeg")) for n in (1, 2)
        ]
        await submit(
            caller, actor, "/dashboard/photos", "/dashboard/photos", {"alt_text": "The van"}, files=photos
        )
        holiday = {"first_day": "2026-12-24", "last_day": "2026-12-26", "note": f"Holiday of {side}"}
        await submit(caller, actor, "/dashboard/hours", "/dashboard/time-off", holiday)
        members = await TeamMember.select().where(TeamMember.provider == provider_id).order_by(TeamMember.id)
        member = f"/dashboard/team/{members[1 if len(members) > 1 else 0]['public_id']}"
        away = {"first_day": "2026-12-28", "last_day": "2026-12-28", "note": f"Course of {side}"}
        await submit(caller, actor, member, f"{member}/time-off", away)
        portrait = {"photo": ("me.jpg", jpeg((300, 300)), "image/jpeg")}
        await submit(caller, actor, member, f"{member}/photo", files=portrait)
        world.secrets += [f"Holiday of {side}", f"Course of {side}"] if side == "A" else []
    world.secrets.append((await _provider(provider_a))["calendar_token"])
    pau = (await TeamMember.select().where(TeamMember.name == "Pau Soler").first())["public_id"]
    await submit(caller, PROVIDER_A, f"/dashboard/team/{pau}/leave", f"/dashboard/team/{pau}/leave")
    descale = await Service.select().where(Service.name == "Descale a boiler").first()
    archive = f"/dashboard/services/{descale['public_id']}/archive"
    await submit(caller, PROVIDER_A, "/dashboard/services", archive)
    await caller.post_form(PROVIDER_A, "/dashboard/calendar/days/2026-12-04/close", tally=False)
    closed = await Slot.select(Slot.id).where(Slot.provider == provider_a).order_by(Slot.starts_at).first()
    await caller.post_form(PROVIDER_A, f"/dashboard/calendar/slots/{closed['id']}/close", tally=False)
    await submit(caller, ADMIN, "/admin/users?email=sara", f"/admin/users/{sara}/suspend", {"reason": "Spam"})
    await submit(
        caller,
        ADMIN,
        "/admin/providers/forn-vell",
        "/admin/providers/forn-vell/suspend",
        {"reason": "Closed"},
    )

    # Visits today, paid and redeemed (then the clock moves past them): A to A, A to B, B to B.
    visits = (
        (RESIDENT_A, PROVIDER_A, provider_a, "a_at_a"),
        (RESIDENT_A, PROVIDER_B, provider_b, "a_at_b"),
        (RESIDENT_B, PROVIDER_B, provider_b, "b_at_b"),
    )
    for resident, provider, provider_id, name in visits:
        slug = (await _provider(provider_id))["slug"]
        public_id = await _hold(caller, resident, slug, f"Ring twice ({name})")
        await pay(payments, accounts[resident], public_id, clock.now())
        booking = await Booking.select().where(Booking.public_id == public_id).first()
        await booking_redeem(
            provider_id=provider_id,
            account_id=accounts[provider],
            typed=booking["redemption_code"],
            now=booking["starts_at"] - timedelta(minutes=5),
            zone=MADRID,
            locale="en_GB",
        )
        world.bookings[f"{name}_redeemed"] = public_id
        if name == "a_at_a":
            world.secrets += [booking["redemption_code"], f"Ring twice ({name})"]
    clock.set(max(b["ends_at"] for b in await Booking.select(Booking.ends_at)) + timedelta(hours=1))
    world.now = clock.now()
    for name, stars in (("a_at_a", "5"), ("a_at_b", "4"), ("b_at_b", "3")):
        resident = RESIDENT_A if name.startswith("a_") else RESIDENT_B
        review = f"/bookings/{world.bookings[f'{name}_redeemed']}/review"
        body = {"stars": stars, "body": f"A careful visit, on time and tidy ({name})."}
        photo = [("photos", ("visit.jpg", jpeg((500, 400)), "image/jpeg"))]
        await submit(caller, resident, review, review, body, files=photo)
    reviews = {r["body"][-8:-2]: r["id"] for r in await Review.select(Review.id, Review.body)}
    for name in ("a_at_a", "b_at_b"):
        await caller.post_form(ADMIN, f"/admin/reviews/{reviews[name]}/approve", tally=False)
    answer = f"/dashboard/reviews/{reviews['a_at_a']}/reply"
    await submit(caller, PROVIDER_A, "/dashboard/reviews", answer, {"text": "Thank you, see you soon."})
    report = f"/dashboard/reviews/{reviews['b_at_b']}/report"
    await submit(caller, PROVIDER_B, "/dashboard/reviews", report, {"note": "Not our customer."})

    # Then a confirmed visit on Thursday and a held one on Friday for each resident.
    for resident, provider_id, side in ((RESIDENT_A, provider_a, "a"), (RESIDENT_B, provider_b, "b")):
        slug = (await _provider(provider_id))["slug"]
        confirmed = await _hold(caller, resident, slug, f"Gate code 12{side}", day="2026-11-26")
        await pay(payments, accounts[resident], confirmed, world.now)
        world.bookings[f"{side}_at_{side}_confirmed"] = confirmed
        world.bookings[f"{side}_at_{side}_held"] = await _hold(
            caller, resident, slug, f"Second floor {side}", day="2026-11-27"
        )
        if side == "a":
            code = await Booking.select(Booking.redemption_code).where(Booking.public_id == confirmed).first()
            world.secrets += [code["redemption_code"], "Gate code 12a", "Second floor a"]
    return world


# --- copies of the world -----------------------------------------------------------------------


@dataclass
class Snapshot:
    """The world built once per engine and session; each test gets its own copy."""

    engine: str
    world: World
    media: Path
    database_url: str


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a database in WAL mode (the backup API reads through the log)."""
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        origin.backup(copy)
    finally:
        copy.close()
        origin.close()


def media_copy(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)


# Served with a pool on PostgreSQL (the app's lifespan opens it on its loop; see Caller.in_app): a new
# connection per query would make the walk's thousands of requests several times slower.
POOLED = {"DATABASE_POOL_SIZE": "10"}


def walk_app(database_url: str, media: Path, stripe: dict[str, str], clock: FixedClock) -> Litestar:
    return create_app(settings_for(database_url, media, **stripe, **POOLED), clock=clock)


async def snapshot_build(database_url: str, media: Path, stripe: dict[str, str]) -> World:
    """Build the world in ``database_url`` (migrated, empty) with its photos under ``media``, then
    read its pages."""
    clock = FixedClock(TEST_NOW)
    settings = settings_for(database_url, media, **stripe)
    app = create_app(settings, clock=clock)  # no pool: the factories query from this loop
    async with browser(app) as client:
        world = await world_build(app, client, settings, clock)
    app = walk_app(database_url, media, stripe, clock)
    async with browser(app) as client:
        world.site = await site_map_read(app, await Caller(app, client, world).start())
    return world


async def postgres_execute(server_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()
