"""The administrators' platform figures page over HTTP: who may see it, what it shows, odd periods."""

import re
from datetime import timedelta
from html import unescape

import pytest

from app.accounts.identity import Role
from tests.conftest import TEST_NOW
from tests.factories import make_account
from tests.http.conftest import log_in
from tests.integration.test_figures import add_booking, add_payment, local, scene


async def as_admin(client) -> None:
    await make_account("marta@example.com", "Marta Ferrer", role=Role.admin)
    await log_in(client, "marta@example.com")


def svg_charts(html: str) -> list[str]:
    return re.findall(r'<svg class="chart-svg" viewBox="0 0 360 200" role="img"[^>]*>.*?</svg>', html, re.S)


async def test_anonymous_visitors_are_sent_to_log_in(client):
    response = await client.get("/admin/figures")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login?next=%2Fadmin%2Ffigures"


@pytest.mark.parametrize("role", [Role.resident, Role.provider])
async def test_residents_and_providers_are_refused(client, role):
    await make_account("someone@example.com", role=role)
    await log_in(client, "someone@example.com")
    response = await client.get("/admin/figures")
    assert response.status_code == 403 and "Platform figures" not in response.text


async def test_admins_see_the_totals_and_a_chart_for_each_figure(client):
    place = await scene()
    paid = await add_booking(place, "redeemed", confirmed_at=local(11, 3), released_at=local(11, 10))
    await add_payment(paid, 6800, at=local(11, 3))
    second = await add_booking(place, "no_show", confirmed_at=local(10, 20), ends_at=local(10, 23))
    await add_payment(second, 12550, at=local(10, 20))
    await add_booking(place, "confirmed", confirmed_at=local(7, 1))  # the 12 weeks before
    await make_account("nuria@example.com", "Núria Vidal", now=local(11, 10))
    await as_admin(client)

    page = await client.get("/admin/figures")

    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert '<a href="/admin">← Administration</a>' in text and "<h1>Platform figures</h1>" in text
    assert "The last 12 weeks, 31 Aug to 22 Nov 2026" in text
    assert re.search(r"<h3>Bookings</h3>\s*<p class=\"figure\">2</p>", text)
    assert re.search(r"<h3>Money paid</h3>\s*<p class=\"figure\">€193.50</p>", text)
    assert re.search(r"<h3>Commission</h3>\s*<p class=\"figure\">€6.80</p>", text)
    assert re.search(r"<h3>Redemption rate</h3>\s*<p class=\"figure\">50%</p>", text)
    assert "1 of 2 finished visits redeemed, 1 missed." in text
    assert "Confirmed by payment. Previous 12 weeks: 1 · up 100%</p>" in text
    assert re.search(r"<h3>New residents</h3>\s*<p class=\"figure\">1</p>", text)  # Marta is an admin
    assert "Previous 12 weeks: 0" in text and "Previous 12 weeks: no visits" in text

    charts = svg_charts(text)
    assert len(charts) == 4  # bookings, money, sign-ups, redemption
    bookings, money, accounts, redemption = charts
    assert (
        "Bookings per week, 31 Aug to 22 Nov 2026: 2 in total; the most, 1, in the week of 19 Oct."
        in bookings
    )
    assert bookings.count('<rect class="chart-bar') == 2
    assert re.search(r">16 Nov</text>", bookings) and re.search(r">2 Nov</text>", bookings)
    assert 'style="' not in text and "<script>" not in text  # the CSP allows neither
    assert "€125.50" in money and ">€150</text>" in money  # the axis tops at a round amount
    assert "1 resident and 0 providers in total" in accounts
    assert accounts.count('<rect class="chart-bar chart-series-0"') == 1
    assert ">50%</text>" in redemption and ">100%</text>" in redemption
    assert "<title>Redeemed, week of 2 Nov: 100%</title>" in redemption
    assert "<title>Redeemed, week of 19 Oct: 0%</title>" not in redemption  # a 0% bar has no height
    assert '<th scope="row">9 Nov 2026</th><td>No visits</td>' in text
    assert redemption.count('<rect class="chart-missing"') == 10  # only 19 Oct and 2 Nov had visits
    assert "Shaded weeks had no finished visits to measure." in text
    assert "<summary>Week by week" in text and '<th scope="row">2 Nov 2026</th><td>1</td>' in text
    assert '<a href="/admin/figures?weeks=26">26<span class="visually-hidden"> weeks</span></a>' in text
    assert '<a href="/admin/figures?weeks=12" aria-current="page">12<span' in text


