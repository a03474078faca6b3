"""Feedback closes the loop: a resident reviews a redeemed visit, an admin approves it from the
queue, the review and the new rating appear on the provider's page, and the provider replies."""

import io
import re

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.test_booking_journey import log_in

REVIEW = "Arrived on time, found the blocked pipe under the sink and left the kitchen spotless."
REPLY = "Thank you! Call us whenever the pipes misbehave again."


def rating_count(page) -> int:
    summary = page.locator(".provider-head .rating, .rating").first.text_content()
    return int(re.search(r"\((\d+) reviews?\)", summary).group(1))


def photo(tmp_path) -> str:
    path = tmp_path / "sink.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 110, 170)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_review_approve_publish_and_reply(live_server, phone, chromium, tmp_path):
    base = live_server.url
    phone.goto(f"{base}/providers/fontaneria-russafa")
    before = rating_count(phone)

    log_in(phone, base, "resident@example.com", "/account/bookings")
    phone.get_by_role("link", name=re.compile("^Rate this visit")).first.click()
    phone.get_by_text("4 stars").click()
    phone.get_by_label("Your review").fill(REVIEW)
    expect(phone.locator(".counter")).to_have_text(f"{len(REVIEW)} of 1500 characters")
    phone.get_by_label("Photos (optional)").set_input_files(photo(tmp_path))
    phone.get_by_role("button", name="Send review").click()
    expect(phone.get_by_text("Thank you! Your review will be published")).to_be_visible()
    expect(phone.get_by_text("Waiting for moderation")).to_be_visible()
    expect(phone.locator(".review-card .review-photos img")).to_have_count(1)

    desk = chromium.new_context(viewport={"width": 1280, "height": 800})
    admin = desk.new_page()
    log_in(admin, base, "admin@example.com", "/admin/reviews")
    row = admin.locator(".moderation-row", has_text=REVIEW)
    expect(row.get_by_text("Lucía Navarro", exact=True)).to_be_visible()
    row.get_by_role("button", name=re.compile("^Approve")).click()
    expect(admin.locator(".moderation-row", has_text="Approved: the review is published")).to_be_visible()
    assert admin.url.endswith("/admin/reviews")  # the row was swapped in place, no page load

    phone.goto(f"{base}/providers/fontaneria-russafa")
    assert rating_count(phone) == before + 1
    published = phone.locator(".review", has_text=REVIEW)
    expect(published.get_by_text("Booked and visited")).to_be_visible()
    expect(published.locator(".review-photos img")).to_have_count(1)

    owner = desk.new_page()
    owner.context.clear_cookies()
    log_in(owner, base, "provider@example.com", "/dashboard/reviews")
    mine = owner.locator(".review", has_text=REVIEW)
    mine.get_by_text("Reply in public").click()
    mine.get_by_label("Your public reply").fill(REPLY)
    mine.get_by_role("button", name="Publish reply").click()
    expect(owner.locator(".review", has_text=REVIEW).get_by_text("Your reply is published")).to_be_visible()
    desk.close()

    phone.goto(f"{base}/providers/fontaneria-russafa")
    expect(phone.locator(".review", has_text=REVIEW).locator(".review-reply")).to_contain_text(REPLY)
