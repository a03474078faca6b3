"""Every page of an audience stands in that audience's layout: a provider finds the dashboard's
navigation on every dashboard page, with the page they are on marked; an administrator always has
the way back up; residents page through results with the same pager administrators use."""

import re

from playwright.sync_api import expect

from tests.e2e.test_booking_journey import log_in

DASHBOARD_LINKS = [
    ("Overview", "/dashboard"),
    ("Redeem", "/dashboard/redeem"),
    ("Today", "/dashboard/today"),
    ("Calendar", "/dashboard/calendar"),
    ("Earnings", "/dashboard/earnings"),
    ("Reviews", "/dashboard/reviews"),
    ("Services", "/dashboard/services"),
    ("Team", "/dashboard/team"),
    ("Hours", "/dashboard/hours"),
    ("Photos", "/dashboard/photos"),
    ("Profile", "/dashboard/profile"),
]


def test_a_provider_walks_the_dashboard_by_its_navigation(live_server, chromium):
    base = live_server.url
    context = chromium.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    page = context.new_page()
    log_in(page, base, "provider@example.com", "/dashboard")
    for label, path in DASHBOARD_LINKS:
        nav = page.get_by_role("navigation", name="Dashboard")
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(f"{base}{path}")
        current = page.get_by_role("navigation", name="Dashboard").locator('[aria-current="page"]')
        expect(current).to_have_text(label)
    # Pages below the navigation's own (a service's form, a team member) keep it too.
    page.goto(f"{base}/dashboard/services/new")
    expect(page.get_by_role("navigation", name="Dashboard")).to_be_visible()
    page.goto(f"{base}/dashboard/team/new")
    expect(page.get_by_role("navigation", name="Dashboard")).to_be_visible()
    context.close()


def test_an_administrator_always_has_the_way_back_up(live_server, chromium):
    base = live_server.url
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, base, "admin@example.com", "/admin")
    expect(page.get_by_role("link", name="← Administration")).to_have_count(0)  # already there
    for path in ("/admin/users", "/admin/bookings", "/admin/figures", "/admin/providers"):
        page.goto(f"{base}{path}")
        page.get_by_role("link", name="← Administration").click()
        expect(page).to_have_url(f"{base}/admin")
    # A provider's page goes back to the providers, the list it was opened from.
    page.goto(f"{base}/admin/providers?status=all")
    page.locator(".admin-row a").first.click()
    page.get_by_role("link", name="← Providers").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/admin/providers"))
    context.close()


def test_residents_page_through_results_and_back(live_server, chromium):
    base = live_server.url
    context = chromium.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/?sort=price")
    pager = page.get_by_role("navigation", name="More providers")
    expect(pager.get_by_text("Page 1")).to_be_visible()
    pager.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(f"{base}/?sort=price&page=2")
    pager = page.get_by_role("navigation", name="More providers")
    expect(pager.get_by_text("Page 2")).to_be_visible()
    pager.get_by_role("link", name="← Previous").click()
    expect(page).to_have_url(f"{base}/?sort=price")  # the first page carries no page number
    expect(page.get_by_role("navigation", name="More providers").get_by_text("Page 1")).to_be_visible()
    context.close()
