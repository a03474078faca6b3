"""A provider on a phone meets the edges: a day off a lifetime away, an old calendar link far in the
future. Each gets a plain answer on the page, within sight, with nothing typed lost; every private
page is sent as not to be stored, and each request is one line of the server's log."""

import json
import re
import time

from playwright.sync_api import expect

from tests.e2e.test_booking_journey import log_in


def test_a_provider_gets_plain_answers_for_days_beyond_reach(live_server, chromium):
    base = live_server.url
    context = chromium.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    page = context.new_page()
    log_in(page, base, "provider@example.com", "/dashboard/hours")
    expect(page.get_by_role("heading", name="Days off")).to_be_visible()

    # The date picker offers a year ahead; a typed date further out gets a message beside the field.
    first_day = page.get_by_label("First day off")
    assert first_day.get_attribute("max") is not None
    first_day.fill("9999-12-31")
    page.get_by_label("Last day off").fill("9999-12-31")
    page.get_by_label("Note (only you see it)").fill("The long holiday")
    page.get_by_role("button", name="Add days off").click()
    message = page.get_by_text(re.compile(r"days off can be planned up to a year ahead")).first
    expect(message).to_be_visible()
    expect(message).to_be_in_viewport()
    expect(page.get_by_label("Note (only you see it)")).to_have_value("The long holiday")
    expect(page.get_by_label("First day off")).to_have_value("9999-12-31")

    # An old link to a day past the calendar's end shows the calendar's last day and says so.
    response = page.goto(f"{base}/dashboard/calendar?week=9999-12-31")
    assert response.status == 200
    note = page.get_by_text(re.compile(r"Your calendar shows a year either side of today"))
    expect(note).to_be_visible()
    expect(note).to_be_in_viewport()
    assert "no-store" in response.headers["cache-control"]  # the page holds the secret feed address

    # The server's log has this request as one JSON line, found by the id the response carries.
    request_id = response.headers["x-request-id"]
    lines = []
    for _ in range(100):  # a background thread writes the log: wait for it, up to ten seconds
        lines = [json.loads(line) for line in live_server.log_text().splitlines() if request_id in line]
        if lines:
            break
        time.sleep(0.1)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/dashboard/calendar", 200)
    ]
    context.close()
