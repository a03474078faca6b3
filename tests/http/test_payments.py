"""Paying, the webhook, redeeming, earnings and payouts over HTTP, against localstripe."""

import asyncio
import csv
import io
import random
import re
from datetime import timedelta

import pytest

from app.accounts.identity import Role
from app.booking.codes import ALPHABET, grouped
from app.booking.tables import Booking
from app.payments.gateway import StripeGateway
from app.payments.rules import REQUEST_GRACE
from app.payments.services import PaymentConfig
from app.payments.tables import Payment, Refund, StripeEvent
from app.redemption.tables import RedemptionLog
from app.shared.errors import DomainError
from tests.conftest import TEST_NOW
from tests.factories import make_account, make_listed_provider
from tests.http.conftest import browser, log_in, post_form
from tests.http.test_booking import as_resident, first_time, provider_with_service
from tests.stripe_helpers import (
    ATTEMPT_RECORDED,
    CARD_3DS,
    CARD_DECLINED,
    CARD_OK,
    INTENT_CREATED,
    INTENT_RECORDED,
    authenticate,
    charge_then_crash,
    events_for,
    intents_for,
    pay_then_crash,
    signed,
)
from tests.stripe_helpers import pay as pay_with_services

HTMX = {"hx-request": "true", "hx-request-type": "partial"}


@pytest.fixture
def gateway(settings) -> StripeGateway:
    return StripeGateway(settings.stripe)


async def held(client) -> str:
    """A resident (Lucía) holding Monday 09:00 at Casa Neta; returns the booking page's address."""
    _, url = await provider_with_service()
    await as_resident(client)
    page = await client.get(url)
    return (await post_form(client, url, {"starts_at": first_time(page.text)})).headers["location"]


async def pay(client, gateway, booking_url: str, card: str = CARD_OK):
    """What the checkout page sends once Stripe.js has turned the card into a payment method."""
    method = await gateway.test_card(card)
    return await post_form(client, f"{booking_url}/pay", {"payment_method": method})


async def booking_of(booking_url: str) -> dict:
    return await Booking.select().where(Booking.public_id == booking_url.rsplit("/", 1)[1]).first()


async def test_a_held_booking_shows_the_checkout_with_the_price_breakdown(client):
    booking_url = await held(client)
    page = await client.get(booking_url)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "Pay to confirm" in text and "Pay €68" in text
    assert re.search(r"In-store price</dt><dd><s>€80</s>", text)
    assert re.search(r"You save</dt><dd>€12</dd>", text)
    assert "Free cancellation until 24 hours before the visit" in text
    assert re.search(r'data-setup-secret="seti_\w+_secret_\w+"', text)
    assert 'src="http://127.0.0.1:' in text and "/js.stripe.com/v3/" in text
    assert "Paying by card needs JavaScript" in text  # the <noscript> explanation


async def test_paying_confirms_and_shows_the_code_and_qr(client, gateway):
    booking_url = await held(client)
    response = await pay(client, gateway, booking_url)
    assert response.status_code == 303 and response.headers["location"] == booking_url
    page = await client.get(booking_url)
    booking = await booking_of(booking_url)
    assert booking["status"] == "confirmed"
    assert page.headers["cache-control"] == "no-store"
    assert "Paid. Your booking is confirmed" in page.text
    assert grouped(booking["redemption_code"]) in page.text
    assert (
        '<svg viewBox="0 0 ' in page.text
        and f"QR code for {grouped(booking['redemption_code'])}" in page.text
    )
    assert "Paid by card</dt><dd>€68" in page.text
    assert "Pay to confirm" not in page.text


async def test_a_declined_card_is_explained_on_the_checkout_and_the_hold_kept(client, gateway):
    booking_url = await held(client)
    response = await pay(client, gateway, booking_url, CARD_DECLINED)
    assert response.status_code == 402
    assert "Your card was declined." in response.text and "Pay to confirm" in response.text
    assert "This time is yours for" in response.text
    assert (await booking_of(booking_url))["status"] == "held"
    assert (await pay(client, gateway, booking_url)).status_code == 303
    assert (await booking_of(booking_url))["status"] == "confirmed"


