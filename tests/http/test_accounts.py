"""Sign-up, sign-in, sign-out and password changes over HTTP."""

from datetime import timedelta

from app.accounts.forms import NEIGHBOURHOOD_REQUIRED
from app.accounts.queries import account_by_email
from app.accounts.rules import EMAIL_INVALID, PASSWORD_TOO_SHORT
from app.accounts.services import EMAIL_TAKEN, LOGIN_FAILED, TOO_MANY_ATTEMPTS
from app.catalog.tables import Provider
from tests.factories import PASSWORD, make_account, neighbourhood
from tests.http.conftest import browser, csrf_token, log_in, post_form, sign_up


async def test_a_resident_signs_up_and_is_greeted_by_name(client):
    response = await sign_up(client, "ana@example.com", "Ana García")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    home = await client.get("/")
    assert "Welcome to Cityloop, Ana!" in home.text
    assert 'class="account-link"' in home.text and ">Ana</a>" in home.text.replace("\n", "")
    assert "Welcome to Cityloop" not in (await client.get("/")).text  # a flash shows once


async def test_sign_up_errors_keep_what_was_typed_except_the_password(client):
    response = await post_form(
        client, "/signup", {"display_name": "Ana <b>García</b>", "email": "ana@", "password": "short"}
    )
    assert response.status_code == 422
    assert EMAIL_INVALID in response.text
    assert PASSWORD_TOO_SHORT in response.text
    assert 'value="Ana &lt;b&gt;García&lt;/b&gt;"' in response.text  # kept, and escaped
    assert 'value="ana@"' in response.text
    assert 'value="short"' not in response.text
    assert 'aria-invalid="true"' in response.text


async def test_control_characters_in_a_form_never_reach_the_database(client):
    response = await post_form(
        client,
        "/signup",
        {"display_name": "Ana\x00 García", "email": "ana@example.com", "password": PASSWORD},
    )
    assert response.status_code == 303
    assert (await account_by_email("ana@example.com"))["display_name"] == "Ana García"


async def test_signing_up_twice_with_one_email_explains_what_to_do(client):
    await make_account("ana@example.com")
    response = await sign_up(client, "ANA@example.com")
    assert response.status_code == 422
    assert EMAIL_TAKEN.replace("'", "&#39;") in response.text


async def test_sign_up_says_an_email_is_taken_only_ten_times_a_quarter_hour_per_address(client, clock):
    """Without email, sign-up must say an address is taken; the rate limit keeps that from
    being a way to list who has an account."""
    taken = [f"resident{n}@example.com" for n in range(12)]
    for email in taken:
        await make_account(email)
    for email in taken[:10]:
        answer = await sign_up(client, email)
        assert answer.status_code == 422 and EMAIL_TAKEN.replace("'", "&#39;") in answer.text
    blocked = await sign_up(client, taken[10])
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "900"
    assert TOO_MANY_ATTEMPTS.format(minutes="15 minutes") in blocked.text
    assert EMAIL_TAKEN.replace("'", "&#39;") not in blocked.text
    clock.advance(timedelta(minutes=15))
    assert EMAIL_TAKEN.replace("'", "&#39;") in (await sign_up(client, taken[11])).text


async def test_a_provider_signs_up_and_lands_on_a_dashboard_awaiting_verification(client):
    home = await neighbourhood("Benimaclet")
    page = await client.get("/signup/provider")
    assert "Benimaclet" in page.text
    response = await post_form(
        client,
        "/signup/provider",
        {
            "display_name": "Javier Soler",
            "email": "javier@example.com",
            "password": PASSWORD,
            "business_name": "Fontanería Benimaclet",
            "neighbourhood": str(home["id"]),
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    dashboard = await client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Fontanería Benimaclet" in dashboard.text
    assert "Waiting for verification" in dashboard.text
    provider = await Provider.select(Provider.slug, Provider.is_verified).first()
    assert provider == {"slug": "fontaneria-benimaclet", "is_verified": False}


async def test_a_tampered_neighbourhood_is_refused_with_a_message(client):
    await neighbourhood("Benimaclet")
    response = await post_form(
        client,
        "/signup/provider",
        {
            "display_name": "J",
            "email": "j@example.com",
            "password": PASSWORD,
            "business_name": "Casa",
            "neighbourhood": "99999",
        },
    )
    assert response.status_code == 422
    assert NEIGHBOURHOOD_REQUIRED in response.text
    assert 'value="Casa"' in response.text
    assert await Provider.count() == 0


async def test_login_returns_to_the_page_that_asked_for_it(client):
    await make_account("ana@example.com")
    response = await log_in(client, "ana@example.com", next_path="/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert (await client.get("/account")).status_code == 200


async def test_login_never_redirects_to_another_site(client):
    await make_account("ana@example.com")
    response = await log_in(client, "ana@example.com", next_path="//evil.example/phish")
    assert response.headers["location"] == "/"


async def test_login_failures_look_the_same_for_unknown_emails_and_wrong_passwords(client):
    await make_account("ana@example.com")
    unknown = await log_in(client, "nobody@example.com")
    wrong = await log_in(client, "ana@example.com", "not the password")
    assert unknown.status_code == wrong.status_code == 422
    message = LOGIN_FAILED.replace("'", "&#39;")
    assert message in unknown.text and message in wrong.text
    assert 'value="ana@example.com"' in wrong.text
    assert 'value="not the password"' not in wrong.text


async def test_an_empty_login_form_says_what_is_missing(client):
    response = await post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 422
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


async def test_logging_out_ends_the_session(client):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    response = await post_form(client, "/logout", {})
    assert response.status_code == 303
    home = await client.get("/")
    assert "You have logged out" in home.text
    assert (await client.get("/account")).headers["location"] == "/login?next=%2Faccount"


async def test_a_signed_in_visitor_to_the_login_page_goes_straight_on(client):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    response = await client.get("/login?next=/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/account"


async def test_changing_the_password_signs_out_other_devices(app, client):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    async with browser(app) as phone:
        await log_in(phone, "ana@example.com")
        assert (await phone.get("/account")).status_code == 200
        response = await post_form(
            client,
            "/account/password",
            {
                "current_password": PASSWORD,
                "new_password": "a new long sentence",
                "confirm_password": "a new long sentence",
            },
        )
        assert response.status_code == 303
        assert "Your password has been changed" in (await client.get("/account")).text
        assert (await phone.get("/account")).status_code == 303  # the other device must log in again
    await post_form(client, "/logout", {})
    assert (await log_in(client, "ana@example.com", PASSWORD)).status_code == 422
    assert (await log_in(client, "ana@example.com", "a new long sentence")).status_code == 303


async def test_password_change_errors_are_shown_beside_the_fields(client):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    response = await post_form(
        client,
        "/account/password",
        {
            "current_password": "wrong one!!",
            "new_password": "a new long sentence",
            "confirm_password": "different text",
        },
    )
    assert response.status_code == 422
    assert "The two new passwords don&#39;t match." in response.text
    response = await post_form(
        client,
        "/account/password",
        {
            "current_password": "wrong one!!",
            "new_password": "a new long sentence",
            "confirm_password": "a new long sentence",
        },
    )
    assert response.status_code == 422
    assert "That isn&#39;t your current password." in response.text
    assert await csrf_token(client)
