"""An admin verifies a waiting business on a laptop (residents find it), then suspends it (they don't)."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import EXPECTED_CLIENT_ERROR
from tests.e2e.test_booking_journey import log_in

NOTE = "ID and insurance checked; phone call"


def test_an_admin_verifies_a_business_then_suspends_it(live_server, chromium, phone):
    base = live_server.url
    laptop = chromium.new_context(viewport={"width": 1280, "height": 800})
    admin = laptop.new_page()
    errors: list[str] = []
    admin.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and not EXPECTED_CLIENT_ERROR.match(m.text) else None
        ),
    )
    admin.on("pageerror", lambda error: errors.append(str(error)))

    phone.goto(f"{base}/?q=huerta")
    expect(phone.locator("#results .provider-card")).to_have_count(0)

    log_in(admin, base, "admin@example.com", "/admin/providers")
    expect(admin.get_by_role("heading", name="Providers")).to_be_visible()
    expect(admin.get_by_role("link", name=re.compile(r"^Unverified \d+$"))).to_have_attribute(
        "aria-current", "page"
    )
    admin.get_by_role("link", name="Huerta en Casa").click()
    expect(admin.get_by_text("Waiting for verification").first).to_be_visible()

    admin.get_by_role("button", name="Verify Huerta en Casa").click()  # without a note first
    expect(admin.get_by_text("Say what you checked")).to_be_visible()
    admin.get_by_label("What did you check?").fill(NOTE)
    admin.get_by_role("button", name="Verify Huerta en Casa").click()
    expect(admin.get_by_text("Huerta en Casa is verified and listed.")).to_be_visible()
    expect(admin.locator(".history")).to_contain_text(NOTE)

    phone.goto(f"{base}/?q=huerta")
    card = phone.locator("#results .provider-card", has_text="Huerta en Casa")
    expect(card).to_be_visible()
    expect(card.get_by_text("Verified", exact=True)).to_be_visible()

    admin.get_by_label("Reason").fill("Complaints from three residents, under review")
    admin.get_by_label("Keep them").check()
    admin.get_by_role("button", name="Suspend Huerta en Casa").click()
    expect(admin.get_by_text("Huerta en Casa is suspended and hidden from residents.")).to_be_visible()
    expect(admin.get_by_role("button", name="Reinstate")).to_be_visible()

    phone.goto(f"{base}/?q=huerta")
    expect(phone.locator("#results .provider-card")).to_have_count(0)
    response = phone.goto(f"{base}/providers/huerta-en-casa")
    assert response.status == 404

    admin.goto(f"{base}/admin/providers?status=suspended")
    expect(admin.get_by_role("link", name="Huerta en Casa")).to_be_visible()
    laptop.close()
    assert not errors, f"the browser reported errors: {errors}"