async def test_three_d_secure_is_finished_on_the_page_then_checked_with_stripe(client, gateway, localstripe):
    booking_url = await held(client)
    assert (await pay(client, gateway, booking_url, CARD_3DS)).status_code == 303
    page = await client.get(booking_url)
    secret = re.search(r'data-payment-secret="(pi_\w+?)_secret_\w+"', page.text)
    assert secret and "Your bank wants to check it" in page.text
    authenticate(localstripe, secret.group(1), secret.group(0).split('"')[1])
    response = await post_form(client, f"{booking_url}/payment/check", {})
    assert response.status_code == 303
    assert (await booking_of(booking_url))["status"] == "confirmed"


async def test_pay_requests_without_a_card_or_for_others_are_refused_politely(app, client):
    booking_url = await held(client)
    for method in ("", "tok_visa", "pm_" + "x" * 200):
        response = await post_form(client, f"{booking_url}/pay", {"payment_method": method})
        assert response.status_code == 422 and "Paying by card needs JavaScript" in response.text
    async with browser(app) as other:
        await as_resident(other, "pablo@example.com")
        assert (await post_form(other, f"{booking_url}/pay", {"payment_method": "pm_123"})).status_code == 404
    assert await Payment.count() == 0


async def test_a_lapsed_hold_is_not_charged(client, gateway, clock):
    booking_url = await held(client)
    clock.advance(timedelta(minutes=11))
    response = await pay(client, gateway, booking_url)
    assert response.status_code == 409 and "hold on this time has ended" in response.text
    assert await Payment.count() == 0


@pytest.mark.parametrize("found_by", ["page", "poll"])
@pytest.mark.parametrize("crash_at", [ATTEMPT_RECORDED, INTENT_CREATED, INTENT_RECORDED])
async def test_after_a_crash_mid_payment_the_page_stops_waiting_and_paying_again_works(
    client, gateway, settings, localstripe, clock, crash_at, found_by
):
    booking_url = await held(client)
    await pay_then_crash(
        PaymentConfig.from_settings(settings), await booking_of(booking_url), TEST_NOW, crash_at
    )
    clock.advance(REQUEST_GRACE / 2)
    page = await client.get(booking_url)  # the request may still be running: wait for it
    assert "confirming your payment" in page.text and "data-setup-secret" not in page.text
    clock.advance(REQUEST_GRACE / 2)  # now it is certainly gone
    if found_by == "poll":
        poll = await client.get(f"{booking_url}/payment", headers=HTMX)
        assert poll.status_code == 200 and poll.headers.get("hx-refresh") == "true"  # no endless polling
    page = await client.get(booking_url)
    assert "your card was not charged. Please pay again." in page.text
    assert "confirming your payment" not in page.text and "data-setup-secret" in page.text
    response = await pay(client, gateway, booking_url)
    assert response.status_code == 303
    assert (await booking_of(booking_url))["status"] == "confirmed"
    intents = intents_for(localstripe, settings.stripe.secret_key, booking_url.rsplit("/", 1)[1])
    assert list(intents.values()).count("succeeded") == 1


async def test_a_second_pay_press_while_the_first_runs_is_told_to_wait(client, gateway, settings, clock):
    booking_url = await held(client)
    await pay_then_crash(
        PaymentConfig.from_settings(settings), await booking_of(booking_url), TEST_NOW, INTENT_RECORDED
    )
    clock.advance(REQUEST_GRACE / 2)
    response = await pay(client, gateway, booking_url)
    assert response.status_code == 409 and "already under way" in response.text


