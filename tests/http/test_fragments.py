"""Rendered results and free times are reused, but never once the data or the time has moved on."""

from datetime import timedelta

from app import database
from app.booking.tables import Slot
from app.catalog.tables import Provider, Service
from tests.factories import make_listed_provider
from tests.http.conftest import log_in

HTMX = {"hx-request": "true", "hx-request-type": "partial"}


async def test_a_change_to_the_data_shows_on_the_next_results_page(client):
    provider = await make_listed_provider("Fontanería Russafa")
    assert "Fontanería Russafa" in (await client.get("/", params={"category": "plumbing"})).text
    await Provider.update({Provider.name: "Fontanería Ruzafa"}).where(Provider.id == provider)
    page = await client.get("/", params={"category": "plumbing"})
    assert "Fontanería Ruzafa" in page.text and "Fontanería Russafa" not in page.text
    fragment = await client.get("/", params={"category": "plumbing"}, headers=HTMX)
    assert "Fontanería Ruzafa" in fragment.text and "<html" not in fragment.text


async def test_the_results_are_rendered_once_while_nothing_changes(client):
    await make_listed_provider("Fontanería Russafa")
    await client.get("/", params={"category": "plumbing"})
    with database.count_queries() as counted:
        again = await client.get("/", params={"category": "plumbing"})
    assert "Fontanería Russafa" in again.text
    assert counted[0] == 1  # only the check that nothing was committed since


async def test_free_times_follow_a_booking_and_the_clock(client, clock):
    provider = await make_listed_provider("Fontanería Russafa")
    service = await Service.select(Service.public_id).where(Service.provider == provider).first()
    url = f"/providers/fontaneria-russafa/book/{service['public_id']}"
    day = {"day": "2026-11-23"}  # Monday, 09:00-18:00
    assert ">09:00</label>" in (await client.get(url, params=day, headers=HTMX)).text
    await Slot.update({Slot.is_closed: True}).where(
        Slot.provider == provider, Slot.starts_at == (await first_start(provider))
    )
    times = (await client.get(url, params=day, headers=HTMX)).text
    assert ">09:00</label>" not in times and ">10:00</label>" in times
    clock.advance(timedelta(hours=24, minutes=30))  # Monday 10:00 is now too soon to book
    times = (await client.get(url, params=day, headers=HTMX)).text
    assert ">10:00</label>" not in times and ">14:00</label>" in times


async def first_start(provider: int):
    row = await Slot.select(Slot.starts_at).where(Slot.provider == provider).order_by(Slot.starts_at).first()
    return row["starts_at"]


async def test_a_provider_page_shows_a_change_at_once_and_owners_never_get_the_visitors_copy(client):
    provider = await make_listed_provider("Fontanería Russafa", owner_email="owner@example.com")
    assert "Family plumbers" not in (await client.get("/providers/fontaneria-russafa")).text
    await Provider.update({Provider.description: "Family plumbers since 1998"}).where(Provider.id == provider)
    assert "Family plumbers since 1998" in (await client.get("/providers/fontaneria-russafa")).text
    await Provider.update({Provider.is_verified: False}).where(Provider.id == provider)
    assert (await client.get("/providers/fontaneria-russafa")).status_code == 404
    await log_in(client, "owner@example.com")
    owner_view = await client.get("/providers/fontaneria-russafa")
    assert owner_view.status_code == 200 and "Only you can see this page" in owner_view.text
