"""A resident filters on a phone and goes back; a provider adds a photo and sees it on the public page."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import expect

from app.demo.data import DEMO_PASSWORD


def test_filtering_on_a_phone_swaps_results_and_the_back_button_restores_them(live_server, phone):
    page = phone
    page.goto(live_server.url)
    page.evaluate("() => { window.sameDocument = true; }")  # survives partial swaps, not page loads
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Category").select_option(label="Plumbing")
    expect(page).to_have_url(re.compile(r"/\?category=plumbing$"))
    expect(page.locator("#results-title")).to_contain_text("Plumbing in Valencia")
    plumbers = page.locator("#results .provider-card").count()
    assert plumbers == 5

    page.get_by_label("Neighbourhood").select_option(label="L'Eixample")
    expect(page).to_have_url(re.compile(r"category=plumbing&neighbourhood=l-eixample"))
    expect(page.locator("#results-title")).to_contain_text("Plumbing in L'Eixample")
    assert page.evaluate("() => window.sameDocument") is True  # only the results were swapped

    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?category=plumbing$"))
    expect(page.locator("#results-title")).to_contain_text("Plumbing in Valencia")
    expect(page.locator("#results .provider-card")).to_have_count(plumbers)

    page.locator("#results .provider-card a").first.click()
    expect(page.get_by_role("heading", name="Services and prices")).to_be_visible()
    expect(page.get_by_text("Free cancellation until 24 hours before the visit.")).to_be_visible()


def test_a_resident_picks_a_day_and_sees_who_is_free_then(live_server, phone):
    page = phone
    day = datetime.now(ZoneInfo("Europe/Madrid")).date() + timedelta(days=3)
    page.goto(live_server.url)
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("When").select_option(label="On a day…")
    expect(page.get_by_label("Day")).to_be_focused()  # it asks for the day instead of searching at once
    page.wait_for_timeout(300)
    assert page.url == f"{live_server.url}/"
    page.get_by_label("Day").fill(day.isoformat())
    expect(page).to_have_url(f"{live_server.url}/?available={day.isoformat()}")
    expect(page.get_by_label("When")).to_have_value("day")
    times = page.locator("#results .next-free strong")
    expect(times.first).to_be_visible()
    label = f"{day:%a} {day.day} {day:%b}"
    assert all(text.startswith(label) for text in times.all_inner_texts())

    page.get_by_label("When").select_option(label="Tomorrow")  # another choice clears the day
    expect(page).to_have_url(f"{live_server.url}/?available=tomorrow")
    expect(page.get_by_label("Day")).to_have_value("")


def test_without_javascript_the_filters_submit_as_a_normal_form(live_server, chromium):
    context = chromium.new_context(viewport={"width": 360, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url)
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Category").select_option(label="Cleaning")
    page.get_by_role("button", name="Show results").click()
    expect(page).to_have_url(re.compile(r"category=cleaning"))
    expect(page.locator("#results-title")).to_contain_text("Cleaning in Valencia")
    context.close()


def _photo(tmp_path) -> str:
    image = Image.new("RGB", (900, 600), (200, 80, 40))
    path = tmp_path / "our-van.jpg"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_a_provider_uploads_a_photo_and_sees_it_on_the_public_page(live_server, phone, tmp_path):
    page = phone
    page.goto(f"{live_server.url}/login?next=/dashboard/photos")
    page.get_by_label("Email").fill("provider@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Photos")).to_be_visible()
    before = page.locator(".photo-item").count()

    page.get_by_label("Add photos").set_input_files(_photo(tmp_path))
    page.get_by_label("Describe them (optional)").fill("Our red van")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".photo-item")).to_have_count(before + 1)
    new_photo = page.locator(".photo-item img").last
    src = new_photo.get_attribute("src")
    key = re.search(r"/media/([\w-]+)-\d+\.webp", src).group(1)

    page.locator(".photo-item").last.get_by_role("button", name=re.compile("Make cover")).click()
    expect(page.locator(".photo-item").first.locator("img")).to_have_attribute("src", re.compile(key))

    page.goto(f"{live_server.url}/providers/fontaneria-russafa")
    cover = page.locator(".gallery img").first
    expect(cover).to_have_attribute("alt", "Our red van")
    expect(cover).to_have_attribute("src", re.compile(key))
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", cover.element_handle())


def test_a_provider_deletes_a_service_added_by_mistake(live_server, phone):
    page = phone
    page.goto(f"{live_server.url}/login?next=/dashboard/services/new")
    page.get_by_label("Email").fill("provider@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Service name").fill("Fix a tap (duplicate)")
    page.get_by_label("Category").select_option(label="Plumbing")
    page.get_by_label("Duration (minutes)").fill("60")
    page.get_by_label("Online price").fill("40")
    page.get_by_label("In-store price").fill("45")
    page.get_by_role("button", name="Add service").click()
    expect(page.get_by_role("heading", name="Fix a tap (duplicate)")).to_be_visible()
    page.goto(f"{live_server.url}/providers/fontaneria-russafa")
    expect(page.get_by_role("link", name="Book Fix a tap (duplicate)")).to_be_visible()

    page.goto(f"{live_server.url}/dashboard/services")
    page.get_by_role("link", name="Delete Fix a tap (duplicate)").click()
    expect(page.get_by_role("heading", name="Delete “Fix a tap (duplicate)”?")).to_be_visible()
    page.get_by_role("button", name="Delete Fix a tap (duplicate)").click()
    expect(page.get_by_text("“Fix a tap (duplicate)” is deleted.")).to_be_visible()
    expect(page.get_by_role("heading", name="Fix a tap (duplicate)")).to_have_count(0)
    # Services with bookings offer only Archive.
    booked = page.locator(".service-admin", has_text="Unblock a drain")
    expect(booked.get_by_role("button", name=re.compile("Archive"))).to_be_visible()
    expect(booked.get_by_role("link", name=re.compile("Delete"))).to_have_count(0)
    page.goto(f"{live_server.url}/providers/fontaneria-russafa")
    expect(page.get_by_role("link", name="Book Unblock a drain")).to_be_visible()
    expect(page.get_by_role("heading", name="Fix a tap (duplicate)")).to_have_count(0)