async def test_the_webhook_refuses_a_bad_signature_and_changes_nothing(client, settings):
    booking_url = await held(client)
    booking = await booking_of(booking_url)
    event = {"id": "evt_forged", "object": "event", "type": "payment_intent.succeeded",
             "data": {"object": {"id": "pi_forged", "object": "payment_intent"}}}  # fmt: skip
    payload, _ = signed(event, settings.stripe.webhook_secret)
    _, forged = signed(event, "whsec_someone_else")
    for headers in ({"stripe-signature": forged}, {}, {"stripe-signature": "t=1,v1=00"}):
        response = await client.post("/stripe/webhook", content=payload, headers=headers)
        assert response.status_code == 400
    assert await StripeEvent.count() == 0
    assert (await booking_of(booking_url))["status"] == booking["status"] == "held"


async def test_the_same_webhooks_ten_times_out_of_order_change_the_booking_once(
    client, settings, localstripe, gateway
):
    booking_url = await held(client)
    with pytest.raises(DomainError, match="declined"):
        await pay_directly(settings, booking_url, CARD_DECLINED)
    config = PaymentConfig.from_settings(settings)
    intent_id = await charge_then_crash(config, await booking_of(booking_url), TEST_NOW)
    failed = (await Payment.select().where(Payment.attempt == 1).first())["stripe_payment_intent"]
    events = events_for(localstripe, settings.stripe.secret_key, intent_id) + events_for(
        localstripe, settings.stripe.secret_key, failed
    )
    assert {e["type"] for e in events} == {"payment_intent.succeeded", "payment_intent.payment_failed"}
    deliveries = [signed(event, settings.stripe.webhook_secret) for event in events] * 10
    random.Random(4).shuffle(deliveries)
    responses = await asyncio.gather(
        *(
            client.post("/stripe/webhook", content=body, headers={"stripe-signature": sig})
            for body, sig in deliveries
        )
    )
    assert {r.status_code for r in responses} == {200}
    booking = await booking_of(booking_url)
    assert booking["status"] == "confirmed" and booking["confirmed_at"] == TEST_NOW
    assert await StripeEvent.count() == 2
    assert [p["status"] for p in await Payment.select().order_by(Payment.attempt)] == ["failed", "succeeded"]
    assert await Refund.count() == 0


async def pay_directly(settings, booking_url: str, card: str):
    booking = await booking_of(booking_url)
    return await pay_with_services(
        PaymentConfig.from_settings(settings), booking["resident"], booking["public_id"], TEST_NOW, card
    )


# --- redeeming -----------------------------------------------------------------------------------


async def paid_booking(app, gateway) -> dict:
    async with browser(app) as resident:
        booking_url = await held(resident)
        await pay(resident, gateway, booking_url)
    return await booking_of(booking_url)


async def test_a_provider_checks_then_redeems_a_code_and_can_undo_it(app, client, gateway, clock):
    booking = await paid_booking(app, gateway)
    clock.set(booking["starts_at"] - timedelta(minutes=10))
    await log_in(client, "owner@example.com")
    page = await client.get("/dashboard/redeem")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    typed = grouped(booking["redemption_code"]).lower().replace("-", " ")
    found = await post_form(client, "/dashboard/redeem", {"code": typed})
    assert found.status_code == 200
    assert (
        "Is this the visit?" in found.text
        and "Lucía Navarro" in found.text
        and "Unblock a drain" in found.text
    )
    assert (await booking_of(f"/x/{booking['public_id']}"))[
        "status"
    ] == "confirmed"  # looking changes nothing
    done = await post_form(client, "/dashboard/redeem/confirm", {"code": booking["redemption_code"]})
    assert (
        done.status_code == 303 and done.headers["location"] == f"/dashboard/bookings/{booking['public_id']}"
    )
    page = await client.get(done.headers["location"])
    assert (
        "Redeemed: Unblock a drain for Lucía Navarro" in page.text and "Undo: this was a mistake" in page.text
    )
    assert "Your earning</dt><dd>€61.20 · released" in page.text  # 68 less 10 % commission
    again = await post_form(client, "/dashboard/redeem/confirm", {"code": booking["redemption_code"]})
    assert again.status_code == 409 and "already redeemed on" in again.text
    undo = await post_form(client, f"/dashboard/bookings/{booking['public_id']}/undo-redeem", {})
    assert undo.status_code == 303
    assert (await booking_of(f"/x/{booking['public_id']}"))["status"] == "confirmed"
    assert [r["action"] for r in await RedemptionLog.select().order_by(RedemptionLog.id)] == [
        "redeem",
        "undo",
    ]


