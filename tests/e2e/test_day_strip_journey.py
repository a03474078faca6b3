"""On a phone the day strips show that they scroll, scroll with their arrows, and lead to times:
on the booking page, and on the provider page for the service chosen there."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

PROVIDER = "/providers/fontaneria-russafa"

# How much of each day of a strip is inside the strip's visible box, 0 to 1, left to right.
VISIBLE_SHARES = """(list) => {
  const box = list.getBoundingClientRect();
  return [...list.children].map((day) => {
    const r = day.getBoundingClientRect();
    const seen = Math.max(0, Math.min(r.right, box.right, window.innerWidth) - Math.max(r.left, box.left, 0));
    return Math.round((seen / r.width) * 100) / 100;
  });
}"""


def test_the_booking_strip_shows_a_cut_fifth_day_scrolls_with_arrows_and_opens_a_day(live_server, phone):
    phone.goto(f"{live_server.url}{PROVIDER}")
    phone.get_by_role("link", name=re.compile(r"^Book Fix a leaking tap")).click()
    days = phone.locator(".day-strip-days")
    earlier = phone.get_by_role("button", name="Earlier days")
    later = phone.get_by_role("button", name="Later days")
    days.evaluate("list => { list.scrollLeft = 0; }")
    expect(earlier).to_have_attribute("aria-disabled", "true")
    expect(later).to_have_attribute("aria-disabled", "false")
    shares = days.evaluate(VISIBLE_SHARES)
    assert shares[:4] == [1, 1, 1, 1], shares  # four whole days ...
    assert 0.2 < shares[4] < 0.8, shares  # ... and part of the fifth, cut by the screen's edge
    assert shares[5:] == [0] * (len(shares) - 5), shares

    later.click()
    phone.wait_for_function("() => document.querySelector('.day-strip-days').scrollLeft > 150")
    expect(earlier).to_have_attribute("aria-disabled", "false")
    days.evaluate("list => { list.scrollLeft = list.scrollWidth; }")
    expect(later).to_have_attribute("aria-disabled", "true")

    day = days.locator("a.day-option:not(.selected)").last
    iso = re.search(r"day=([\d-]+)", day.get_attribute("href")).group(1)
    day.click()
    expect(phone).to_have_url(re.compile(f"day={iso}"))
    expect(days.locator(f'a[href^="?day={iso}"]')).to_have_attribute("aria-current", "date")
    expect(phone.locator(".time-option").first).to_be_visible()
    assert Axe().run(phone).violations_count == 0


def test_a_day_of_a_chosen_service_on_the_provider_page_opens_its_times_then_booking(live_server, phone):
    phone.goto(f"{live_server.url}{PROVIDER}")
    days = phone.locator("#days")
    days.get_by_role("link", name="Fix a leaking tap").click()
    expect(days.get_by_role("link", name="Fix a leaking tap")).to_have_attribute("aria-current", "true")
    expect(days.get_by_role("list", name="Days for Fix a leaking tap")).to_be_visible()
    expect(days.locator(".day-none").first).not_to_have_attribute("href", re.compile("."))
    day = days.locator("a.day-option").nth(1)
    iso = re.search(r"day=([\d-]+)", day.get_attribute("href")).group(1)
    day.click()
    expect(phone).to_have_url(re.compile(f"day={iso}"))
    chosen = days.locator("a.day-option.selected")
    expect(chosen).to_have_attribute("aria-current", "date")
    expect(chosen).to_be_focused()  # the tapped link was swapped: focus stays on the day
    time = days.locator("a.time-option").first
    expect(time).to_be_visible()
    assert Axe().run(phone).violations_count == 0
    shown = time.inner_text().split(",")[0].strip()
    time.click()
    expect(phone).to_have_url(re.compile(rf"/book/[0-9a-f]+\?day={iso}&at="))
    expect(phone.locator(".time-radio:checked + .time-option")).to_have_text(shown)
    expect(phone.get_by_role("heading", name="Book Fix a leaking tap")).to_be_visible()
