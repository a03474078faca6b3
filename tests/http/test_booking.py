"""Booking over HTTP: choosing a time, holding it, and what residents and providers do with bookings."""

import re

from app.booking.tables import Booking, Slot
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Service
from app.payments.gateway import StripeGateway
from tests.factories import make_account, make_listed_provider, neighbourhood
from tests.http.conftest import browser, csrf_token, log_in, post_form

HTMX = {"hx-request": "true", "hx-request-type": "partial"}


async def provider_with_service(location=ServiceLocation.provider_premises, **kwargs):
    provider = await make_listed_provider(
        "Casa Neta", location=location, owner_email="owner@example.com", area=("Benimaclet",), **kwargs
    )
    service = await Service.select(Service.public_id).where(Service.provider == provider).first()
    return provider, f"/providers/casa-neta/book/{service['public_id']}"


def first_time(page_text: str) -> str:
    return re.search(r'name="starts_at" id="t-1" value="([^"]+)"', page_text).group(1)


async def as_resident(client, email="lucia@example.com"):
    await make_account(email, "Lucía Navarro")
    await log_in(client, email)


async def test_the_booking_page_shows_days_and_free_times_and_swaps_a_day_with_htmx(client):
    _, url = await provider_with_service()
    page = await client.get(url)
    assert page.status_code == 200
    assert "Free times on Monday 23 November" in page.text  # the first day with free times
    assert page.text.count('class="time-option"') == 9
    assert "Log in to hold a time" in page.text
    tuesday = await client.get(url, params={"day": "2026-11-24"}, headers=HTMX)
    assert "<html" not in tuesday.text and "Free times on Tuesday 24 November" in tuesday.text
    assert "HX-Request" in tuesday.headers["vary"]
    odd = await client.get(url, params={"day": "not-a-day"})
    assert odd.status_code == 200 and "Monday 23 November" in odd.text


async def test_providers_and_admins_are_told_bookings_need_a_resident_account(client):
    _, url = await provider_with_service()
    await log_in(client, "owner@example.com")
    page = await client.get(url)
    assert "Bookings are made with a resident account." in page.text
    response = await post_form(client, url, {"starts_at": first_time(page.text)})
    assert response.status_code == 403
    assert await Booking.count() == 0


async def test_holding_a_time_leads_to_the_private_booking_page(client):
    _, url = await provider_with_service()
    await as_resident(client)
    page = await client.get(url)
    response = await post_form(client, url, {"starts_at": first_time(page.text), "note": "Ring twice"})
    assert response.status_code == 303
    booking_url = response.headers["location"]
    assert re.fullmatch(r"/bookings/[0-9a-f]{12}", booking_url)
    held = await client.get(booking_url)
    assert held.headers["cache-control"] == "no-store"
    assert "This time is yours for" in held.text and 'data-countdown="600"' in held.text
    assert "Monday 23 November, 09:00–10:00" in held.text and "Ring twice" in held.text
    mine = await client.get("/account/bookings")
    assert "Casa Neta" in mine.text and "Held, waiting for payment" in mine.text


async def test_a_time_someone_else_just_took_is_explained_on_the_same_page(app, client):
    _, url = await provider_with_service()
    await as_resident(client)
    page = await client.get(url)
    chosen = first_time(page.text)
    async with browser(app) as other:
        await as_resident(other, "pablo@example.com")
        assert (await post_form(other, url, {"starts_at": chosen})).status_code == 303
    response = await post_form(client, url, {"starts_at": chosen, "note": "keep me"})
    assert response.status_code == 409
    assert "Sorry, that time was just taken. Please pick another." in response.text
    assert "keep me" in response.text  # nothing typed is lost