async def test_wrong_codes_get_specific_messages_and_keep_what_was_typed(app, client, gateway, clock):
    booking = await paid_booking(app, gateway)
    clock.set(booking["starts_at"] - timedelta(minutes=10))
    await log_in(client, "owner@example.com")
    cases = [
        ("K7QX-3M0P", 422, "isn&#39;t a booking code"),
        ("", 422, "Type the customer&#39;s code."),
        ("Z" * 8, 404, "No booking has this code"),
        ("x" * 400, 422, "isn&#39;t a booking code"),
    ]
    for typed, status, message in cases:
        response = await post_form(client, "/dashboard/redeem", {"code": typed})
        assert (response.status_code, message in response.text) == (status, True), typed
        if typed and len(typed) < 300:
            assert f'value="{typed}"' in response.text
    await make_account("rival@example.com", "Rival")
    async with browser(app) as rival:
        await make_listed_provider("Rival Fontaneros", owner_email="rival-owner@example.com")
        await log_in(rival, "rival-owner@example.com")
        await rival.get("/dashboard/redeem")  # the welcome message shows there, once
        # Another business's code reads as unknown: the same page as for a code nobody has.
        for url in ("/dashboard/redeem", "/dashboard/redeem/confirm"):
            answers = set()
            for code in (booking["redemption_code"], "ZZZZZZZZ"):
                response = await post_form(rival, url, {"code": code})
                answers.add((response.status_code, response.text.replace(f'value="{code}"', "")))
            ((status, text),) = answers
            assert status == 404 and "No booking has this code" in text
    async with browser(app) as resident:
        await log_in(resident, "lucia@example.com")
        assert (await post_form(resident, "/dashboard/redeem", {"code": "ZZZZZZZZ"})).status_code == 403
    assert (await booking_of(f"/x/{booking['public_id']}"))["status"] == "confirmed"


async def test_guessing_is_stopped_with_a_wait(app, client, gateway, clock):
    booking = await paid_booking(app, gateway)
    clock.set(booking["starts_at"] - timedelta(minutes=10))
    await log_in(client, "owner@example.com")
    for n in range(10):
        guess = await post_form(client, "/dashboard/redeem", {"code": f"ABCDEFG{ALPHABET[n]}"})
        assert guess.status_code == 404
    blocked = await post_form(client, "/dashboard/redeem", {"code": booking["redemption_code"]})
    assert (
        blocked.status_code == 429
        and "Too many attempts" in blocked.text
        and int(blocked.headers["retry-after"]) > 0
    )


async def test_a_scanned_qr_opens_the_redeem_page_with_the_code_filled_in(client, app, gateway):
    booking = await paid_booking(app, gateway)
    await log_in(client, "owner@example.com")
    page = await client.get("/dashboard/redeem", params={"code": grouped(booking["redemption_code"])})
    assert f'value="{grouped(booking["redemption_code"])}"' in page.text


# --- earnings and payouts ------------------------------------------------------------------------


async def test_earnings_show_pending_then_released_money(app, client, gateway, clock):
    booking = await paid_booking(app, gateway)
    await log_in(client, "owner@example.com")
    page = await client.get("/dashboard/earnings")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert re.search(r"Waiting for redemption</h2>\s*<p class=\"figure\">€61.20</p>", page.text)
    assert "Nothing released yet" in page.text
    clock.set(booking["starts_at"])
    await post_form(client, "/dashboard/redeem/confirm", {"code": booking["redemption_code"]})
    page = await client.get("/dashboard/earnings")
    assert re.search(r"Released this month</h2>\s*<p class=\"figure\">€61.20</p>", page.text)
    assert '<th scope="row">November 2026</th><td>1</td>' in page.text


