"""Nothing personal is stored by a browser or a proxy: no-store unless a route opts in to caching."""

from __future__ import annotations

import re

from app.booking.tables import Booking
from app.catalog.tables import Category, Neighbourhood, Provider, ProviderPhoto, Service, TeamMember
from app.demo.data import ADMIN, DEMO_PASSWORD, PROVIDER, RESIDENT
from app.demo.loader import load_demo_city
from tests.conftest import TEST_NOW
from tests.http.conftest import browser, log_in
from tests.http.route_table import http_routes, route_path

ONE_YEAR_PUBLIC = "max-age=31536000, public"
# The pages the outside test pass found cacheable, and who opens them.
PRIVATE_PAGES = {
    RESIDENT.email: ["/account", "/account/bookings"],
    PROVIDER.email: [
        "/dashboard",
        "/dashboard/profile",
        "/dashboard/calendar",
        "/dashboard/hours",
        "/dashboard/services",
        "/dashboard/team",
        "/dashboard/today",
        "/dashboard/earnings",
    ],
    ADMIN.email: ["/admin", "/admin/categories", "/admin/neighbourhoods", "/admin/providers", "/admin/users"],
}


async def _demo_path_values(settings) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Real values for the route table's path parameters, from the demo city: by name, and by route
    where one name means different things."""
    await load_demo_city(settings, now=TEST_NOW)
    provider = await Provider.select().where(Provider.name == "Fontanería Russafa").first()
    service = await Service.select().where(Service.provider == provider["id"]).first()
    member = await TeamMember.select().where(TeamMember.provider == provider["id"]).first()
    booking = (
        await Booking.select()
        .where(Booking.provider == provider["id"], Booking.resident.email == RESIDENT.email)
        .first()
    )
    category = await Category.select().first()
    neighbourhood = await Neighbourhood.select().first()
    by_name = {
        "slug": provider["slug"],
        "service_id": service["public_id"],
        "token": provider["calendar_token"],
        "day": "2026-11-23",
        "kind": "categories",
    }
    by_route = {
        "/c/{slug:str}": {"slug": category["slug"]},
        "/n/{slug:str}": {"slug": neighbourhood["slug"]},
        "/dashboard/services/{public_id:str}": {"public_id": service["public_id"]},
        "/dashboard/team/{public_id:str}": {"public_id": member["public_id"]},
    }
    for path in ("/bookings/", "/dashboard/bookings/", "/admin/bookings/"):
        by_route[path] = {"public_id": booking["public_id"]}
    return by_name, by_route


def _paths(app, by_name, by_route) -> list[str]:
    paths = []
    for route in http_routes(app, "GET"):
        prefix = next((key for key in by_route if route.path.startswith(key)), None)
        paths.append(route_path(route, {**by_name, **by_route.get(prefix, {})}))
    return paths


async def test_every_page_a_signed_in_person_opens_is_no_store(app, settings):
    """Generated from the route table: a new page is covered the day it is added."""
    paths = _paths(app, *await _demo_path_values(settings))
    opened = set()  # paths someone saw a real page on (not a 403 or 404)
    for email, private_pages in PRIVATE_PAGES.items():
        async with browser(app) as client:
            assert (await log_in(client, email, DEMO_PASSWORD)).status_code == 303
            statuses = {}
            for path in [*paths, *private_pages]:
                for headers in ({}, {"hx-request": "true"}):
                    response = await client.get(path, headers=headers)
                    cache_control = response.headers.get("cache-control")
                    assert cache_control == "no-store", (email, path, headers, response.status_code)
                statuses[path] = response.status_code
        assert all(statuses[path] == 200 for path in private_pages), (email, statuses)
        opened |= {path for path, status in statuses.items() if status == 200}
    assert len(opened) > 0.75 * len(paths), sorted(set(paths) - opened)


async def test_a_visit_that_sets_or_carries_a_cookie_is_no_store(client):
    first = await client.get("/")  # sets the CSRF cookie
    assert "set-cookie" in first.headers
    assert first.headers["cache-control"] == "no-store"
    again = await client.get("/login")  # the page carries the token from that cookie
    assert "set-cookie" not in again.headers
    assert again.headers["cache-control"] == "no-store"


async def test_files_still_cache_for_a_year_for_everyone(client, settings):
    await load_demo_city(settings, now=TEST_NOW)
    photo = await ProviderPhoto.select(ProviderPhoto.image_key).first()
    page = await client.get("/")
    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{10})"', page.text).group(1)
    htmx = re.search(r'src="(/vendor/htmx\.min\.js\?v=[0-9a-f]{10})"', page.text).group(1)
    files = [css, htmx, f"/media/{photo['image_key']}-320.webp"]
    for signed_in in (False, True):
        if signed_in:
            await log_in(client, RESIDENT.email, DEMO_PASSWORD)
        for url in files:
            response = await client.get(url)
            assert response.status_code == 200, url
            assert response.headers["cache-control"] == ONE_YEAR_PUBLIC, url
            assert "set-cookie" not in response.headers
    missing = await client.get("/static/no-such-file.css")
    assert missing.status_code == 404
    assert missing.headers["cache-control"] == "no-store"  # the error page carries the CSRF token
