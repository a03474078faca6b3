"""The results, category, neighbourhood and provider pages over HTTP."""

import re

import pytest

from app.analytics.services import views_add
from app.analytics.tables import ProviderViewDay
from app.catalog.hours import Interval
from app.catalog.tables import Provider
from tests.factories import add_review, make_account, make_listed_provider
from tests.http.conftest import log_in

HTMX = {"hx-request": "true", "hx-request-type": "partial", "hx-current-url": "http://cityloop.test/"}


async def test_filters_work_without_javascript_as_a_plain_get_form(client):
    await make_listed_provider("Fontanería Russafa", area=("Benimaclet",))
    await make_listed_provider("Limpiezas Turia", category_name="Cleaning")
    page = await client.get("/", params={"category": "plumbing", "neighbourhood": "benimaclet"})
    assert page.status_code == 200
    assert "<html" in page.text and 'id="filters"' in page.text and 'method="get"' in page.text
    assert "Plumbing in Benimaclet" in page.text
    assert "Fontanería Russafa" in page.text and "Limpiezas Turia" not in page.text
    assert '<option value="plumbing" selected>' in page.text  # the form shows what was chosen


async def test_htmx_gets_only_the_catalogue_and_responses_vary_on_it(client):
    await make_listed_provider("Fontanería Russafa")
    fragment = await client.get("/", params={"category": "plumbing"}, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<header" not in fragment.text
    assert 'id="filters"' in fragment.text  # the form is swapped too, showing the new choices
    assert "Fontanería Russafa" in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    full = await client.get("/", params={"category": "plumbing"})
    assert "HX-Request" in full.headers["vary"]


async def test_the_back_button_gets_the_full_page_for_htmx_history(client):
    restore = {**HTMX, "hx-history-restore-request": "true"}
    page = await client.get("/", params={"category": "plumbing"}, headers=restore)
    assert "<html" in page.text


async def test_the_filter_form_pushes_its_url_and_pagination_keeps_the_filters(client):
    for n in range(21):
        await make_listed_provider(f"Plumber {n:02d}")
    page = await client.get("/", params={"category": "plumbing", "sort": "price"})
    assert 'hx-get="/" hx-target="#catalogue" hx-push-url="true"' in page.text
    assert 'href="/?category=plumbing&amp;sort=price&amp;page=2"' in page.text
    assert 'hx-push-url="true">Next' in page.text


async def test_bad_filter_values_are_explained_and_the_rest_still_applies(client):
    await make_listed_provider("Fontanería Russafa", services=(("Tap", 5000, 6000),))
    await make_listed_provider("Cheap Cleaner", category_name="Cleaning", services=(("Clean", 2000, 2500),))
    page = await client.get(
        "/",
        params={
            "category": "plumbing",
            "price_min": "lots",
            "available": "someday",
            "neighbourhood": "atlantis",
        },
    )
    assert page.status_code == 200
    assert "We ignored the lowest price “lots”" in page.text
    assert "We ignored the date “someday”" in page.text
    assert "We ignored the neighbourhood “atlantis”" in page.text
    assert "Fontanería Russafa" in page.text and "Cheap Cleaner" not in page.text


async def test_an_empty_result_explains_and_offers_to_widen_the_search(client):
    await make_listed_provider("Fontanería Russafa")
    page = await client.get("/", params={"category": "plumbing", "rating": "4.5"})
    assert "No provider matches all of that right now." in page.text
    assert 'href="/?category=plumbing">Any rating</a>' in page.text
    assert 'href="/?rating=4.5">All categories</a>' in page.text


async def test_category_and_neighbourhood_pages_have_their_own_titles_and_canonical_urls(client):
    await make_listed_provider("Fontanería Russafa", area=("Benimaclet",))
    category = await client.get("/c/plumbing")
    assert category.status_code == 200
    assert "<title>Plumbing in Valencia: book and prepay online · Cityloop</title>" in category.text
    assert '<link rel="canonical" href="http://cityloop.test/c/plumbing">' in category.text
    assert (
        '<meta property="og:title" content="Plumbing in Valencia: book and prepay online · Cityloop">'
        in category.text
    )
    assert "noindex" not in category.text
    area = await client.get("/n/benimaclet")
    assert "Home services in Benimaclet" in area.text
    assert '<link rel="canonical" href="http://cityloop.test/n/benimaclet">' in area.text
    home = await client.get("/")
    assert 'href="/c/plumbing"' in home.text and 'href="/n/benimaclet"' in home.text  # linked for crawlers
    searched = await client.get("/", params={"q": "tap"})
    assert '<meta name="robots" content="noindex, follow">' in searched.text


@pytest.mark.parametrize("path", ["/c/yoga", "/n/atlantis", "/providers/nobody-here"])
async def test_unknown_slugs_are_404(client, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert "We couldn&#39;t find" in response.text or "We don&#39;t list" in response.text


async def test_the_provider_page_shows_what_a_resident_needs_to_decide(client):
    provider = await make_listed_provider(
        "Fontanería Russafa", services=(("Unblock a drain", 6800, 8000), ("Fix a tap", 5000, 5500))
    )
    await Provider.update({Provider.description: "Family plumbers since 1998 <b>bold</b>"}).where(
        Provider.id == provider
    )
    author = await make_account("lucia@example.com", "Lucía Navarro")
    await add_review(
        provider, author.id, 5, body="Great <script>alert(1)</script> http://spam.example", reply="Thanks!"
    )
    await add_review(provider, author.id, 2, status="pending", body="Not approved yet")
    await Provider.update({Provider.rating_count: 1, Provider.rating_sum: 5}).where(Provider.id == provider)
    page = await client.get("/providers/fontaneria-russafa")
    text = page.text
    assert page.status_code == 200
    assert "<h1>Fontanería Russafa</h1>" in text and "Verified by Cityloop" in text
    assert "Family plumbers since 1998 &lt;b&gt;bold&lt;/b&gt;" in text
    assert "Unblock a drain" in text and "€68" in text and "€80" in text and "Save €12" in text
    assert "Next free time: <strong>Mon 23 Nov, 09:00</strong>" in text
    assert "Monday</th><td>09:00–18:00" in text and "Sunday</th><td>Closed" in text
    assert "Free cancellation until 24 hours before the visit." in text
    assert "Lucía N." in text and "Navarro" not in text  # residents are shown by first name and initial
    assert "&lt;script&gt;" in text and "<script>alert" not in text
    assert 'href="http://spam.example"' not in text  # links in reviews are not rendered as links
    assert "Not approved yet" not in text
    assert "Thanks!" in text
    assert '<meter min="0" max="1" value="1"' in text
    assert '<link rel="canonical" href="http://cityloop.test/providers/fontaneria-russafa">' in text
    # Monday is free, and its day opens that day's times of the first service (tests/http/test_day_strips.py).
    assert re.search(
        r'<a href="/providers/fontaneria-russafa\?service=[0-9a-f]{12}&amp;day=2026-11-23#days"', text
    )
    services = text.split('id="services-title"')[1].split("</section>")[0]
    assert services.count('href="/providers/fontaneria-russafa/book/') == 2  # each service can be booked


async def test_more_reviews_come_as_a_fragment_or_as_a_page(client):
    provider = await make_listed_provider("Fontanería Russafa")
    author = await make_account("lucia@example.com", "Lucía Navarro")
    for n in range(7):
        await add_review(provider, author.id, 4, body=f"Review number {n}")
    await Provider.update({Provider.rating_count: 7, Provider.rating_sum: 28}).where(Provider.id == provider)
    first = await client.get("/providers/fontaneria-russafa")
    assert first.text.count('class="review"') == 5
    assert 'hx-get="/providers/fontaneria-russafa/reviews?page=2"' in first.text
    more = await client.get("/providers/fontaneria-russafa/reviews?page=2", headers=HTMX)
    assert "<html" not in more.text and more.text.count('class="review"') == 2
    assert "Show more reviews" not in more.text
    plain = await client.get("/providers/fontaneria-russafa/reviews?page=2")
    assert "<html" in plain.text and plain.text.count('class="review"') == 2


async def test_an_unverified_business_is_visible_to_its_owner_only(app, client):
    await make_listed_provider("Draft Business", verified=False, owner_email="owner@example.com")
    assert (await client.get("/providers/draft-business")).status_code == 404
    await log_in(client, "owner@example.com")
    preview = await client.get("/providers/draft-business")
    assert preview.status_code == 200
    assert "Only you can see this page" in preview.text


async def test_listing_and_page_views_are_counted_for_the_provider(app, client):
    provider = await make_listed_provider("Fontanería Russafa")
    await client.get("/")
    await client.get("/", params={"category": "plumbing"})
    await client.get("/providers/fontaneria-russafa")
    await views_add(app.state.views.take())
    row = await ProviderViewDay.select().where(ProviderViewDay.provider == provider).first()
    assert (row["listing_views"], row["page_views"]) == (2, 1)


async def test_htmx_is_told_the_clean_url_to_push(client):
    await make_listed_provider("Fontanería Russafa")
    params = {
        "category": "plumbing",
        "neighbourhood": "",
        "rating": "",
        "sort": "recommended",
        "price_min": "",
    }
    fragment = await client.get("/", params=params, headers=HTMX)
    assert fragment.headers["hx-push-url"] == "/?category=plumbing"


async def test_a_form_sent_without_javascript_lands_on_the_clean_shareable_url(client):
    await make_listed_provider("Fontanería Russafa")
    params = {"category": "plumbing", "neighbourhood": "", "available": "", "sort": "recommended", "page": ""}
    response = await client.get("/", params=params)
    assert response.status_code == 303
    assert response.headers["location"] == "/?category=plumbing"
    kept = await client.get("/", params={"category": "plumbing", "price_min": "lots", "rating": ""})
    assert kept.status_code == 200  # a value we had to ignore is explained on the page instead


@pytest.mark.parametrize(
    "path", ["/c/%00", "/n/%00", "/providers/%00", "/providers/%00/reviews", "/providers/UPPER", "/c/a%20b"]
)
async def test_malformed_slugs_are_404_without_reaching_the_database(client, path):
    assert (await client.get(path)).status_code == 404


async def test_the_next_days_count_free_times_not_services(client):
    await make_listed_provider(
        "Three Services", services=(("A", 1000, 1000), ("B", 1000, 1000), ("C", 1000, 1000))
    )
    page = await client.get("/providers/three-services")
    assert "9 free" in page.text and "27 free" not in page.text  # 09:00-18:00 in one-hour steps


async def test_a_day_picked_in_the_form_shows_who_is_free_that_day(client):
    await make_listed_provider("Weekday Plumber")  # Monday to Friday
    await make_listed_provider("Saturday Plumber", hours=[Interval(5, 9 * 60, 14 * 60)])
    picked = {"available": "day", "day": "2026-11-28", "category": ""}  # Saturday
    fragment = await client.get("/", params=picked, headers=HTMX)
    assert fragment.headers["hx-push-url"] == "/?available=2026-11-28"
    assert "Saturday Plumber" in fragment.text and "Weekday Plumber" not in fragment.text
    no_js = await client.get("/", params={**picked, "day": "2026-11-25"})
    assert (no_js.status_code, no_js.headers["location"]) == (303, "/?available=2026-11-25")
    page = await client.get("/?available=2026-11-25")
    assert "Weekday Plumber" in page.text and "Saturday Plumber" not in page.text
    assert '<option value="day" selected>On a day…</option>' in page.text  # the form shows the day chosen
    assert re.search(r'name="day" value="2026-11-25"\s+min="2026-11-22" max="2027-02-20"', page.text)


async def test_on_a_day_without_a_day_asks_for_one(client):
    await make_listed_provider("Weekday Plumber")
    page = await client.get("/", params={"available": "day", "day": ""})
    assert page.status_code == 200 and "Pick a day in the calendar to see who is free then." in page.text
    assert "Weekday Plumber" in page.text


async def test_results_list_verified_businesses_only_and_say_so(client):
    await make_listed_provider("Checked Plumber")
    await make_listed_provider("Unchecked Plumber", verified=False)
    for url in ("/", "/c/plumbing", "/n/l-eixample", "/?q=plumber"):
        page = await client.get(url)
        assert "Checked Plumber" in page.text and "Unchecked Plumber" not in page.text
        assert "Only verified businesses are listed" in page.text
