"""Helpers for tests that pay through localstripe with the real Stripe SDK."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from app.payments import services as payments
from app.payments.rules import PaymentStatus
from app.payments.tables import Payment

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"
CARD_3DS = "4000000000003220"


async def pay(config, resident_id: int, public_id: str, now, card: str = CARD_OK) -> payments.PaymentOutcome:
    """What the checkout page does: a payment method from the card, then the pay request."""
    method = await config.gateway.test_card(card)
    return await payments.payment_submit(
        config=config, resident_id=resident_id, public_id=public_id, payment_method=method, now=now
    )


# Where a server can die inside payment_submit, in order.
ATTEMPT_RECORDED = "the attempt recorded, Stripe never reached"
INTENT_CREATED = "the PaymentIntent created at Stripe, its id never recorded"
INTENT_RECORDED = "the PaymentIntent id recorded, never confirmed"
CHARGED = "charged at Stripe, the success never recorded"
CRASH_POINTS = (ATTEMPT_RECORDED, INTENT_CREATED, INTENT_RECORDED, CHARGED)


async def pay_then_crash(config, booking: dict, now, crash_at: str, card: str = CARD_OK) -> dict:
    """The state a crash at ``crash_at`` leaves behind: the same steps payment_submit takes (the
    same idempotency keys), stopping where the process dies. Returns the attempt as recorded."""
    method = await config.gateway.test_card(card)
    payment = await payments._start_attempt(config, booking, now, payment_method=method)
    if crash_at != ATTEMPT_RECORDED:
        intent = await payments._intent_create(config, payment)
        assert intent.status == "requires_confirmation"
        if crash_at != INTENT_CREATED:
            await Payment.update({Payment.stripe_payment_intent: intent.id}).where(
                Payment.id == payment["id"]
            )
        if crash_at == CHARGED:
            confirmed = await config.gateway.confirm_intent(intent.id, idempotency_key=f"crash-{intent.id}")
            assert confirmed.status == "succeeded"
    row = await Payment.select().where(Payment.id == payment["id"]).first()
    assert row["status"] == PaymentStatus.starting.value  # whatever Stripe has, we don't know yet
    return row


async def charge_then_crash(config, booking: dict, now, card: str = CARD_OK) -> str:
    """The attempt recorded and charged at Stripe, the success never written down (the process
    died between Stripe's answer and our record). Returns the PaymentIntent id."""
    return (await pay_then_crash(config, booking, now, CHARGED, card))["stripe_payment_intent"]


def authenticate(localstripe_url: str, intent_id: str, client_secret: str, *, success: bool = True) -> None:
    """The resident's answer in the bank's 3-D Secure window (what Stripe.js sends)."""
    httpx.post(
        f"{localstripe_url}/v1/payment_intents/{intent_id}/_authenticate",
        params={"success": "true" if success else "false"},
        json={"key": "pk_test_cityloop_localstripe", "client_secret": client_secret},
        timeout=5,
    ).raise_for_status()


def events_for(localstripe_url: str, secret_key: str, intent_id: str) -> list[dict]:
    """The events Stripe recorded about one PaymentIntent, as Stripe would send them."""
    events, params = [], {"limit": 100}
    while True:  # the emulator lives for the whole test session: page through all of its events
        listing = httpx.get(f"{localstripe_url}/v1/events", params=params, auth=(secret_key, ""), timeout=5)
        listing.raise_for_status()
        page = listing.json()
        events += [event for event in page["data"] if event["data"]["object"].get("id") == intent_id]
        if not page.get("has_more") or not page["data"]:
            return events
        params = {"limit": 100, "starting_after": page["data"][-1]["id"]}


def intents_for(localstripe_url: str, secret_key: str, booking_public_id: str) -> dict[str, str]:
    """Every PaymentIntent Stripe holds for one booking (id -> status), read from Stripe itself."""
    found, params = {}, {"limit": 100}
    while True:
        listing = httpx.get(
            f"{localstripe_url}/v1/payment_intents", params=params, auth=(secret_key, ""), timeout=5
        )
        listing.raise_for_status()
        page = listing.json()
        found |= {
            i["id"]: i["status"] for i in page["data"] if i["metadata"].get("booking") == booking_public_id
        }
        if not page.get("has_more") or not page["data"]:
            return found
        params = {"limit": 100, "starting_after": page["data"][-1]["id"]}


def signed(event: dict, secret: str, at: int | None = None) -> tuple[bytes, str]:
    """The body and Stripe-Signature header of a webhook delivery (Stripe's v1 scheme)."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={signature}"
