"""The day strips over HTTP: on the booking page, and on the provider page, where a day of the
chosen service opens that day's free times of it (a fragment for htmx, the page without)."""

import re
from datetime import UTC, datetime

import pytest

from app.booking.days import DAY_NOT_SHOWN, DAY_UNREADABLE
from app.booking.tables import Slot
from app.catalog.tables import Service
from app.discovery.routes import SERVICE_NOT_OFFERED
from tests.factories import make_listed_provider

HTMX = {"hx-request": "true", "hx-request-type": "partial"}
PROVIDER = "/providers/fontaneria-russafa"


async def two_services() -> tuple[str, str]:
    """A plumber open on weekdays with two services."""
    provider = await make_listed_provider(
        "Fontanería Russafa", services=(("Unblock a drain", 6800, 8000), ("Fix a tap", 5000, 5500))
    )
    drain, tap = [
        row["public_id"]
        for row in await Service.select(Service.public_id)
        .where(Service.provider == provider)
        .order_by(Service.position)
    ]
    return drain, tap


def strip_of(html: str) -> str:
    return html.split('<ul class="day-strip-days"')[1].split("</ul>")[0]


async def test_the_booking_strip_links_open_days_and_shows_full_days_as_plain_items(client):
    drain, _ = await two_services()
    page = await client.get(f"{PROVIDER}/book/{drain}", params={"day": "2026-11-24"})
    strip = strip_of(page.text)
    assert strip.count("<li>") == 14  # two weeks, as far as the provider page's strip reaches
    # Sunday 22 November (today) is closed: shown, not a link, and said so to a screen reader.
    assert re.search(
        r'<span class="day-option day-none">.*?Sunday 22 November: no free times</span>', strip, re.S
    )
    assert 'href="?day=2026-11-22"' not in strip
    tuesday = re.search(r'<a href="\?day=2026-11-24"[^>]*>', strip).group(0)
    assert 'hx-get="?day=2026-11-24"' in tuesday and 'hx-target="#times"' in tuesday
    assert 'aria-current="date"' in tuesday and "selected" in tuesday
    assert strip.count('aria-current="date"') == 1
    assert "Tuesday 24 November: 9 free times" in strip and ">9 free<" in strip
    assert "/static/js/day-strip.js" in page.text


async def test_a_time_chosen_on_the_provider_page_comes_chosen_on_the_booking_page(client):
    drain, _ = await two_services()
    page = await client.get(
        f"{PROVIDER}/book/{drain}", params={"day": "2026-11-24", "at": "2026-11-24T10:00:00+00:00"}
    )
    assert re.search(r'value="2026-11-24T10:00:00\+00:00"\s+checked', page.text)
    assert page.text.count("checked") == 1


async def test_the_provider_strip_counts_only_the_chosen_service(client):
    drain, tap = await two_services()
    tap_id = (await Service.select(Service.id).where(Service.public_id == tap).first())["id"]
    monday, tuesday = datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)
    await Slot.delete().where(
        (Slot.service == tap_id) & (Slot.starts_at >= monday) & (Slot.starts_at < tuesday)
    )
    page = await client.get(PROVIDER)
    assert "HX-Request" in page.headers["vary"]
    strip = strip_of(page.text)
    assert "Days for Unblock a drain" in page.text
    monday = f'href="{PROVIDER}?service={drain}&amp;day=2026-11-23#days"'
    assert monday in strip and f'hx-get="{PROVIDER}?service={drain}&amp;day=2026-11-23"' in strip
    assert 'aria-current="date"' not in strip  # no day chosen yet
    assert "Choose a day to see its free times." in page.text
    other = await client.get(PROVIDER, params={"service": tap})
    assert "Days for Fix a tap" in other.text
    assert "Monday 23 November: 9 free times" in strip  # the drain's Monday
    assert "Monday 23 November: no free times" in strip_of(other.text)  # the tap's Monday
    assert f"service={tap}&amp;day=2026-11-24" in strip_of(other.text)


async def test_a_day_of_the_provider_strip_opens_its_times_as_a_fragment_or_a_page(client):
    drain, _ = await two_services()
    params = {"service": drain, "day": "2026-11-23"}
    fragment = await client.get(PROVIDER, params=params, headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    assert '<h2 id="days-title">' in fragment.text and "Reviews" not in fragment.text
    assert "<h3>Monday 23 November</h3>" in fragment.text
    times = re.findall(
        rf'<a class="time-option" href="{PROVIDER}/book/{drain}\?day=2026-11-23&amp;at=([^"]+)">',
        fragment.text,
    )
    assert len(times) == 9 and times[0] == "2026-11-23T08%3A00%3A00%2B00%3A00"  # 09:00 in the city
    assert re.search(r'<a href="[^"]*day=2026-11-23#days"[^>]*aria-current="date"', fragment.text)
    page = await client.get(PROVIDER, params=params)
    assert "<html" in page.text and "<h3>Monday 23 November</h3>" in page.text and "Reviews" in page.text
    assert page.text.count('class="time-option"') == 9


async def test_a_closed_day_of_the_provider_strip_says_it_has_no_times(client):
    drain, _ = await two_services()
    page = await client.get(PROVIDER, params={"service": drain, "day": "2026-11-22"})
    assert "No free times on this day." in page.text
    assert re.search(r'<span class="day-option day-none selected" aria-current="date">', page.text)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("not-a-day", DAY_UNREADABLE),
        ("2026-02-30", DAY_UNREADABLE),
        ("2026-11-21", DAY_NOT_SHOWN.format(count=14)),  # yesterday
        ("2026-12-06", DAY_NOT_SHOWN.format(count=14)),  # past the last day shown
        ("9999-12-31", DAY_NOT_SHOWN.format(count=14)),
    ],
)
async def test_a_day_the_provider_strip_does_not_show_is_explained_not_a_500(client, day, message):
    drain, _ = await two_services()
    for headers in ({}, HTMX):
        response = await client.get(PROVIDER, params={"service": drain, "day": day}, headers=headers)
        assert response.status_code == 200
        assert message.replace("'", "&#39;") in response.text
        assert 'class="time-option"' not in response.text


@pytest.mark.parametrize("service", ["000000000000", "not a slug!", "x" * 300])
async def test_an_unknown_service_on_the_provider_page_shows_the_first_and_says_so(client, service):
    await two_services()
    response = await client.get(PROVIDER, params={"service": service, "day": "2026-11-23"}, headers=HTMX)
    assert response.status_code == 200
    notice = SERVICE_NOT_OFFERED.format(provider="Fontanería Russafa", shown="Unblock a drain")
    assert notice.replace("'", "&#39;") in response.text
    assert "Days for Unblock a drain" in response.text


async def test_the_provider_days_of_an_unknown_business_are_404(client):
    response = await client.get("/providers/nobody-here", params={"day": "2026-11-23"}, headers=HTMX)
    assert response.status_code == 404
