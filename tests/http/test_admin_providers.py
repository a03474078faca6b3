"""The administrators' provider pages over HTTP: the queue, a provider's file, verify, suspend, reinstate."""

import re

import pytest

from app.accounts.identity import Role
from app.audit.tables import AdminAction
from app.booking.tables import Booking
from app.catalog.tables import Provider
from app.standing.forms import BOOKINGS_CHOICE_REQUIRED, SUSPEND_REASON_REQUIRED, VERIFY_NOTE_REQUIRED
from tests.factories import make_account, make_listed_provider
from tests.http.conftest import browser, log_in, post_form
from tests.http.test_booking import as_resident, first_time, provider_with_service

NOTE = "ID and insurance checked; phone call"


async def as_admin(client) -> None:
    await make_account("marta@example.com", "Marta Ferrer", role=Role.admin)
    await log_in(client, "marta@example.com")


async def standing(slug: str) -> tuple[bool, bool]:
    row = (
        await Provider.select(Provider.is_verified, Provider.is_suspended)
        .where(Provider.slug == slug)
        .first()
    )
    return bool(row["is_verified"]), bool(row["is_suspended"])


@pytest.mark.parametrize("role", [Role.resident, Role.provider])
async def test_only_administrators_reach_the_provider_pages(client, role):
    await make_listed_provider("Sin Bichos", verified=False)
    await make_account("someone@example.com", role=role, business_name="Otra Casa")
    await log_in(client, "someone@example.com")
    assert (await client.get("/admin/providers")).status_code == 403
    assert (await client.get("/admin/providers/sin-bichos")).status_code == 403
    refused = await post_form(client, "/admin/providers/sin-bichos/verify", {"note": NOTE})
    assert refused.status_code == 403
    assert (
        await post_form(client, "/admin/providers/sin-bichos/suspend", {"reason": "x"})
    ).status_code == 403
    assert await standing("sin-bichos") == (False, False) and await AdminAction.count() == 0