async def test_bad_hold_requests_get_messages_not_errors(client):
    _, url = await provider_with_service(location=ServiceLocation.customer_address)
    await as_resident(client)
    page = await client.get(url)
    missing_time = await post_form(client, url, {"address": "Carrer de Jesús 5"})
    assert missing_time.status_code == 422 and "Choose a time." in missing_time.text
    assert 'value="Carrer de Jesús 5"' in missing_time.text
    garbage_time = await post_form(client, url, {"starts_at": "yesterday"})
    assert garbage_time.status_code == 422 and "Choose a time." in garbage_time.text
    patraix = await neighbourhood("Patraix")
    outside = await post_form(
        client,
        url,
        {"starts_at": first_time(page.text), "address": "Carrer 1", "neighbourhood": str(patraix["id"])},
    )
    assert outside.status_code == 422 and "doesn&#39;t travel to Patraix" in outside.text
    no_address = await post_form(client, url, {"starts_at": first_time(page.text), "neighbourhood": ""})
    assert (
        no_address.status_code == 422
        and "Enter the address where the service should happen." in no_address.text
    )
    assert await Booking.count() == 0


async def test_anonymous_holds_are_sent_to_log_in(client):
    _, url = await provider_with_service()
    page = await client.get(url)
    response = await post_form(client, url, {"starts_at": first_time(page.text)})
    assert response.status_code == 401


async def test_bookings_are_private_to_their_resident(app, client):
    _, url = await provider_with_service()
    await as_resident(client)
    page = await client.get(url)
    booking_url = (await post_form(client, url, {"starts_at": first_time(page.text)})).headers["location"]
    async with browser(app) as other:
        await as_resident(other, "pablo@example.com")
        assert (await other.get(booking_url)).status_code == 404
        assert (await post_form(other, f"{booking_url}/release", {})).status_code == 404
        assert (await other.get("/bookings/%00")).status_code == 404


async def _confirmed_booking(client, url, *, nth_time: int = 0) -> str:
    page = await client.get(url, params={"day": "2026-11-25"})  # Wednesday: days ahead
    times = re.findall(r'name="starts_at" id="t-\d+" value="([^"]+)"', page.text)
    booking_url = (await post_form(client, url, {"starts_at": times[nth_time]})).headers["location"]
    await pay_for(client, booking_url)
    return booking_url


async def pay_for(client, booking_url: str) -> None:
    """Pay as the checkout page does: Stripe.js makes a payment method, the form posts its id."""
    gateway = StripeGateway(client.app.state["settings"].stripe)
    method = await gateway.test_card("4242424242424242")
    response = await post_form(client, f"{booking_url}/pay", {"payment_method": method})
    assert response.status_code == 303, response.text


