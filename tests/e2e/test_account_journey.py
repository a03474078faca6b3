"""A newcomer on a phone: sign up, log out, log in again, and see their name."""

import re

from playwright.sync_api import expect

from tests.factories import PASSWORD


def test_sign_up_log_out_log_in_and_see_your_name(live_server, phone):
    page = phone
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(f"{live_server.url}/signup")

    page.get_by_label("Your name").fill("Carmen Ruiz")
    page.get_by_label("Email").fill("carmen@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Use at least 10 characters.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("carmen@example.com")  # nothing typed is lost

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Welcome to Cityloop, Carmen!")).to_be_visible()
    expect(page.get_by_role("link", name="Your account: Carmen")).to_be_visible()

    page.get_by_role("link", name="Your account: Carmen").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("carmen@example.com")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out. See you soon!")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.goto(f"{live_server.url}/account")  # a protected page sends us to log in, then back
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
    page.get_by_label("Email").fill("carmen@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/account")
    expect(page.get_by_text("Welcome back, Carmen.")).to_be_visible()
    expect(page.get_by_role("link", name="Your account: Carmen")).to_be_visible()


def test_htmx_loads_under_the_content_security_policy_and_sends_the_csrf_header(live_server, phone):
    page = phone
    page.goto(live_server.url)
    page.wait_for_function("() => window.htmx !== undefined")
    token = page.evaluate(
        "() => JSON.parse(document.body.getAttribute('hx-headers:inherited'))['x-csrftoken']"
    )
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert token == cookies["csrftoken"]
    with page.expect_response(lambda r: r.url.endswith("/logout")) as sent:
        page.evaluate("() => htmx.ajax('POST', '/logout', {target: '#flash', swap: 'none'})")
    assert sent.value.request.headers["x-csrftoken"] == token
    assert sent.value.status in (200, 303)
