"""The site's frame: home listing and search, static files, security headers, error pages, health."""

import re

import pytest
from litestar import get

from app.catalog.tables import ProviderPhoto
from app.main import create_app
from app.settings import PROJECT_ROOT
from tests.conftest import production_settings_for, settings_for
from tests.factories import make_listed_provider
from tests.http.conftest import browser, post_form

# --- home and search ---------------------------------------------------------------------------


async def test_the_home_page_lists_verified_providers_with_online_and_in_store_prices(client):
    provider = await make_listed_provider("Fontanería Russafa", services=(("Unblock a drain", 6800, 8000),))
    await make_listed_provider("Hidden Until Verified", verified=False)
    await ProviderPhoto.insert(
        ProviderPhoto(provider=provider, image_key="abc123", width=1024, height=683, alt_text="Our van")
    )
    page = await client.get("/")
    assert page.status_code == 200
    assert "Fontanería Russafa" in page.text
    assert "Hidden Until Verified" not in page.text
    assert "€68" in page.text and "€80" in page.text and "Save €12" in page.text
    assert (
        'srcset="/media/abc123-320.webp 320w, /media/abc123-640.webp 640w, /media/abc123-1024.webp 1024w"'
        in page.text
    )
    assert 'alt=""' in page.text  # decorative on the card: the name beside it says who it is


@pytest.mark.parametrize("query", ["fontaneria", "FONTANERÍA", "russafa", "drain"])
async def test_search_ignores_case_and_accents(client, query):
    await make_listed_provider("Fontanería Russafa", services=(("Unblock a drain", 6800, 8000),))
    await make_listed_provider(
        "Limpiezas Turia", category_name="Cleaning", services=(("Deep clean", 9000, 10000),)
    )
    page = await client.get("/", params={"q": query})
    assert "Fontanería Russafa" in page.text
    assert "Limpiezas Turia" not in page.text
    assert f'value="{query}"' in page.text  # the search box keeps the words


async def test_a_search_with_no_results_says_so_and_offers_everything(client):
    await make_listed_provider("Fontanería Russafa")
    page = await client.get("/", params={"q": "100% _\\ yoga\x00"})
    assert page.status_code == 200
    assert "No provider matches all of that right now." in page.text
    assert 'href="/">Start again</a>' in page.text


async def test_pages_of_results_keep_the_search_and_survive_bad_page_numbers(client):
    for n in range(21):
        await make_listed_provider(f"Limpiezas {n:02d}", category_name="Cleaning")
    first = await client.get("/", params={"q": "limpiezas"})
    assert first.text.count('class="provider-card"') == 20
    assert 'href="/?q=limpiezas&amp;page=2"' in first.text
    second = await client.get("/", params={"q": "limpiezas", "page": "2"})
    assert second.text.count('class="provider-card"') == 1
    for bad in ("abc", "-1", "99999999999999999999"):
        assert (await client.get("/", params={"page": bad})).status_code == 200


# --- static files and headers ------------------------------------------------------------------


async def test_css_and_htmx_are_served_with_long_cache_lifetimes(client):
    page = await client.get("/")
    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{10})"', page.text).group(1)
    htmx = re.search(r'src="(/vendor/htmx\.min\.js\?v=[0-9a-f]{10})"', page.text).group(1)
    for url in (css, htmx):
        response = await client.get(url)
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["cache-control"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in response.headers
    assert (await client.get("/static/../app/settings.py")).status_code == 404


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/no-such-page", "/static/css/site.css"])
async def test_every_response_carries_the_security_headers(client, path):
    response = await client.get(path)
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers  # plain http: HSTS would be ignored anyway


async def test_pages_are_compressed_for_slow_phone_networks(client):
    response = await client.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


# --- error pages -------------------------------------------------------------------------------


async def test_an_unknown_page_gets_a_friendly_404(client):
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    assert "We couldn&#39;t find that page" in response.text
    assert "<html" in response.text


async def test_htmx_requests_get_the_error_as_a_fragment(client):
    response = await client.get("/no-such-page", headers={"hx-request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.text
    assert 'class="error-panel"' in response.text


async def test_framework_messages_never_show_paths_on_the_server(client):
    response = await client.get("/static/css")
    assert response.status_code == 404
    assert str(PROJECT_ROOT) not in response.text and "no file or directory" not in response.text
    assert "We couldn&#39;t find that page" in response.text


async def test_a_wrong_method_gets_a_405_page(client):
    response = await client.get("/logout")
    assert response.status_code == 405
    assert "That action isn&#39;t available here" in response.text


async def test_an_oversized_request_gets_a_413_page(client):
    response = await post_form(
        client, "/login", {"email": "a@example.com", "password": "x" * (1024 * 1024 + 10)}
    )
    assert response.status_code == 413
    assert "That upload is too large" in response.text


async def test_a_crash_shows_a_calm_500_page_without_internals(tmp_path, database_url, clock):
    settings = production_settings_for(database_url, tmp_path / "media")

    @get("/explode")
    async def explode() -> str:
        raise RuntimeError("secret internal detail")

    app = create_app(settings, clock=clock)
    app.register(explode)
    async with browser(app) as client:
        response = await client.get("/explode")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


async def test_https_responses_add_hsts_and_production_cookies_are_secure(tmp_path, database_url, clock):
    settings = production_settings_for(database_url, tmp_path / "media")
    app = create_app(settings, clock=clock)
    client = browser(app)
    client.base_url = "https://cityloop.test"
    async with client:
        response = await client.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=63072000")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-csrftoken=") and "Secure" in cookie


# --- health ------------------------------------------------------------------------------------


async def test_health_is_ok_when_the_database_answers(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "writes": "ok"}
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "unreachable_url", ["sqlite:///{tmp}/no/such/dir/db.sqlite3", "postgresql://nobody@127.0.0.1:1/cityloop"]
)
async def test_health_is_503_when_the_database_is_unreachable(tmp_path, clock, unreachable_url):
    settings = settings_for(unreachable_url.format(tmp=tmp_path), tmp_path / "media")
    async with browser(create_app(settings, clock=clock)) as client:
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "database": "unreachable",
            "writes": "unavailable",
        }
        page = await client.get("/", headers={"cookie": "cityloop_session=whatever"})
        assert page.status_code == 503
        assert "Cityloop is busy right now" in page.text
        assert page.headers["retry-after"] == "2"