async def test_a_confirmed_booking_offers_calendar_directions_moving_and_cancelling(client):
    _, url = await provider_with_service()
    await as_resident(client)
    booking_url = await _confirmed_booking(client, url)
    page = await client.get(booking_url)
    assert "Add to calendar" in page.text and "Directions" in page.text
    assert "Move to another time" in page.text and "you'd get 100% back now" in page.text
    ics = await client.get(f"{booking_url}/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "DTSTART;TZID=Europe/Madrid:20261125T090000" in ics.text and "BEGIN:VTIMEZONE" in ics.text
    confirm = await client.get(f"{booking_url}/cancel")
    assert "you get the full €68 back" in confirm.text
    cancelled = await post_form(client, f"{booking_url}/cancel", {})
    assert cancelled.status_code == 303
    after = await client.get(booking_url)
    assert "Cancelled" in after.text and "you get 100% back" in after.text
    assert (await client.get(f"{booking_url}/calendar.ics")).status_code == 404


async def test_moving_a_booking_to_another_time(client):
    _, url = await provider_with_service()
    await as_resident(client)
    booking_url = await _confirmed_booking(client, url)
    page = await client.get(f"{booking_url}/reschedule", params={"day": "2026-11-26"})
    assert "Now booked for <strong>Wednesday 25 November, 09:00</strong>" in page.text
    # The same day strip as the booking page (tests/http/test_day_strips.py), with its arrows' script.
    assert re.search(r'<a href="\?day=2026-11-26"[^>]*aria-current="date"', page.text)
    assert "/static/js/day-strip.js" in page.text
    new_time = first_time(page.text)
    moved = await post_form(client, f"{booking_url}/reschedule", {"starts_at": new_time, "day": "2026-11-26"})
    assert moved.status_code == 303
    assert "Thursday 26 November, 09:00" in (await client.get(booking_url)).text
    same = await post_form(client, f"{booking_url}/reschedule", {"starts_at": new_time})
    assert same.status_code == 409 and "That&#39;s the time you already have." in same.text


async def test_releasing_a_hold_frees_the_time(client):
    provider, url = await provider_with_service()
    await as_resident(client)
    page = await client.get(url)
    booking_url = (await post_form(client, url, {"starts_at": first_time(page.text)})).headers["location"]
    released = await post_form(client, f"{booking_url}/release", {})
    assert released.status_code == 303 and released.headers["location"] == "/providers/casa-neta"
    assert await Slot.count().where(Slot.provider == provider, Slot.booked > 0) == 0


async def test_the_provider_calendar_closes_and_reopens_times_with_htmx(client):
    provider, _ = await provider_with_service()
    await log_in(client, "owner@example.com")
    page = await client.get("/dashboard/calendar")
    assert page.status_code == 200 and "Mon 23 Nov" in page.text
    slot = await Slot.select(Slot.id).where(Slot.provider == provider).order_by(Slot.starts_at).first()
    token = await csrf_token(client)
    closed = await client.post(
        f"/dashboard/calendar/slots/{slot['id']}/close", headers={**HTMX, "x-csrftoken": token}
    )
    assert closed.status_code == 200 and "<html" not in closed.text and "Reopen" in closed.text
    assert (await Slot.select(Slot.is_closed).where(Slot.id == slot["id"]).first())["is_closed"]
    reopened = await post_form(
        client,
        f"/dashboard/calendar/slots/{slot['id']}/reopen",
        {"back": "/dashboard/calendar?week=2026-11-23"},
    )
    assert (
        reopened.status_code == 303 and reopened.headers["location"] == "/dashboard/calendar?week=2026-11-23"
    )
    elsewhere = await post_form(
        client, f"/dashboard/calendar/slots/{slot['id']}/close", {"back": "https://evil.example"}
    )
    assert elsewhere.headers["location"] == "/dashboard/calendar"
    other = await make_listed_provider("Another")
    theirs = await Slot.select(Slot.id).where(Slot.provider == other).first()
    assert (await post_form(client, f"/dashboard/calendar/slots/{theirs['id']}/close", {})).status_code == 404


async def test_closing_a_day_with_bookings_asks_what_to_do(app, client):
    provider, url = await provider_with_service()
    await as_resident(client)
    await _confirmed_booking(client, url)
    async with browser(app) as owner:
        await log_in(owner, "owner@example.com")
        asked = await post_form(owner, "/dashboard/calendar/days/2026-11-25/close", {})
        assert (
            asked.status_code == 303
            and asked.headers["location"] == "/dashboard/calendar/days/2026-11-25/close"
        )
        question = await owner.get(asked.headers["location"])
        assert (
            "This day has 1 booking" in question.text
            and "Cancel them: customers get a full refund" in question.text
        )
        cancelled = await post_form(
            owner, "/dashboard/calendar/days/2026-11-25/close", {"bookings": "cancel"}
        )
        assert cancelled.status_code == 303
        assert await Booking.count().where(Booking.status == "cancelled") == 1
        assert (await owner.get("/dashboard/calendar/days/nonsense/close")).status_code == 404
    assert provider


async def test_the_agenda_lists_the_days_customers_and_addresses(app, client):
    _, url = await provider_with_service(location=ServiceLocation.customer_address)
    await as_resident(client)
    page = await client.get(url, params={"day": "2026-11-25"})
    benimaclet = await neighbourhood("Benimaclet")
    booking_url = (
        await post_form(
            client,
            url,
            {
                "starts_at": first_time(page.text),
                "address": "Carrer de Jesús 5, 2º",
                "neighbourhood": str(benimaclet["id"]),
            },
        )
    ).headers["location"]
    await pay_for(client, booking_url)
    async with browser(app) as owner:
        await log_in(owner, "owner@example.com")
        agenda = await owner.get("/dashboard/today", params={"day": "2026-11-25"})
        assert agenda.headers["cache-control"] == "no-store"
        assert "Lucía Navarro" in agenda.text and "Carrer de Jesús 5, 2º, Benimaclet" in agenda.text
        detail = await owner.get(f"/dashboard/bookings/{booking_url.rsplit('/', 1)[1]}")
        assert "lucia@example.com" in detail.text
        no_reason = await post_form(
            owner, f"/dashboard/bookings/{booking_url.rsplit('/', 1)[1]}/cancel", {"reason": " "}
        )
        assert (
            no_reason.status_code == 422 and "Tell the customer why you&#39;re cancelling." in no_reason.text
        )
        early = await post_form(owner, f"/dashboard/bookings/{booking_url.rsplit('/', 1)[1]}/no-show", {})
        assert early.status_code == 303
        assert "only after its time has ended" in (await owner.get(early.headers["location"])).text


async def test_the_calendar_feed_is_reached_by_its_secret_link_only(app, client):
    provider, url = await provider_with_service()
    await as_resident(client)
    await _confirmed_booking(client, url)
    async with browser(app) as owner:
        await log_in(owner, "owner@example.com")
        page = await owner.get("/dashboard/calendar")
        feed = re.search(
            r'id="feed-url" value="http://cityloop.test(/calendar/[^"]+\.ics)"', page.text
        ).group(1)
        calendar = await client.get(feed)
        assert calendar.status_code == 200 and "SUMMARY:Unblock a drain: Lucía Navarro" in calendar.text
        await post_form(owner, "/dashboard/calendar/feed/reset", {})
        assert (await client.get(feed)).status_code == 404
    assert (await client.get("/calendar/guess.ics")).status_code == 404
    assert provider


async def test_days_off_are_added_checked_and_removed(client):
    provider, _ = await provider_with_service()
    await log_in(client, "owner@example.com")
    backwards = await post_form(
        client, "/dashboard/time-off", {"first_day": "2026-11-27", "last_day": "2026-11-25", "note": "Trip"}
    )
    assert (
        backwards.status_code == 422 and "The last day can&#39;t be before the first day." in backwards.text
    )
    assert 'value="Trip"' in backwards.text
    unreadable = await post_form(
        client, "/dashboard/time-off", {"first_day": "soon", "last_day": "2026-11-25"}
    )
    assert unreadable.status_code == 422 and "Enter a date like 2026-12-24." in unreadable.text
    added = await post_form(
        client, "/dashboard/time-off", {"first_day": "2026-11-25", "last_day": "2026-11-26"}
    )
    assert added.status_code == 303
    assert await Slot.count().where(Slot.provider == provider) == 19 * 9  # two weekdays fewer
    page = await client.get("/dashboard/hours")
    removal = re.search(r'action="(/dashboard/time-off/\d+/delete)"', page.text).group(1)
    assert (await post_form(client, removal, {})).status_code == 303
    assert await Slot.count().where(Slot.provider == provider) == 21 * 9


async def test_a_service_can_have_its_own_hours(client):
    provider, _ = await provider_with_service()
    await log_in(client, "owner@example.com")
    service = await Service.select(Service.id, Service.public_id).where(Service.provider == provider).first()
    url = f"/dashboard/services/{service['public_id']}/hours"
    assert "follows your business hours" in (await client.get(url)).text
    empty = await post_form(client, url, {})
    assert empty.status_code == 422 and "Give at least one time range" in empty.text
    saved = await post_form(client, url, {"d5_opens_1": "10:00", "d5_closes_1": "12:00"})
    assert saved.status_code == 303
    starts = await Slot.select(Slot.starts_at).where(Slot.service == service["id"])
    assert len(starts) == 4 * 2  # four Saturdays in the window, 10:00 and 11:00
    back = await post_form(client, url, {"follow": "business"})
    assert back.status_code == 303
    assert await Slot.count().where(Slot.service == service["id"]) == 21 * 9