async def test_visitors_are_sent_to_log_in(client):
    response = await client.get("/admin/providers", params={"status": "all"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2Fproviders%3Fstatus%3Dall"


async def test_the_queue_shows_oldest_sign_ups_first_with_counts_search_and_pages(client):
    await as_admin(client)
    for n in range(22):
        await make_listed_provider(f"Negocio {n:02}", verified=False)
    await make_listed_provider("Fontanería Turia")
    page = await client.get("/admin/providers")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert re.search(r'aria-current="page">Unverified <span class="chip-count">22</span>', text)
    assert 'Verified <span class="chip-count">1</span>' in text
    assert 'All <span class="chip-count">23</span>' in text
    names = re.findall(r'<a href="/admin/providers/negocio-(\d\d)">', text)
    assert len(names) == 20 and names[0] == "00"
    assert 'href="/admin/providers?status=unverified&amp;page=2" rel="next"' in text
    second = await client.get("/admin/providers", params={"status": "unverified", "page": "2"})
    assert re.findall(r'<a href="/admin/providers/negocio-(\d\d)">', second.text) == ["20", "21"]
    found = await client.get("/admin/providers", params={"status": "verified", "q": "fontaneria"})
    assert '<a href="/admin/providers/fontaneria-turia">Fontanería Turia</a>' in found.text
    assert 'value="fontaneria"' in found.text
    odd = await client.get("/admin/providers", params={"status": "nonsense", "page": "-4", "q": "x" * 500})
    assert odd.status_code == 200 and 'aria-current="page">Unverified' in odd.text


async def test_verifying_needs_a_note_then_makes_the_provider_public(app, client):
    await make_listed_provider("Sin Bichos", verified=False)
    await as_admin(client)
    file = await client.get("/admin/providers/sin-bichos")
    assert file.status_code == 200 and "Waiting for verification" in file.text
    assert "owner-sin-bichos@example.com" in file.text and "Carrer de Sin Bichos, 1" in file.text
    missing = await post_form(client, "/admin/providers/sin-bichos/verify", {"note": "   "})
    assert missing.status_code == 422
    assert VERIFY_NOTE_REQUIRED in missing.text
    assert await standing("sin-bichos") == (False, False)
    async with browser(app) as visitor:
        assert (await visitor.get("/providers/sin-bichos")).status_code == 404

    done = await post_form(client, "/admin/providers/sin-bichos/verify", {"note": NOTE})
    assert done.status_code == 303 and done.headers["location"] == "/admin/providers/sin-bichos"
    file = await client.get("/admin/providers/sin-bichos")
    assert "Sin Bichos is verified and listed." in file.text
    assert "Verified and listed" in file.text and NOTE in file.text and "Marta Ferrer" in file.text
    async with browser(app) as visitor:
        page = await visitor.get("/providers/sin-bichos")
        assert page.status_code == 200 and "Verified by Cityloop" in page.text
        assert "Sin Bichos" in (await visitor.get("/", params={"q": "bichos"})).text
    again = await post_form(client, "/admin/providers/sin-bichos/verify", {"note": NOTE})
    assert again.status_code == 409 and "This business is already verified." in again.text
    assert await AdminAction.count() == 1


async def test_a_suspension_needs_a_reason_and_a_choice_and_keeps_what_was_typed(client):
    await make_listed_provider("Casa Neta")
    await as_admin(client)
    url = "/admin/providers/casa-neta/suspend"
    no_choice = await post_form(client, url, {"reason": "Fake insurance papers"})
    assert no_choice.status_code == 422 and BOOKINGS_CHOICE_REQUIRED in no_choice.text
    assert "Fake insurance papers</textarea>" in no_choice.text
    no_reason = await post_form(client, url, {"reason": "", "bookings": "cancel"})
    assert no_reason.status_code == 422 and SUSPEND_REASON_REQUIRED in no_reason.text
    assert re.search(r'<input checked [^>]*value="cancel"', no_reason.text)
    tampered = await post_form(client, url, {"reason": "x", "bookings": "burn"})
    assert tampered.status_code == 422 and BOOKINGS_CHOICE_REQUIRED in tampered.text
    too_long = await post_form(client, url, {"reason": "x" * 1001, "bookings": "keep"})
    assert too_long.status_code == 422 and "Use at most 1000 characters." in too_long.text
    assert await standing("casa-neta") == (True, False) and await AdminAction.count() == 0


async def test_a_suspended_provider_disappears_for_residents_but_not_for_its_owner(app, client):
    _, book_url = await provider_with_service()
    async with browser(app) as resident:
        await as_resident(resident)
        booking_page = await resident.get(book_url)
        starts_at = first_time(booking_page.text)
        await as_admin(client)
        file = await client.get("/admin/providers/casa-neta")
        assert "Upcoming bookings (0)" in file.text
        response = await post_form(
            client,
            "/admin/providers/casa-neta/suspend",
            {"reason": "Complaints about no-shows", "bookings": "keep"},
        )
        assert response.status_code == 303
        file = await client.get("/admin/providers/casa-neta")
        assert (
            "Casa Neta is suspended and hidden from residents. Its upcoming bookings are kept." in file.text
        )
        assert "Complaints about no-shows" in file.text and "Reinstate" in file.text

        assert (await resident.get("/providers/casa-neta")).status_code == 404
        assert "Casa Neta" not in (await resident.get("/")).text
        assert (await resident.get(book_url)).status_code == 404
        refused = await post_form(resident, book_url, {"starts_at": starts_at})
        assert refused.status_code == 404 and "isn&#39;t taking bookings" in refused.text
        assert await Booking.count() == 0

    async with browser(app) as owner:
        await log_in(owner, "owner@example.com")
        page = await owner.get("/providers/casa-neta")
        assert page.status_code == 200 and "Suspended by Cityloop." in page.text
        assert f'href="{book_url}"' not in page.text
        dashboard = await owner.get("/dashboard")
        assert "Your business is suspended." in dashboard.text
        assert "Reason: Complaints about no-shows" in dashboard.text

    again = await post_form(client, "/admin/providers/casa-neta/suspend", {"reason": "x", "bookings": "keep"})
    assert again.status_code == 409 and "This business is already suspended." in again.text


async def test_reinstating_needs_a_note_and_lists_the_provider_again(app, client):
    await make_listed_provider("Casa Neta")
    await as_admin(client)
    await post_form(client, "/admin/providers/casa-neta/suspend", {"reason": "Checks", "bookings": "keep"})
    missing = await post_form(client, "/admin/providers/casa-neta/reinstate", {"note": ""})
    assert missing.status_code == 422 and "Say why the business can be listed again." in missing.text
    done = await post_form(client, "/admin/providers/casa-neta/reinstate", {"note": "Checked again"})
    assert done.status_code == 303
    file = await client.get("/admin/providers/casa-neta")
    assert "Casa Neta is reinstated and listed again." in file.text
    assert file.text.index("Reinstated") < file.text.index("Suspended</strong>")  # newest first
    async with browser(app) as visitor:
        assert (await visitor.get("/providers/casa-neta")).status_code == 200
    assert await standing("casa-neta") == (True, False)


async def test_unknown_or_malformed_addresses_are_404(client):
    await as_admin(client)
    for slug in ("nobody", "UPPER", "x" * 300, "a--b"):
        assert (await client.get(f"/admin/providers/{slug}")).status_code == 404, slug
        assert (await post_form(client, f"/admin/providers/{slug}/verify", {"note": NOTE})).status_code == 404
        assert (
            await post_form(client, f"/admin/providers/{slug}/suspend", {"reason": "x", "bookings": "keep"})
        ).status_code == 404
        assert (
            await post_form(client, f"/admin/providers/{slug}/reinstate", {"note": "x"})
        ).status_code == 404


async def test_decisions_need_the_csrf_token(client):
    await make_listed_provider("Sin Bichos", verified=False)
    await as_admin(client)
    response = await client.post("/admin/providers/sin-bichos/verify", data={"note": NOTE})
    assert response.status_code == 403
    assert await standing("sin-bichos") == (False, False)
