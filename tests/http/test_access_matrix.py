"""Who may use which route, for every route of the app, as six actors.

The actors are a visitor, residents A and B, providers A and B and an administrator; the world
(tests/http/routes_walk.py) gives each of them things of their own. Every route of the app's
route table must be classified in RULES below (a new route fails the first test until it is),
saying who may use it and, when its address names something, whose thing that is. Each route is
then requested by everyone, at an address taken from its owner's own pages and with the form
those pages hold: whoever is not allowed is sent to log in (a visitor) or refused with 403/404
(anyone signed in; or answered exactly as about a thing that doesn't exist), sees none of A's
private details, and changes nothing in the database; whoever is allowed is not refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from app.piccolo_app import APP_CONFIG
from tests.http.routes_walk import (
    ACTORS,
    ADMIN,
    ANONYMOUS,
    PROVIDER_A,
    PROVIDER_B,
    RESIDENT_A,
    RESIDENT_B,
    Endpoint,
    route_table,
)

ENDPOINTS = route_table()


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    owner: str | None = None  # whose thing the address names; its address comes from their pages

    def address_actor(self) -> str:
        """Whose pages give the address to try: the owner's, else those of someone allowed."""
        if self.owner:
            return self.owner
        return next(a for a in (ANONYMOUS, RESIDENT_A, PROVIDER_A, ADMIN) if a in self.allowed)


EVERYONE = Rule(frozenset(ACTORS))
SIGNED_IN = Rule(frozenset(ACTORS) - {ANONYMOUS})
RESIDENTS = Rule(frozenset({RESIDENT_A, RESIDENT_B}))
PROVIDERS = Rule(frozenset({PROVIDER_A, PROVIDER_B}))
ADMINS = Rule(frozenset({ADMIN}))
RESIDENT_AS = Rule(frozenset({RESIDENT_A}), owner=RESIDENT_A)  # one of resident A's bookings
PROVIDER_AS = Rule(frozenset({PROVIDER_A}), owner=PROVIDER_A)  # a booking, photo, service ... of A's
# A secret address (the calendar feed): whoever has it may read it, as with a shared link.
CAPABILITY = Rule(frozenset(ACTORS), owner=PROVIDER_A)

