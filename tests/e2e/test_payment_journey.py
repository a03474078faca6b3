"""The O2O loop in chromium: hold, pay with Stripe.js (localstripe), show the code, the provider
redeems it, the earning is released. Also a declined card, and 3-D Secure."""

import re
import sqlite3
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.test_booking_journey import log_in

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"
CARD_3DS = "4000000000003220"


def hold_a_time(page, base: str, service: str = "Unblock a drain", nth_day: int = 2) -> None:
    page.goto(f"{base}/providers/fontaneria-russafa")
    page.get_by_role("link", name=re.compile(f"^Book {service}")).click()
    page.locator(".day-option:not(.day-none)").nth(nth_day).click()
    page.locator(".time-option").first.click()
    page.get_by_label("Address of the visit").fill("Carrer de Sueca, 12, 3º")
    page.get_by_label("Neighbourhood").select_option(index=1)
    page.get_by_role("button", name="Hold this time").click()
    expect(page.get_by_text("This time is yours for")).to_be_visible()


def visit_start(live_server, booking_url: str) -> datetime:
    public_id = booking_url.rsplit("/", 1)[1]
    with sqlite3.connect(live_server.database_path) as db:
        (starts_at,) = db.execute(
            "SELECT starts_at FROM booking WHERE public_id = ?", (public_id,)
        ).fetchone()
    return datetime.fromisoformat(starts_at)


def type_card(page, number: str) -> None:
    """Stripe.js' card field (localstripe's stand-in has one input per part)."""
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("46004")


def test_pay_show_the_code_and_the_provider_redeems_it(live_server, phone, chromium):
    base = live_server.url
    log_in(phone, base, "resident@example.com")
    hold_a_time(phone, base)
    expect(phone.get_by_text("Total to pay now")).to_be_visible()
    type_card(phone, CARD_OK)
    phone.get_by_role("button", name=re.compile(r"^Pay €")).click()
    expect(phone.get_by_text("Paid. Your booking is confirmed")).to_be_visible()
    code = phone.locator(".redemption-code").text_content().removeprefix("Code: ").strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code), code
    expect(phone.locator(".qr svg")).to_be_visible()
    booking_url = phone.url

    desk = chromium.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    owner = desk.new_page()
    log_in(owner, base, "provider@example.com", "/dashboard/redeem")
    owner.get_by_label("Booking code").fill(code)
    owner.get_by_role("button", name="Check the code").click()
    expect(owner.get_by_text("Codes can be redeemed from the day of the visit")).to_be_visible()

    # On the day of the visit, on the provider's phone:
    with live_server.at(visit_start(live_server, booking_url) - timedelta(minutes=5)) as visit_day:
        owner.goto(f"{visit_day}/dashboard/redeem")  # still signed in: cookies don't depend on the port
        owner.get_by_label("Booking code").fill(code.lower().replace("-", " "))
        owner.get_by_role("button", name="Check the code").click()
        expect(owner.get_by_role("heading", name="Is this the visit?")).to_be_visible()
        owner.get_by_role("button", name="Yes, redeem it").click()
        expect(owner.get_by_text("The payment is released to you")).to_be_visible()
        expect(owner.get_by_text(re.compile(r"Your earning.*released$"))).to_be_visible()
        owner.goto(f"{visit_day}/dashboard/earnings")
        expect(owner.get_by_role("heading", name="Recently released")).to_be_visible()
    desk.close()

    phone.goto(booking_url)
    expect(phone.get_by_text(re.compile(r"^Done: Fontanería Russafa confirmed the visit"))).to_be_visible()
    expect(phone.locator(".qr")).to_have_count(0)


def test_a_declined_card_then_a_good_one(live_server, phone):
    base = live_server.url
    log_in(phone, base, "resident@example.com")
    hold_a_time(phone, base, nth_day=3)
    type_card(phone, CARD_DECLINED)
    phone.get_by_role("button", name=re.compile(r"^Pay €")).click()
    expect(phone.get_by_role("alert").filter(has_text="Your card was declined.")).to_be_visible()
    expect(phone.get_by_text("This time is yours for")).to_be_visible()
    type_card(phone, CARD_OK)
    phone.get_by_role("button", name=re.compile(r"^Pay €")).click()
    expect(phone.get_by_text("Paid. Your booking is confirmed")).to_be_visible()


def test_three_d_secure_asks_the_bank_then_confirms(live_server, phone):
    base = live_server.url
    log_in(phone, base, "resident@example.com")
    hold_a_time(phone, base, nth_day=4)
    type_card(phone, CARD_3DS)
    phone.get_by_role("button", name=re.compile(r"^Pay €")).click()
    # the bank's window when the card is set up, and again for the payment itself
    phone.get_by_role("button", name="Complete authentication").click()
    expect(phone.get_by_text("Your bank wants to check it's you")).to_be_visible()
    phone.get_by_role("button", name="Complete authentication").click()
    expect(phone.get_by_text("Paid. Your booking is confirmed")).to_be_visible()
    expect(phone.locator(".redemption-code")).to_be_visible()
