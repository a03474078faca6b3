"""A resident books on a phone, another browser sees the time gone, the provider closes a day."""

import re

from playwright.sync_api import expect

from app.demo.data import DEMO_PASSWORD


def log_in(page, base: str, email: str, next_path: str = "/") -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_book_a_slot_see_it_taken_elsewhere_and_a_closed_day_disappear(live_server, phone, chromium):
    base = live_server.url
    log_in(phone, base, "resident@example.com")
    phone.goto(f"{base}/providers/fontaneria-russafa")
    phone.get_by_role("link", name=re.compile(r"^Book Fix a leaking tap")).click()
    day_option = phone.locator(".day-option:not(.day-none)").nth(1)
    day = re.search(r"day=([\d-]+)", day_option.get_attribute("href")).group(1)
    day_option.click()
    expect(phone).to_have_url(re.compile(f"day={day}"))
    first_time = phone.locator(".time-option").first
    chosen = first_time.inner_text()
    first_time.click()
    phone.get_by_label("Address of the visit").fill("Carrer de Sueca, 12, 3º")
    phone.get_by_label("Neighbourhood").select_option(index=1)
    phone.get_by_role("button", name="Hold this time").click()
    expect(phone.get_by_text("This time is yours for")).to_be_visible()
    expect(phone.locator("[data-countdown]")).to_have_text(re.compile(r"^(10:00|9:\d\d)$"))

    other = chromium.new_context(viewport={"width": 360, "height": 800})
    neighbour = other.new_page()
    neighbour.goto(phone.url.split("/bookings/")[0] + "/providers/fontaneria-russafa")
    neighbour.get_by_role("link", name=re.compile(r"^Book Fix a leaking tap")).click()
    neighbour.goto(neighbour.url.split("?")[0] + f"?day={day}")
    expect(neighbour.locator(".time-option").first).not_to_have_text(chosen)  # the held time is gone

    provider = chromium.new_context(viewport={"width": 1280, "height": 800})
    owner = provider.new_page()
    log_in(owner, base, "provider@example.com", "/dashboard/calendar")
    closing = owner.locator("section.week-day", has=owner.get_by_role("button", name="Close this day")).last
    closed_day = closing.get_attribute("aria-labelledby").removeprefix("day-")
    closing.get_by_role("button", name="Close this day").click()
    expect(owner.get_by_text("is closed to new bookings")).to_be_visible()

    neighbour.goto(neighbour.url.split("?")[0] + f"?day={closed_day}")
    expect(neighbour.get_by_text("No free times on this day.")).to_be_visible()
    other.close()
    provider.close()