RULES: dict[str, Rule] = {
    # Public pages, signing in and up, files, the health check, Stripe's webhook (signed by Stripe).
    "GET /": EVERYONE,
    "GET /c/{slug}": EVERYONE,
    "GET /n/{slug}": EVERYONE,
    "GET /providers/{slug}": EVERYONE,
    "GET /providers/{slug}/reviews": EVERYONE,
    "GET /providers/{slug}/book/{service_id}": EVERYONE,
    "GET /login": EVERYONE,
    "POST /login": EVERYONE,
    "POST /logout": EVERYONE,
    "GET /signup": EVERYONE,
    "POST /signup": EVERYONE,
    "GET /signup/provider": EVERYONE,
    "POST /signup/provider": EVERYONE,
    "GET /healthz": EVERYONE,
    "POST /stripe/webhook": EVERYONE,
    "GET /static/{file_path}": EVERYONE,
    "HEAD /static/{file_path}": EVERYONE,
    "GET /vendor/{file_path}": EVERYONE,
    "HEAD /vendor/{file_path}": EVERYONE,
    "GET /media/{file_path}": EVERYONE,
    "HEAD /media/{file_path}": EVERYONE,
    "GET /calendar/{token}": CAPABILITY,
    # Anyone's own account.
    "GET /account": SIGNED_IN,
    "POST /account/password": SIGNED_IN,
    "GET /account/bookings": SIGNED_IN,
    # Booking is for residents; a booking is its resident's.
    "POST /providers/{slug}/book/{service_id}": RESIDENTS,
    "GET /bookings/{public_id}": RESIDENT_AS,
    "GET /bookings/{public_id}/calendar.ics": RESIDENT_AS,
    "GET /bookings/{public_id}/cancel": RESIDENT_AS,
    "POST /bookings/{public_id}/cancel": RESIDENT_AS,
    "POST /bookings/{public_id}/pay": RESIDENT_AS,
    "GET /bookings/{public_id}/payment": RESIDENT_AS,
    "POST /bookings/{public_id}/payment/check": RESIDENT_AS,
    "POST /bookings/{public_id}/release": RESIDENT_AS,
    "GET /bookings/{public_id}/reschedule": RESIDENT_AS,
    "POST /bookings/{public_id}/reschedule": RESIDENT_AS,
    "GET /bookings/{public_id}/review": RESIDENT_AS,
    "POST /bookings/{public_id}/review": RESIDENT_AS,
    "POST /bookings/{public_id}/review/delete": RESIDENT_AS,
    "POST /bookings/{public_id}/review/photos/{image_key}/delete": RESIDENT_AS,
    # The dashboard: any provider's own business ...
    "GET /dashboard": PROVIDERS,
    "GET /dashboard/calendar": PROVIDERS,
    "GET /dashboard/calendar/days/{day}/close": PROVIDERS,
    "POST /dashboard/calendar/days/{day}/close": PROVIDERS,
    "POST /dashboard/calendar/days/{day}/reopen": PROVIDERS,
    "POST /dashboard/calendar/feed/reset": PROVIDERS,
    "GET /dashboard/earnings": PROVIDERS,
    "GET /dashboard/hours": PROVIDERS,
    "POST /dashboard/hours": PROVIDERS,
    "GET /dashboard/photos": PROVIDERS,
    "POST /dashboard/photos": PROVIDERS,
    "GET /dashboard/profile": PROVIDERS,
    "POST /dashboard/profile": PROVIDERS,
    "GET /dashboard/redeem": PROVIDERS,
    "POST /dashboard/redeem": PROVIDERS,
    "POST /dashboard/redeem/confirm": PROVIDERS,
    "GET /dashboard/reviews": PROVIDERS,
    "GET /dashboard/services": PROVIDERS,
    "GET /dashboard/services/new": PROVIDERS,
    "POST /dashboard/services/new": PROVIDERS,
    "GET /dashboard/team": PROVIDERS,
    "GET /dashboard/team/new": PROVIDERS,
    "POST /dashboard/team/new": PROVIDERS,
    "POST /dashboard/time-off": PROVIDERS,
    "GET /dashboard/today": PROVIDERS,
    # ... and the things in it, which are that provider's only.
    "GET /dashboard/bookings/{public_id}": PROVIDER_AS,
    "POST /dashboard/bookings/{public_id}/cancel": PROVIDER_AS,
    "POST /dashboard/bookings/{public_id}/member": PROVIDER_AS,
    "POST /dashboard/bookings/{public_id}/no-show": PROVIDER_AS,
    "POST /dashboard/bookings/{public_id}/undo-redeem": PROVIDER_AS,
    "POST /dashboard/calendar/slots/{slot_id}/close": PROVIDER_AS,
    "POST /dashboard/calendar/slots/{slot_id}/reopen": PROVIDER_AS,
    "POST /dashboard/photos/{key}/cover": PROVIDER_AS,
    "POST /dashboard/photos/{key}/delete": PROVIDER_AS,
    "POST /dashboard/photos/{key}/earlier": PROVIDER_AS,
    "POST /dashboard/photos/{key}/later": PROVIDER_AS,
    "POST /dashboard/reviews/{review_id}/reply": PROVIDER_AS,
    "POST /dashboard/reviews/{review_id}/reply/edit": PROVIDER_AS,
    "POST /dashboard/reviews/{review_id}/report": PROVIDER_AS,
    "GET /dashboard/services/{public_id}": PROVIDER_AS,
    "POST /dashboard/services/{public_id}": PROVIDER_AS,
    "POST /dashboard/services/{public_id}/archive": PROVIDER_AS,
    "GET /dashboard/services/{public_id}/delete": PROVIDER_AS,
    "POST /dashboard/services/{public_id}/delete": PROVIDER_AS,
    "GET /dashboard/services/{public_id}/hours": PROVIDER_AS,
    "POST /dashboard/services/{public_id}/hours": PROVIDER_AS,
    "POST /dashboard/services/{public_id}/restore": PROVIDER_AS,
    "GET /dashboard/team/{public_id}": PROVIDER_AS,
    "POST /dashboard/team/{public_id}": PROVIDER_AS,
    "POST /dashboard/team/{public_id}/hours": PROVIDER_AS,
    "GET /dashboard/team/{public_id}/leave": PROVIDER_AS,
    "POST /dashboard/team/{public_id}/leave": PROVIDER_AS,
    "POST /dashboard/team/{public_id}/photo": PROVIDER_AS,
    "POST /dashboard/team/{public_id}/photo/delete": PROVIDER_AS,
    "POST /dashboard/team/{public_id}/return": PROVIDER_AS,
    "POST /dashboard/team/{public_id}/time-off": PROVIDER_AS,
    "POST /dashboard/team/{public_id}/time-off/{time_off_id}/delete": PROVIDER_AS,
    "POST /dashboard/time-off/{time_off_id}/delete": PROVIDER_AS,
    # Administration.
    "GET /admin": ADMINS,
    "GET /admin/bookings": ADMINS,
    "GET /admin/bookings/{public_id}": ADMINS,
    "POST /admin/bookings/{public_id}/refunds": ADMINS,
    "GET /admin/figures": ADMINS,
    "GET /admin/payouts": ADMINS,
    "GET /admin/payouts.csv": ADMINS,
    "GET /admin/payouts/{file_name}": ADMINS,
    "GET /admin/providers": ADMINS,
    "GET /admin/providers/{slug}": ADMINS,
    "POST /admin/providers/{slug}/reinstate": ADMINS,
    "POST /admin/providers/{slug}/suspend": ADMINS,
    "POST /admin/providers/{slug}/verify": ADMINS,
    "GET /admin/reviews": ADMINS,
    "POST /admin/reviews/approve": ADMINS,
    "POST /admin/reviews/{review_id}/approve": ADMINS,
    "POST /admin/reviews/{review_id}/keep": ADMINS,
    "POST /admin/reviews/{review_id}/reject": ADMINS,
    "GET /admin/users": ADMINS,
    "POST /admin/users/{account_id}/reinstate": ADMINS,
    "POST /admin/users/{account_id}/suspend": ADMINS,
    "GET /admin/{kind}": ADMINS,
    "POST /admin/{kind}": ADMINS,
    "POST /admin/{kind}/{item_id}/down": ADMINS,
    "POST /admin/{kind}/{item_id}/rename": ADMINS,
    "POST /admin/{kind}/{item_id}/up": ADMINS,
}