async def test_an_empty_platform_says_so_instead_of_drawing_charts(client):
    await as_admin(client)
    text = (await client.get("/admin/figures", params={"weeks": "4"})).text
    assert "The last 4 weeks, 26 Oct to 22 Nov 2026" in text
    assert svg_charts(text) == []
    for empty in (
        "No bookings were confirmed in these 4 weeks.",
        "No card payments went through in these 4 weeks.",
        "No visits ended with a redeemed code or a missed visit in these 4 weeks.",
    ):
        assert empty in text
    assert re.search(r"<h3>Redemption rate</h3>\s*<p class=\"figure\">No visits</p>", text)


@pytest.mark.parametrize("weeks", ["abc", "3", "53", "-12", "1e1", "١٢", "x" * 300])
async def test_a_period_it_cannot_show_falls_back_to_12_weeks_with_a_note(client, weeks):
    await as_admin(client)
    page = await client.get("/admin/figures", params={"weeks": weeks})
    assert page.status_code == 200
    assert "isn't a number of weeks from 4 to 52, so this page shows the last 12 weeks." in unescape(
        page.text
    )
    assert "The last 12 weeks, 31 Aug to 22 Nov 2026" in page.text
    assert len(svg_charts(page.text)) == 0 and "No bookings were confirmed in these 12 weeks." in page.text
    assert "x" * 21 not in page.text  # long values are cut short in the note


async def test_a_longer_period_shows_its_weeks_and_the_latest_week_counts_up_to_now(client, clock):
    place = await scene()
    for weeks_ago in (0, 30, 51):
        booking = await add_booking(
            place, "redeemed", confirmed_at=TEST_NOW - timedelta(weeks=weeks_ago, hours=2)
        )
        await add_payment(booking, 1000, at=TEST_NOW - timedelta(weeks=weeks_ago, hours=2))
    await as_admin(client)
    page = await client.get("/admin/figures", params={"weeks": "52"})
    assert (
        "a number of weeks" not in page.text and "The last 52 weeks, 24 Nov 2025 to 22 Nov 2026:" in page.text
    )
    assert re.search(r"<h3>Bookings</h3>\s*<p class=\"figure\">3</p>", page.text)
    bookings = svg_charts(page.text)[0]
    assert bookings.count('<rect class="chart-bar') == 3
    labels = re.findall(r'<text class="chart-label chart-label-(\w+)"[^>]*>([^<]+)</text>', bookings)
    on_phones = [text for shown, text in labels if shown in ("always", "narrow")]
    wider = [text for shown, text in labels if shown in ("always", "wide")]
    assert (len(on_phones), len(wider)) == (4, 6) and on_phones[-1] == wider[-1] == "16 Nov"
    # A payment that arrives later this week shows up at once.
    clock.set(TEST_NOW + timedelta(hours=5))
    late = await add_booking(place, "redeemed", confirmed_at=TEST_NOW + timedelta(hours=4))
    await add_payment(late, 1000, at=TEST_NOW + timedelta(hours=4))
    again = await client.get("/admin/figures", params={"weeks": "52"})
    assert re.search(r"<h3>Bookings</h3>\s*<p class=\"figure\">4</p>", again.text)
    assert re.search(r"<h3>Money paid</h3>\s*<p class=\"figure\">€40</p>", again.text)