async def test_admins_see_payouts_and_export_them_as_csv(app, client, gateway, clock):
    booking = await paid_booking(app, gateway)
    clock.set(booking["starts_at"])
    async with browser(app) as owner:
        await log_in(owner, "owner@example.com")
        await post_form(owner, "/dashboard/redeem/confirm", {"code": booking["redemption_code"]})
    await make_account(
        "admin@example.com", "Admin", role=__import__("app.accounts.identity", fromlist=["Role"]).Role.admin
    )
    await log_in(client, "admin@example.com")
    page = await client.get("/admin/payouts", params={"month": "2026-11"})
    assert (
        page.status_code == 200
        and "Casa Neta" in page.text
        and "€61.20" in page.text
        and "€6.80" in page.text
    )
    summary = await client.get("/admin/payouts.csv", params={"month": "2026-11"})
    assert summary.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(summary.text)))
    assert rows[1] == ["Casa Neta", "casa-neta", "1", "68.00", "0.00", "6.80", "61.20", "EUR"]
    detail = await client.get("/admin/payouts/casa-neta.csv", params={"month": "2026-11"})
    lines = list(csv.reader(io.StringIO(detail.text)))
    assert lines[1][0] == booking["public_id"] and lines[1][5:] == [
        "Done",
        "68.00",
        "0.00",
        "6.80",
        "61.20",
        "EUR",
    ]
    empty = await client.get("/admin/payouts", params={"month": "2026-10"})
    assert "No earnings were released in October 2026" in empty.text
    odd = await client.get("/admin/payouts", params={"month": "13-2026"})
    assert odd.status_code == 200 and "Payouts for November 2026" in odd.text
    assert (await client.get("/admin/payouts/nobody.csv")).status_code == 404


async def test_admins_refund_in_part_and_too_much_is_refused_on_the_page(app, client, gateway):
    booking = await paid_booking(app, gateway)
    await make_account("admin@example.com", "Admin", role=Role.admin)
    await log_in(client, "admin@example.com")
    found = await client.get("/admin/bookings", params={"q": grouped(booking["redemption_code"])})
    assert f"/admin/bookings/{booking['public_id']}" in found.text
    url = f"/admin/bookings/{booking['public_id']}"
    assert "Provider&#39;s earning</dt><dd>€61.20 · released when" in (await client.get(url)).text
    too_much = await post_form(client, f"{url}/refunds", {"amount": "70", "reason": "Broken tap"})
    assert too_much.status_code == 422 and "at most €68 can be refunded" in too_much.text
    assert 'value="70"' in too_much.text and "Broken tap" in too_much.text
    unreadable = await post_form(client, f"{url}/refunds", {"amount": "lots", "reason": "x"})
    assert unreadable.status_code == 422 and "Enter an amount like 45 or 45.50." in unreadable.text
    done = await post_form(client, f"{url}/refunds", {"amount": "20,50", "reason": "Arrived late"})
    assert done.status_code == 303
    (refund,) = await Refund.select()
    assert (refund["amount_cents"], refund["status"], refund["requested_by"]) == (2050, "succeeded", "admin")
    async with browser(app) as resident:
        await log_in(resident, "lucia@example.com")
        page = await resident.get(f"/bookings/{booking['public_id']}")
        assert "€20.50 on" in page.text and "Arrived late" in page.text
        assert (await resident.get(url)).status_code == 403


async def test_resident_cancellation_refunds_the_policy_share(app, client, gateway, clock):
    booking = await paid_booking(app, gateway)
    await log_in(client, "lucia@example.com")
    clock.set(booking["starts_at"] - timedelta(hours=3))
    page = await client.get(f"/bookings/{booking['public_id']}/cancel")
    assert "you get 50% back (€34)" in page.text
    await post_form(client, f"/bookings/{booking['public_id']}/cancel", {})
    (refund,) = await Refund.select()
    assert (refund["amount_cents"], refund["status"]) == (3400, "succeeded")
    page = await client.get(f"/bookings/{booking['public_id']}")
    assert "Refund · Refunded</dt><dd>€34" in page.text
