"""Values nobody could have meant (ids past the database's range, the year 9999) get a page, never a 500.

Each case here answered 500 before: the value reached a query (SQLite's OverflowError, asyncpg's
DataError) or date arithmetic (OverflowError) unchecked.
"""

import re

from app.accounts.identity import Role
from app.catalog.tables import Service
from app.reviews.admin_routes import NONE_CHOSEN
from app.web.params import MAX_ID
from tests.factories import make_account, make_listed_provider
from tests.http.conftest import browser, log_in, post_form

HTMX = {"hx-request": "true", "hx-request-type": "partial"}
TOO_BIG = [str(2**63), str(2**31), str(10**20)]  # past SQLite's integers, PostgreSQL's, both


def assert_error_page(response, status: int) -> None:
    """The person sees one of our pages (or fragments) with the status, never JSON or a 500."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert 'class="error-panel"' in response.text


async def as_admin(client) -> None:
    await make_account("marta@example.com", "Marta Ferrer", role=Role.admin)
    await log_in(client, "marta@example.com")


async def as_provider(client) -> str:
    """Casa Neta's owner, signed in; returns the booking page of its service (at the customer's home)."""
    provider = await make_listed_provider("Casa Neta", owner_email="owner@example.com", area=("Benimaclet",))
    await log_in(client, "owner@example.com")
    service = await Service.select(Service.public_id).where(Service.provider == provider).first()
    return f"/providers/casa-neta/book/{service['public_id']}"


async def as_resident(client) -> str:
    """Lucía, signed in, with Casa Neta to book; returns its booking page."""
    provider = await make_listed_provider("Casa Neta", owner_email="owner@example.com", area=("Benimaclet",))
    service = await Service.select(Service.public_id).where(Service.provider == provider).first()
    await make_account("lucia@example.com", "Lucía Navarro")
    await log_in(client, "lucia@example.com")
    return f"/providers/casa-neta/book/{service['public_id']}"


def first_time(page_text: str) -> str:
    return re.search(r'name="starts_at" id="t-1" value="([^"]+)"', page_text).group(1)


# --- ids ---------------------------------------------------------------------------------------


def test_every_id_in_a_url_path_is_bounded_to_what_the_database_holds(app):
    """The route table itself: a new route with an unbounded ``{x:int}`` fails here, not in production."""
    unbounded = []
    for route in app.routes:
        ints = [name for name, p in getattr(route, "path_parameters", {}).items() if p.type is int]
        for handler in route.route_handlers if ints else ():
            for name in ints:
                field = handler.parsed_fn_signature.parameters.get(name)
                bounds = (
                    getattr(field and field.kwarg_definition, "ge", None),
                    getattr(field and field.kwarg_definition, "le", None),
                )
                if field is not None and bounds != (1, MAX_ID):
                    unbounded.append(f"{route.path} ({handler.handler_name}): {name}")
    assert unbounded == [], "declare these as app.web.params.PathId"


async def test_review_ids_out_of_range_get_the_400_page(client):
    await as_admin(client)
    for raw in TOO_BIG:
        for action in ("approve", "keep", "reject"):
            assert_error_page(await post_form(client, f"/admin/reviews/{raw}/{action}", {}), 400)
            assert_error_page(
                await post_form(client, f"/admin/reviews/{raw}/{action}", {}, headers=HTMX), 400
            )
    assert_error_page(await post_form(client, "/admin/reviews/²/approve", {}), 404)  # no route has it


async def test_approving_in_bulk_skips_values_that_are_not_review_ids(client):
    await as_admin(client)
    for raw in ("²", "٣", *TOO_BIG, "-1", "x"):
        response = await post_form(client, "/admin/reviews/approve", {"review": raw})
        assert response.status_code == 303
        assert NONE_CHOSEN in (await client.get("/admin/reviews")).text


async def test_the_other_ids_in_paths_get_the_400_page_too(app, client):
    await as_admin(client)
    for raw in TOO_BIG:
        assert_error_page(await post_form(client, f"/admin/users/{raw}/suspend", {"reason": "Spam"}), 400)
        assert_error_page(await post_form(client, f"/admin/neighbourhoods/{raw}/rename", {"name": "X"}), 400)
    async with browser(app) as provider:
        await as_provider(provider)
        for raw in TOO_BIG:
            form = {f"reply-{raw}-text": "Thank you!"}
            assert_error_page(await post_form(provider, f"/dashboard/reviews/{raw}/reply", form), 400)
            assert_error_page(await post_form(provider, f"/dashboard/calendar/slots/{raw}/close", {}), 400)
            assert_error_page(await post_form(provider, f"/dashboard/time-off/{raw}/delete", {}), 400)


async def test_a_neighbourhood_that_is_not_an_id_is_asked_for_again_when_holding(client):
    url = await as_resident(client)
    starts_at = first_time((await client.get(url)).text)
    for raw in ("²", "٣", *TOO_BIG):
        form = {"starts_at": starts_at, "address": "Carrer de Russafa 1", "neighbourhood": raw}
        response = await post_form(client, url, form)
        assert response.status_code == 422
        assert 'value="Carrer de Russafa 1"' in response.text
