"""CSRF, same-origin checks, guards, session fixation and rate limits."""

from datetime import timedelta

import pytest

from app.accounts.identity import Role
from app.accounts.services import session_token_hash
from app.accounts.tables import UserSession
from app.web.security import CROSS_SITE_REFUSED
from tests.factories import PASSWORD, make_account
from tests.http.conftest import browser, csrf_token, log_in, post_form, sign_up

# --- CSRF and origin ---------------------------------------------------------------------------


async def test_a_form_post_without_the_csrf_token_is_refused(client):
    await make_account("ana@example.com")
    await client.get("/login")
    response = await client.post("/login", data={"email": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert "You can&#39;t do that here" in response.text
    assert "cityloop_session" not in response.cookies


async def test_a_token_that_does_not_match_the_cookie_is_refused(client):
    await client.get("/login")
    response = await client.post("/logout", data={"_csrf_token": "forged" * 10})
    assert response.status_code == 403


async def test_htmx_requests_carry_the_token_in_a_header(client):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    token = await csrf_token(client)
    response = await client.post("/logout", headers={"x-csrftoken": token, "hx-request": "true"})
    assert response.status_code == 303


async def test_the_page_gives_htmx_the_token_on_the_body(client):
    page = await client.get("/")
    token = client.cookies["csrftoken"]
    assert f'hx-headers:inherited=\'{{"x-csrftoken": "{token}"}}\'' in page.text


async def test_posts_from_another_site_are_refused_even_with_a_token(client):
    token = await csrf_token(client)
    from_elsewhere = await client.post(
        "/logout", data={"_csrf_token": token}, headers={"origin": "https://evil.example"}
    )
    assert from_elsewhere.status_code == 403
    assert CROSS_SITE_REFUSED in from_elsewhere.text
    cross_site = await client.post(
        "/logout", data={"_csrf_token": token}, headers={"sec-fetch-site": "cross-site"}
    )
    assert cross_site.status_code == 403
    same_origin = await client.post(
        "/logout", data={"_csrf_token": token}, headers={"origin": "http://cityloop.test"}
    )
    assert same_origin.status_code == 303


# --- guards ------------------------------------------------------------------------------------


async def test_anonymous_visitors_are_sent_to_log_in_and_back(client):
    response = await client.get("/dashboard?tab=today")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fdashboard%3Ftab%3Dtoday"


async def test_anonymous_posts_to_protected_actions_get_401(client):
    response = await post_form(client, "/account/password", {"current_password": "x"})
    assert response.status_code == 401
    assert "Please log in" in response.text


async def test_anonymous_htmx_requests_get_401_with_a_redirect_to_log_in(client):
    response = await client.get(
        "/account", headers={"hx-request": "true", "hx-current-url": "http://cityloop.test/account"}
    )
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/login?next=%2Faccount"


async def test_residents_and_admins_cannot_open_the_provider_dashboard(client):
    await make_account("ana@example.com")
    await make_account("admin@example.com", "Marta", role=Role.admin)
    await log_in(client, "ana@example.com")
    response = await client.get("/dashboard")
    assert response.status_code == 403
    assert "This part of Cityloop is for providers. You&#39;re signed in as a resident." in response.text
    await post_form(client, "/logout", {})
    await log_in(client, "admin@example.com")
    assert (await client.get("/dashboard")).status_code == 403


async def test_providers_open_their_dashboard(client):
    await make_account("javier@example.com", "Javier", role=Role.provider, business_name="Aigua")
    await log_in(client, "javier@example.com")
    assert (await client.get("/dashboard")).status_code == 200


# --- sessions ----------------------------------------------------------------------------------


async def test_a_planted_session_id_is_never_adopted(client):
    await make_account("ana@example.com")
    client.cookies.set("cityloop_session", "attacker-chosen-id", domain="cityloop.test")
    page = await client.get("/")
    assert 'cityloop_session=""' in page.headers.get("set-cookie", "")  # the unknown id is cleared
    response = await log_in(client, "ana@example.com")
    issued = response.cookies["cityloop_session"]
    assert issued != "attacker-chosen-id"
    assert (
        await UserSession.count().where(UserSession.token_hash == session_token_hash("attacker-chosen-id"))
        == 0
    )


async def test_the_session_id_changes_at_login_and_the_old_one_is_dead(app, client):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    await post_form(client, "/logout", {})  # leaves an anonymous session holding the goodbye message
    before = client.cookies["cityloop_session"]
    await log_in(client, "ana@example.com")
    after = client.cookies["cityloop_session"]
    assert after != before
    async with browser(app) as thief:
        thief.cookies.set("cityloop_session", before, domain="cityloop.test")
        assert (await thief.get("/account")).status_code == 303
        thief.cookies.set("cityloop_session", after, domain="cityloop.test")
        assert (await thief.get("/account")).status_code == 200  # the live id is the only key


async def test_the_session_id_changes_at_logout(client):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    signed_in = client.cookies["cityloop_session"]
    await post_form(client, "/logout", {})
    assert client.cookies.get("cityloop_session") != signed_in
    assert await UserSession.count().where(UserSession.token_hash == session_token_hash(signed_in)) == 0


async def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    response = await sign_up(client, "ana@example.com")
    cookie = response.headers["set-cookie"].lower()
    assert "cityloop_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "max-age=1209600" in cookie


async def test_sessions_expire_after_the_configured_days(client, clock):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    clock.advance(timedelta(days=15))
    assert (await client.get("/account")).status_code == 303


async def test_an_active_session_slides_its_expiry_forward(client, clock):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    for _ in range(3):
        clock.advance(timedelta(days=10))
        response = await client.get("/account")
        assert response.status_code == 200
        assert "max-age=1209600" in response.headers["set-cookie"].lower()


# --- rate limits -------------------------------------------------------------------------------


async def test_ten_failed_logins_block_the_next_one_with_a_human_message(client, clock):
    await make_account("ana@example.com")
    for _ in range(10):
        assert (await log_in(client, "ana@example.com", "wrong password")).status_code == 422
    blocked = await log_in(client, "ana@example.com")  # even the right password
    assert blocked.status_code == 429
    assert "Too many attempts from here. For your security, wait 15 minutes and try again." in blocked.text
    assert blocked.headers["retry-after"] == "900"
    assert 'value="ana@example.com"' in blocked.text
    clock.advance(timedelta(minutes=16))
    assert (await log_in(client, "ana@example.com")).status_code == 303


async def test_sign_ups_from_one_address_are_rate_limited(client):
    for n in range(10):
        assert (await sign_up(client, f"person{n}@example.com", f"Person {n}")).status_code == 303
    blocked = await sign_up(client, "person@example.com", "Person")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text


async def test_signing_in_marks_the_browser_as_a_trusted_device(client):
    """The device cookie exempts this browser from the per-account lockout (see the service tests)."""
    await make_account("ana@example.com")
    response = await log_in(client, "ana@example.com")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("cityloop_device="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=15552000" in cookie


# --- odd input never causes a 500 --------------------------------------------------------------


async def test_a_file_posted_in_a_text_field_is_treated_as_missing(client):
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"_csrf_token": token, "next": "/account"},
        files={"email": ("email.txt", b"ana@example.com"), "password": ("p.txt", b"x")},
    )
    assert response.status_code == 422
    assert "Enter your email address." in response.text


@pytest.mark.parametrize(
    "where", ["header", "form", "cookie", "file"], ids=["header", "form field", "cookie", "file as token"]
)
async def test_a_non_ascii_or_binary_csrf_token_is_refused_as_a_forgery(client, where):
    token = await csrf_token(client)
    kwargs: dict = {"data": {"_csrf_token": token}}
    if where == "header":
        kwargs["headers"] = {"x-csrftoken": "tökën".encode()}
    elif where == "form":
        kwargs["data"] = {"_csrf_token": "tökën"}
    elif where == "cookie":
        client.cookies.clear()
        kwargs["headers"] = {"cookie": "csrftoken=tökën".encode()}
    else:
        kwargs = {"files": {"_csrf_token": ("t.txt", b"\xff\xfe")}, "data": {"x": "1"}}
    response = await client.post("/logout", **kwargs)
    assert response.status_code == 403
    assert "This form has expired or didn&#39;t come from this page." in response.text


async def test_a_malformed_current_url_header_still_sends_htmx_to_log_in(client):
    response = await client.get("/account", headers={"hx-request": "true", "hx-current-url": "http://[::1/x"})
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/login?next=%2F"


async def test_names_made_of_spaces_are_refused(client):
    response = await post_form(
        client, "/signup", {"display_name": "   ", "email": "ana@example.com", "password": PASSWORD}
    )
    assert response.status_code == 422
    assert "Enter your name." in response.text


async def test_logging_out_without_a_session_stores_nothing(client):
    for _ in range(3):
        assert (await post_form(client, "/logout", {})).status_code == 303
    assert await UserSession.count() == 0


async def test_the_public_address_is_the_sites_origin_even_behind_a_proxy_that_rewrites_host(client):
    token = await csrf_token(client)
    response = await client.post(
        "/logout",
        data={"_csrf_token": token},
        headers={"origin": "http://cityloop.test", "host": "internal:8000"},
    )
    assert response.status_code == 303
