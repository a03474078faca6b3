"""Values nobody could have meant (ids past the database's range, the year 9999) get a page, never a 500.

Each case here answered 500 before: the value reached a query (SQLite's OverflowError, asyncpg's
DataError) or date arithmetic (OverflowError) unchecked.
"""

import re
from datetime import datetime

from app.accounts.identity import Role
from app.booking.forms import TIME_NOT_OFFERED
from app.booking.tables import Booking, TimeOff
from app.catalog.tables import Neighbourhood, Service, TeamMember
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


EXTREME_TIMES = [
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-14:00",  # past the last instant once in UTC
    "0001-01-01T00:00:00+14:00",  # before the first one
    "2028-01-01T09:00:00+00:00",  # readable, but no provider books that far ahead
]


async def test_extreme_times_are_refused_when_holding_and_moving_a_booking(client):
    url = await as_resident(client)
    starts_at = first_time((await client.get(url)).text)
    address = {"address": "Carrer de Russafa 1", "neighbourhood": ""}
    for raw in EXTREME_TIMES:
        response = await post_form(client, url, {"starts_at": raw, **address})
        assert response.status_code == 422, raw
        assert TIME_NOT_OFFERED.replace("'", "&#39;") in response.text
    assert await Booking.count() == 0
    neighbourhood = (
        await Neighbourhood.select(Neighbourhood.id).where(Neighbourhood.slug == "benimaclet").first()
    )
    held = await post_form(
        client, url, {"starts_at": starts_at, **address, "neighbourhood": neighbourhood["id"]}
    )
    booking_url = held.headers["location"]
    for raw in EXTREME_TIMES:
        response = await post_form(client, f"{booking_url}/reschedule", {"starts_at": raw})
        assert response.status_code == 422, raw
        assert TIME_NOT_OFFERED.replace("'", "&#39;") in response.text
    assert [b["starts_at"].isoformat() for b in await Booking.select(Booking.starts_at)] == [
        datetime.fromisoformat(starts_at).isoformat()
    ]


# --- days --------------------------------------------------------------------------------------
# The clock stands on Sunday 22 November 2026: the calendar goes from 21 November 2025 to
# 23 November 2027, and days off from today to that last day.


async def test_days_off_are_taken_from_today_to_a_year_ahead(client):
    await as_provider(client)
    page = await client.get("/dashboard/hours")
    assert 'min="2026-11-22"' in page.text and 'max="2027-11-23"' in page.text  # the date pickers
    for first, last in [
        ("2026-12-01", "9999-12-31"),
        ("0001-01-01", "2026-12-01"),
        ("2026-11-21", "2026-11-23"),
        ("2026-12-01", "2027-11-24"),
    ]:
        refused = await post_form(client, "/dashboard/time-off", {"first_day": first, "last_day": last})
        assert refused.status_code == 422, (first, last)
        assert "Choose a day from today to 23 November 2027" in refused.text
        assert f'value="{last}"' in refused.text or f'value="{first}"' in refused.text
    assert await TimeOff.count() == 0
    taken = await post_form(
        client, "/dashboard/time-off", {"first_day": "2026-11-22", "last_day": "2027-11-23"}
    )
    assert taken.status_code == 303
    assert await TimeOff.count() == 1


async def test_a_team_members_days_off_have_the_same_bounds(client):
    await as_provider(client)
    member = await TeamMember.select(TeamMember.public_id).first()
    url = f"/dashboard/team/{member['public_id']}/time-off"
    refused = await post_form(client, url, {"first_day": "2026-12-01", "last_day": "9999-12-31"})
    assert refused.status_code == 422 and "Choose a day from today to 23 November 2027" in refused.text
    assert await TimeOff.count() == 0
    assert (
        await post_form(client, url, {"first_day": "2027-11-23", "last_day": "2027-11-23"})
    ).status_code == 303


async def test_today_and_the_calendar_stop_a_year_either_side_and_say_so(client):
    await as_provider(client)
    for asked, shown in [
        ("9999-12-31", "Tuesday 23 November 2027"),
        ("0001-01-01", "Friday 21 November 2025"),
    ]:
        for page in (
            await client.get("/dashboard/today", params={"day": asked}),
            await client.get("/dashboard/calendar", params={"week": asked}),
        ):
            assert page.status_code == 200
            assert f"Your calendar shows a year either side of today, so here is {shown}." in page.text
    edge = await client.get("/dashboard/today", params={"day": "2027-11-23"})
    assert edge.status_code == 200 and "a year either side" not in edge.text


async def test_days_past_the_ends_of_the_calendar_cannot_be_closed_or_reopened(client):
    await as_provider(client)
    for day in ("9999-12-31", "0001-01-01", "2027-11-24", "2025-11-20"):
        assert_error_page(await client.get(f"/dashboard/calendar/days/{day}/close"), 404)
        for action in ("close", "reopen"):
            response = await post_form(client, f"/dashboard/calendar/days/{day}/{action}", {})
            assert_error_page(response, 404)
            assert "that day isn&#39;t in it" in response.text
    for day in ("2027-11-23", "2025-11-21"):  # the ends themselves
        assert (await client.get(f"/dashboard/calendar/days/{day}/close")).status_code == 200
        for action in ("close", "reopen"):
            assert (
                await post_form(client, f"/dashboard/calendar/days/{day}/{action}", {})
            ).status_code == 303


async def test_payouts_of_months_out_of_reach_get_a_400_page_that_says_which_months_exist(client):
    await as_admin(client)
    for month in ("9999-12", "0001-01", "2026-12", "2016-10"):
        for url in ("/admin/payouts", "/admin/payouts.csv"):
            response = await client.get(url, params={"month": month})
            assert_error_page(response, 400)
            assert "Payouts can be shown from November 2016 to this month." in response.text
    oldest = await client.get("/admin/payouts", params={"month": "2016-11"})
    assert oldest.status_code == 200 and "?month=2016-10" not in oldest.text


# --- NUL characters (PostgreSQL refuses them in any text it is sent) ---------------------------


async def test_a_nul_in_a_search_is_dropped_and_the_search_still_answers(client):
    await as_admin(client)
    await make_account("sara@example.com", "Sara Puig")
    for address in ("/admin/users?email=sa%00ra", "/admin/users?email=sa%%0000ra", "/admin/providers?q=%00"):
        page = await client.get(address)
        assert page.status_code == 200, (address, page.text[:300])
    assert "sara@example.com" in (await client.get("/admin/users?email=sa%00ra")).text
    assert (await client.get("/?q=fonta%00ner")).status_code == 200


async def test_a_nul_in_a_path_parameter_names_nothing(client):
    await as_provider(client)
    assert_error_page(await client.get("/providers/casa%00neta"), 404)
    assert_error_page(await post_form(client, "/dashboard/bookings/%00../undo-redeem", {}), 404)
