"""A provider takes on a second person; two residents book the same hour; the third finds it taken."""

import re
from itertools import count

from playwright.sync_api import expect

from app.demo.data import DEMO_PASSWORD
from tests.e2e.test_booking_journey import log_in

_residents = count(1)


def sign_up(page, base: str) -> None:
    n = next(_residents)
    page.goto(f"{base}/signup")
    page.get_by_label("Your name").fill(f"Neighbour {n}")
    page.get_by_label("Email").fill(f"neighbour{n}@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Welcome to Cityloop, Neighbour!")).to_be_visible()


def open_tap_booking(page, base: str) -> None:
    page.goto(f"{base}/providers/fontaneria-russafa")
    page.get_by_role("link", name=re.compile(r"^Book Fix a leaking tap")).click()


def test_a_second_person_takes_a_second_booking_at_the_same_hour_and_a_third_is_refused(
    live_server, chromium
):
    base = live_server.url
    provider = chromium.new_context(viewport={"width": 1280, "height": 800})
    owner = provider.new_page()
    log_in(owner, base, "provider@example.com", "/dashboard/team")
    expect(owner.get_by_role("heading", name="Team")).to_be_visible()
    owner.get_by_role("link", name="Add a person").click()
    owner.get_by_label("Name").fill("Pau Ferrer")
    services = owner.locator("fieldset", has_text="Services they do")
    for box in services.get_by_role("checkbox").all():
        box.uncheck()
    services.get_by_label("Fix a leaking tap").check()
    owner.get_by_role("button", name="Add to the team").click()
    expect(owner.get_by_text("Pau Ferrer is on your team")).to_be_visible()

    phones = [chromium.new_context(viewport={"width": 360, "height": 800}, is_mobile=True) for _ in range(3)]
    first, second, third = (context.new_page() for context in phones)
    log_in(first, base, "resident@example.com")
    sign_up(second, base)
    sign_up(third, base)

    open_tap_booking(first, base)
    expect(first.get_by_text("Anyone available")).to_be_visible()
    # The furthest day shown: the demo's own bookings are all sooner.
    day = first.locator(".day-option:not(.day-none)").last
    day_href = day.get_attribute("href")
    day.click()
    expect(first).to_have_url(re.compile(re.escape(day_href.split("&")[0])))
    hour = first.locator(".time-option").first.inner_text()
    for page in (second, third):  # all three look at the same day, the hour still free
        open_tap_booking(page, base)
        page.goto(page.url.split("?")[0] + day_href)
        expect(page.locator(".time-option", has_text=hour)).to_be_visible()

    for page in (first, second):
        page.locator(".time-option", has_text=hour).click()
        page.get_by_label("Address of the visit").fill("Carrer de Sueca, 12, 3º")
        page.get_by_label("Neighbourhood").select_option(index=1)
        page.get_by_role("button", name="Hold this time").click()
        expect(page.get_by_text("This time is yours for")).to_be_visible()
    who = {page.locator(".booking-details dt:has-text('Who') + dd").inner_text() for page in (first, second)}
    assert {name.split(" (")[0] for name in who} == {"Javier Soler", "Pau Ferrer"}

    third.locator(".time-option", has_text=hour).click()
    third.get_by_label("Address of the visit").fill("Carrer de Cuba, 3")
    third.get_by_label("Neighbourhood").select_option(index=1)
    third.get_by_role("button", name="Hold this time").click()
    alert = third.get_by_role("alert")
    expect(alert).to_contain_text("Sorry, that time was just taken.")
    expect(third.get_by_label("Address of the visit")).to_have_value("Carrer de Cuba, 3")
    expect(third.locator(".time-option", has_text=hour)).to_have_count(0)

    # The provider sees who goes, then takes Pau off the schedule, cancelling his visit.
    owner.goto(f"{base}/dashboard/team")
    owner.get_by_role("link", name="Pau Ferrer").first.click()
    owner.get_by_role("link", name="Take Pau Ferrer off the schedule").click()
    expect(owner.get_by_text("Pau Ferrer has 1 upcoming booking")).to_be_visible()
    owner.get_by_label("Cancel them: customers get a full refund").check()
    owner.get_by_role("button", name="Take Pau Ferrer off the schedule").click()
    expect(owner.get_by_text("Pau Ferrer is off the schedule")).to_be_visible()
    for context in [*phones, provider]:
        context.close()