# Tables a refused request may touch: its session, the login throttle, view counts, job claims.
UNTRACKED = {"user_session", "throttle_event", "provider_view_day", "daily_job"}
TRACKED = [t for t in APP_CONFIG.table_classes if t._meta.tablename not in UNTRACKED]


async def database_state() -> dict[str, list]:
    return {
        table._meta.tablename: sorted(map(repr, await table.select().order_by(table.id))) for table in TRACKED
    }


def changed_tables(before: dict[str, list], after: dict[str, list]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def test_every_route_is_classified_and_admin_pages_are_for_admins_only():
    routes = {endpoint.key for endpoint in ENDPOINTS}
    unclassified = sorted(routes - RULES.keys())
    assert not unclassified, f"Say who may use these routes in RULES: {unclassified}"
    assert not sorted(RULES.keys() - routes), "RULES names routes that no longer exist"
    for key in routes:
        path = key.split(" ", 1)[1]
        if path == "/admin" or path.startswith("/admin/"):
            assert RULES[key] == ADMINS, f"{key} is an admin page: only admins may use it"
        if path.startswith("/dashboard"):
            assert RULES[key].allowed <= {PROVIDER_A, PROVIDER_B}, f"{key} is a provider's page"


def refusal_problem(endpoint: Endpoint, actor: str, response, missing_status: int | None) -> str | None:
    """What is wrong with how ``actor``'s request was refused, if anything. Someone signed in gets
    403 or 404, or else exactly what the same request about a thing that doesn't exist gets (a form
    checked before the thing is looked up tells nobody whether it exists)."""
    status = response.status_code
    if actor == ANONYMOUS:
        if endpoint.method in ("GET", "HEAD"):
            location = response.headers.get("location", "")
            if status != 303 or not location.startswith("/login"):
                return f"answered {status} {location!r}, not a redirect to /login"
        elif status != 401:
            return f"answered {status}, not 401"
    elif status not in (403, 404) and status != missing_status:
        return f"answered {status}, not 403 or 404 (nor {missing_status}, as for a thing that doesn't exist)"
    return None


def missing_address(endpoint: Endpoint) -> str | None:
    """The route's address naming things that don't exist (None: it names nothing)."""
    if not endpoint.params:
        return None
    return endpoint.url(
        {name: "999999" if kind == "int" else "doesnotexist0" for name, kind in endpoint.params}
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
async def test_each_actor_reaches_only_what_is_theirs(walk, endpoint):
    rule = RULES.get(endpoint.key)
    if rule is None:
        pytest.fail(f"{endpoint.key} is not classified in RULES")
    site, caller = walk.world.site, walk.caller
    source = rule.address_actor()
    address = site.address(endpoint, source)
    assert address is not None, f"no page of {source} shows an address of {endpoint.key}"
    seen_on_a_page = site.address(endpoint, source, built=False) is not None
    forms = [f for f in site.forms.get(endpoint.key, []) if f.seen_by == source and f.url == address]
    data = forms[0].submission() if forms else {}

    async def attempt(actor: str, url: str = address):
        if endpoint.method in ("GET", "HEAD"):
            return await caller.send(actor, endpoint.method, url, key=endpoint.key)
        return await caller.post_form(actor, url, data, key=endpoint.key)

    problems = []
    for actor in (a for a in ACTORS if a not in rule.allowed):
        before = caller.in_app(database_state)
        response = await attempt(actor)
        missing = None
        if response.status_code not in (401, 403, 404) and (elsewhere := missing_address(endpoint)):
            missing = (await attempt(actor, elsewhere)).status_code
        if problem := refusal_problem(endpoint, actor, response, missing):
            problems.append(f"{actor}: {problem}")
        if leaked := [s for s in walk.world.secrets if s in response.text]:
            problems.append(f"{actor}: the answer shows {leaked}")
        if changed := changed_tables(before, caller.in_app(database_state)):
            problems.append(f"{actor}: a refused request changed {changed}")
    for actor in (a for a in ACTORS if a in rule.allowed):
        response = await attempt(actor)
        status = response.status_code
        refused = (401, 403, 404) if actor == rule.owner and seen_on_a_page else (401, 403)
        if (
            status in refused
            or status >= 500
            or urlsplit(response.headers.get("location", "")).path == "/login"
        ):
            problems.append(f"{actor} may use it but got {status} {response.headers.get('location', '')}")
    assert not problems, f"{endpoint.method} {address} ({endpoint.key}):\n  " + "\n  ".join(problems)
