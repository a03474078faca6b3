"""axe-core finds no accessibility violations on the pages that exist, signed out and signed in."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.demo.data import DEMO_PASSWORD


def _violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def _log_in(page, base: str, email: str) -> None:
    page.context.clear_cookies()  # whoever was signed in before
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


PUBLIC_PAGES = [
    "/",
    "/?q=fontanero",
    "/?q=nothing-matches-this",
    "/?category=plumbing&neighbourhood=benimaclet&rating=4&available=week&sort=price",
    "/?available=2026-12-01&price_min=cheap",  # a day picked in the calendar, and a note
    "/c/hair-beauty-at-home",
    "/n/benimaclet",
    "/providers/fontaneria-russafa",
    "/providers/fontaneria-russafa/reviews?page=2",
    "/signup",
    "/signup/provider",
    "/login",
    "/no-such-page",
]
SIGNED_IN_PAGES = [
    ("provider@example.com", "/dashboard"),
    ("provider@example.com", "/dashboard/profile"),
    ("provider@example.com", "/dashboard/hours"),
    ("provider@example.com", "/dashboard/photos"),
    ("provider@example.com", "/dashboard/services"),
    ("provider@example.com", "/dashboard/services/new"),
    ("provider@example.com", "/dashboard/team"),
    ("provider@example.com", "/dashboard/team/new"),
    ("provider@example.com", "/dashboard/calendar"),
    ("provider@example.com", "/dashboard/today"),
    ("provider@example.com", "/dashboard/redeem"),
    ("provider@example.com", "/dashboard/earnings"),
    ("provider@example.com", "/dashboard/reviews"),
    ("resident@example.com", "/account"),
    ("resident@example.com", "/account/bookings"),
    ("admin@example.com", "/admin"),
    ("admin@example.com", "/admin/categories"),
    ("admin@example.com", "/admin/neighbourhoods"),
    ("admin@example.com", "/admin/bookings"),
    ("admin@example.com", "/admin/payouts"),
    ("admin@example.com", "/admin/reviews"),
    ("admin@example.com", "/admin/providers"),
    ("admin@example.com", "/admin/users"),
    ("admin@example.com", "/admin/figures"),
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_accessibility_violations(live_server, phone, path):
    phone.goto(f"{live_server.url}{path}")
    assert _violations(phone) == []


def test_forms_showing_errors_have_no_accessibility_violations(live_server, phone):
    phone.goto(f"{live_server.url}/signup/provider")
    phone.get_by_role("button", name="Create my provider account").click()
    phone.wait_for_selector(".field-error")
    assert _violations(phone) == []


@pytest.mark.parametrize(("email", "path"), SIGNED_IN_PAGES)
def test_signed_in_pages_have_no_accessibility_violations(live_server, phone, email, path):
    _log_in(phone, live_server.url, email)
    phone.goto(f"{live_server.url}{path}")
    assert _violations(phone) == []


def test_the_booking_page_has_no_accessibility_violations(live_server, phone):
    phone.goto(f"{live_server.url}/providers/limpiezas-turia")
    phone.locator("a.button", has_text="Book").first.click()
    phone.wait_for_selector(".time-option")
    assert _violations(phone) == []


def _view_the_first(page, base: str, email: str, list_path: str, link_selector: str) -> None:
    _log_in(page, base, email)
    page.goto(f"{base}{list_path}")
    page.locator(link_selector).first.click()
    page.wait_for_load_state()


def test_a_team_members_page_has_no_accessibility_violations(live_server, phone):
    _view_the_first(phone, live_server.url, "provider@example.com", "/dashboard/team", ".team-member h2 a")
    assert "/dashboard/team/" in phone.url
    assert _violations(phone) == []


def test_paid_booking_pages_have_no_accessibility_violations(live_server, phone):
    """The resident's code and QR, the provider's ledger and the admin's refund form."""
    base = live_server.url
    _view_the_first(phone, base, "resident@example.com", "/account/bookings", "a[href^='/bookings/']")
    assert _violations(phone) == []
    _view_the_first(
        phone, base, "provider@example.com", "/dashboard/earnings", "a[href^='/dashboard/bookings/']"
    )
    assert _violations(phone) == []
    _view_the_first(phone, base, "admin@example.com", "/admin/bookings", "a[href^='/admin/bookings/']")
    assert _violations(phone) == []


def test_the_checkout_and_a_redeem_error_have_no_accessibility_violations(live_server, phone):
    base = live_server.url
    _log_in(phone, base, "resident@example.com")
    phone.goto(f"{base}/providers/limpiezas-turia")
    phone.locator("a.button", has_text="Book").first.click()
    phone.locator(".time-option").first.click()
    address = phone.get_by_label("Address of the visit")
    if address.count():  # a visit at home
        address.fill("Carrer de Cuba 3")
        phone.get_by_label("Neighbourhood").select_option(index=1)
    phone.get_by_role("button", name="Hold this time").click()
    phone.wait_for_selector("#card-element input")
    # The card field belongs to Stripe.js (an iframe with its own labels in production).
    assert _violations_outside(phone, "#card-element") == []
    _log_in(phone, base, "provider@example.com")
    phone.goto(f"{base}/dashboard/redeem")
    phone.get_by_label("Booking code").fill("K7QX-3M0P")
    phone.get_by_role("button", name="Check the code").click()
    phone.wait_for_selector(".field-error")
    assert _violations(phone) == []


def _violations_outside(page, selector: str) -> list[str]:
    results = Axe().run(page, context={"exclude": [[selector]]})
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]]


def test_the_review_form_with_errors_has_no_accessibility_violations(live_server, phone):
    base = live_server.url
    _view_the_first(phone, base, "resident@example.com", "/account/bookings", "a:text('Rate this visit')")
    assert _violations(phone) == []
    phone.get_by_role("button", name="Send review").click()
    phone.wait_for_selector(".field-error")
    assert _violations(phone) == []


def test_an_admin_provider_page_has_no_accessibility_violations(live_server, phone):
    _view_the_first(
        phone, live_server.url, "admin@example.com", "/admin/providers", "a[href^='/admin/providers/']"
    )
    assert _violations(phone) == []
