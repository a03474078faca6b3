"""Paying, settling, refunds and reconciliation on both engines, against localstripe."""

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from app import database
from app.accounts.identity import Role
from app.booking import services as booking_services
from app.booking.policy import STANDARD_POLICY
from app.booking.state import Status
from app.booking.tables import Booking, Slot
from app.catalog.tables import Provider
from app.payments import services as payments
from app.payments.rules import REQUEST_GRACE, PaymentStatus
from app.payments.tables import Payment, Refund
from app.shared.errors import ConflictError, DomainError
from tests.conftest import TEST_NOW
from tests.factories import make_account
from tests.integration.test_booking import booked, hold, residents, setup_provider
from tests.stripe_helpers import (
    ATTEMPT_RECORDED,
    CARD_3DS,
    CARD_DECLINED,
    CHARGED,
    CRASH_POINTS,
    INTENT_CREATED,
    INTENT_RECORDED,
    authenticate,
    charge_then_crash,
    intents_for,
    pay,
    pay_then_crash,
)


async def booking_row(public_id: str) -> dict:
    return await Booking.select().where(Booking.public_id == public_id).first()


async def payment_rows(public_id: str) -> list[dict]:
    booking = await booking_row(public_id)
    return await Payment.select().where(Payment.booking == booking["id"]).order_by(Payment.attempt)


async def refund_rows(public_id: str) -> list[dict]:
    booking = await booking_row(public_id)
    return await Refund.select().where(Refund.booking == booking["id"]).order_by(Refund.id)


async def held_booking(capacity: int = 1, count: int = 1):
    provider, slot, service = await setup_provider(capacity)
    people = await residents(count)
    return provider, slot, service, people


async def test_paying_confirms_the_booking_and_issues_a_code(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    outcome = await pay(config, resident, public_id, TEST_NOW)
    assert (outcome.status, outcome.booking_status.value) == (PaymentStatus.succeeded, "confirmed")
    booking = await booking_row(public_id)
    assert booking["status"] == "confirmed" and booking["confirmed_at"] == TEST_NOW
    assert len(booking["redemption_code"]) == 8 and booking["commission_basis_points"] == 1000
    (payment,) = await payment_rows(public_id)
    assert (payment["status"], payment["amount_cents"], payment["attempt"]) == ("succeeded", 6800, 1)
    intent = await config.gateway.fetch_intent(payment["stripe_payment_intent"])
    assert (intent.status, intent.amount, intent.booking_public_id) == ("succeeded", 6800, public_id)
    with pytest.raises(ConflictError, match="already paid"):
        await pay(config, resident, public_id, TEST_NOW)
    assert len(await payment_rows(public_id)) == 1


async def test_a_declined_card_can_be_followed_by_a_good_one(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    with pytest.raises(DomainError, match="Your card was declined"):
        await pay(config, resident, public_id, TEST_NOW, card=CARD_DECLINED)
    assert (await booking_row(public_id))["status"] == "held"
    await pay(config, resident, public_id, TEST_NOW + timedelta(minutes=1))
    first, second = await payment_rows(public_id)
    assert (first["status"], first["failure_message"]) == ("failed", "Your card was declined.")
    assert (
        second["status"] == "succeeded" and first["stripe_payment_intent"] != second["stripe_payment_intent"]
    )
    assert (await booking_row(public_id))["status"] == "confirmed"


async def test_three_d_secure_waits_for_the_bank_then_confirms(database_url, config, localstripe):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    outcome = await pay(config, resident, public_id, TEST_NOW, card=CARD_3DS)
    assert outcome.status is PaymentStatus.requires_action and outcome.client_secret
    assert (await booking_row(public_id))["status"] == "held"
    (payment,) = await payment_rows(public_id)
    authenticate(localstripe, payment["stripe_payment_intent"], outcome.client_secret)
    booking = await booking_row(public_id)
    refreshed = await payments.payment_refresh(config=config, booking_id=booking["id"], now=TEST_NOW)
    assert refreshed.status is PaymentStatus.succeeded
    assert (await booking_row(public_id))["status"] == "confirmed"


async def test_failed_authentication_lets_the_resident_try_again(database_url, config, localstripe):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    outcome = await pay(config, resident, public_id, TEST_NOW, card=CARD_3DS)
    (payment,) = await payment_rows(public_id)
    authenticate(localstripe, payment["stripe_payment_intent"], outcome.client_secret, success=False)
    booking = await booking_row(public_id)
    refreshed = await payments.payment_refresh(config=config, booking_id=booking["id"], now=TEST_NOW)
    assert refreshed.status is PaymentStatus.failed and "failed authentication" in refreshed.message
    await pay(config, resident, public_id, TEST_NOW)
    assert (await booking_row(public_id))["status"] == "confirmed"


async def test_an_abandoned_authentication_is_cancelled_when_the_resident_pays_again(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    await pay(config, resident, public_id, TEST_NOW, card=CARD_3DS)
    await pay(config, resident, public_id, TEST_NOW)
    first, second = await payment_rows(public_id)
    assert (first["status"], second["status"]) == ("failed", "succeeded")
    assert (await config.gateway.fetch_intent(first["stripe_payment_intent"])).status == "canceled"


async def test_double_clicking_pay_charges_once(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    results = await asyncio.gather(
        *(pay(config, resident, public_id, TEST_NOW) for _ in range(5)), return_exceptions=True
    )
    succeeded = [r for r in results if isinstance(r, payments.PaymentOutcome)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(succeeded) == 1 and len(refused) == 4, results
    assert {r.message for r in refused} <= {payments.PAYMENT_UNDER_WAY, payments.ALREADY_PAID}
    (payment,) = await payment_rows(public_id)
    assert payment["status"] == "succeeded"


async def test_an_expired_hold_is_not_charged(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    with pytest.raises(ConflictError, match="hold on this time has ended"):
        await pay(config, resident, public_id, TEST_NOW + timedelta(minutes=11))
    assert await payment_rows(public_id) == []


async def test_settling_the_same_payment_again_and_again_changes_it_once(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    intent_id = await charge_then_crash(config, await booking_row(public_id), TEST_NOW)
    intent = await config.gateway.fetch_intent(intent_id)
    outcomes = await asyncio.gather(
        *(payments.payment_settle(intent=intent, config=config, now=TEST_NOW) for _ in range(10))
    )
    assert {o.status for o in outcomes} == {PaymentStatus.succeeded}
    booking = await booking_row(public_id)
    assert booking["status"] == "confirmed" and booking["redemption_code"]
    code = booking["redemption_code"]
    await payments.payment_settle(intent=intent, config=config, now=TEST_NOW + timedelta(hours=1))
    booking = await booking_row(public_id)
    assert (booking["redemption_code"], booking["confirmed_at"]) == (code, TEST_NOW)
    assert await refund_rows(public_id) == []


async def test_reconciliation_confirms_a_payment_the_server_died_before_recording(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    await charge_then_crash(config, await booking_row(public_id), TEST_NOW)
    too_soon = await payments.payments_reconcile(config=config, now=TEST_NOW)
    assert too_soon.payments_checked == 0  # fresh payments belong to the request handling them
    later = TEST_NOW + timedelta(minutes=2)
    report = await payments.payments_reconcile(config=config, now=later)
    assert (report.payments_checked, report.payments_changed) == (1, 1)
    assert (await booking_row(public_id))["status"] == "confirmed"
    again = await payments.payments_reconcile(config=config, now=later + timedelta(minutes=5))
    assert again == payments.ReconcileReport()


async def test_reconciliation_ends_attempts_that_never_reached_stripe(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    await pay_then_crash(config, await booking_row(public_id), TEST_NOW, ATTEMPT_RECORDED)
    report = await payments.payments_reconcile(config=config, now=TEST_NOW + timedelta(minutes=11))
    assert report.payments_changed == 1
    (payment,) = await payment_rows(public_id)
    assert payment["status"] == "failed"
    # the hold is still running, so the resident can pay now
    assert (await booking_row(public_id))["status"] == "held"


async def test_a_late_payment_confirms_when_the_seat_is_still_free(database_url, config, localstripe):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    outcome = await pay(config, resident, public_id, TEST_NOW, card=CARD_3DS)
    later = TEST_NOW + timedelta(minutes=15)
    await booking_services.bookings_expire_lapsed(now=later)
    assert (await booking_row(public_id))["status"] == "expired" and await booked(slot["id"]) == 0
    (payment,) = await payment_rows(public_id)
    authenticate(localstripe, payment["stripe_payment_intent"], outcome.client_secret)
    await payments.payment_refresh(config=config, booking_id=(await booking_row(public_id))["id"], now=later)
    assert (await booking_row(public_id))["status"] == "confirmed" and await booked(slot["id"]) == 1
    assert await refund_rows(public_id) == []


async def test_a_late_payment_to_a_business_suspended_meanwhile_is_refunded_in_full(
    database_url, config, localstripe
):
    provider, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    outcome = await pay(config, resident, public_id, TEST_NOW, card=CARD_3DS)
    later = TEST_NOW + timedelta(minutes=15)
    await Provider.update({Provider.is_suspended: True}).where(Provider.id == provider)
    await booking_services.bookings_release_holds(provider_id=provider, now=later)
    (payment,) = await payment_rows(public_id)
    authenticate(localstripe, payment["stripe_payment_intent"], outcome.client_secret)
    await payments.payment_refresh(config=config, booking_id=(await booking_row(public_id))["id"], now=later)
    assert (await booking_row(public_id))["status"] == "expired" and await booked(slot["id"]) == 0
    (refund,) = await refund_rows(public_id)
    assert (refund["amount_cents"], refund["status"], refund["reason"]) == (
        payment["amount_cents"],
        "succeeded",
        payments.LATE_AND_SUSPENDED,
    )


async def test_a_late_payment_for_a_time_someone_else_took_is_refunded_in_full(
    database_url, config, localstripe
):
    _, slot, service, (late, punctual) = await held_booking(count=2)
    slow = await hold(late, service, slot)
    outcome = await pay(config, late, slow, TEST_NOW, card=CARD_3DS)
    later = TEST_NOW + timedelta(minutes=15)
    await booking_services.bookings_expire_lapsed(now=later)
    quick = await hold(punctual, service, slot, now=later)
    await pay(config, punctual, quick, later)
    (payment,) = await payment_rows(slow)
    authenticate(localstripe, payment["stripe_payment_intent"], outcome.client_secret)
    await payments.payment_refresh(config=config, booking_id=(await booking_row(slow))["id"], now=later)
    assert (await booking_row(slow))["status"] == "expired"
    assert (await booking_row(quick))["status"] == "confirmed" and await booked(slot["id"]) == 1
    (refund,) = await refund_rows(slow)
    assert (refund["status"], refund["amount_cents"], refund["requested_by"]) == ("succeeded", 6800, "system")
    assert refund["reason"] == payments.LATE_AND_TAKEN
    at_stripe = await config.gateway.find_refund(
        intent_id=payment["stripe_payment_intent"], refund_id=refund["id"]
    )
    assert (at_stripe.id, at_stripe.amount) == (refund["stripe_refund"], 6800)


async def test_resident_cancellation_refunds_what_the_policy_gives(database_url, config):
    provider, _, service, (early, late) = await held_booking(capacity=2, count=2)
    slot = await Slot.select().where(Slot.provider == provider).order_by(Slot.starts_at).offset(10).first()
    first, second = await hold(early, service, slot), await hold(late, service, slot)
    await pay(config, early, first, TEST_NOW)
    await pay(config, late, second, TEST_NOW)
    await payments.booking_cancel_paid_by_resident(
        config=config,
        resident_id=early,
        public_id=first,
        now=slot["starts_at"] - timedelta(days=2),
        policy=STANDARD_POLICY,
    )
    await payments.booking_cancel_paid_by_resident(
        config=config,
        resident_id=late,
        public_id=second,
        now=slot["starts_at"] - timedelta(hours=2),
        policy=STANDARD_POLICY,
    )
    (full,) = await refund_rows(first)
    (half,) = await refund_rows(second)
    assert (full["amount_cents"], full["status"], full["requested_by"]) == (6800, "succeeded", "resident")
    assert (half["amount_cents"], half["status"]) == (3400, "succeeded")
    assert "50% refunded" in half["reason"]


async def test_provider_cancellation_and_closed_days_refund_in_full(database_url, config):
    provider, slot, service, (one, two) = await held_booking(capacity=2, count=2)
    first, second = await hold(one, service, slot), await hold(two, service, slot)
    await pay(config, one, first, TEST_NOW)
    await pay(config, two, second, TEST_NOW)
    await payments.booking_cancel_paid_by_provider(
        config=config, provider_id=provider, public_id=first, reason="Van broke down", now=TEST_NOW
    )
    day_start = slot["starts_at"].replace(hour=0, minute=0) - timedelta(hours=1)
    cancelled = await payments.day_close_with_refunds(
        config=config,
        now=TEST_NOW,
        provider_id=provider,
        day_start=day_start,
        day_end=day_start + timedelta(days=1),
        closed=True,
        bookings="cancel",
    )
    assert cancelled == 1
    for public_id in (first, second):
        (refund,) = await refund_rows(public_id)
        assert (refund["amount_cents"], refund["status"], refund["requested_by"]) == (
            6800,
            "succeeded",
            "provider",
        )


async def test_refunds_never_exceed_what_was_paid(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    await pay(config, resident, public_id, TEST_NOW)
    booking = await booking_row(public_id)
    admin = (await make_account("admin@example.com", "Admin", role=Role.admin)).id

    async def refund(cents: int):
        return await payments.refund_by_admin(
            config=config,
            booking_id=booking["id"],
            amount_cents=cents,
            reason="Goodwill",
            admin_id=admin,
            now=TEST_NOW,
        )

    with pytest.raises(DomainError, match="more than is left to refund: at most €68"):
        await refund(6801)
    with pytest.raises(DomainError, match="above zero"):
        await refund(0)
    await refund(4000)
    results = await asyncio.gather(refund(2000), refund(2000), return_exceptions=True)
    assert sum(r is None for r in results) == 1
    assert [str(r) for r in results if r is not None] == [
        "That is more than is left to refund: at most €8 can be refunded."
    ]
    rows = await refund_rows(public_id)
    assert [r["amount_cents"] for r in rows] == [4000, 2000] and {r["status"] for r in rows} == {"succeeded"}
    assert sum(r["amount_cents"] for r in rows) <= 6800


async def test_a_refund_stripe_could_not_be_reached_for_is_sent_by_the_reconciler(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    await pay(config, resident, public_id, TEST_NOW)
    booking = await booking_row(public_id)
    offline = dataclasses.replace(
        config,
        gateway=type(config.gateway)(
            dataclasses.replace(config.gateway.settings, api_base="http://127.0.0.1:9")
        ),
    )
    await payments.refund_by_admin(
        config=offline,
        booking_id=booking["id"],
        amount_cents=1000,
        reason="Late",
        admin_id=resident,
        now=TEST_NOW,
    )
    (refund,) = await refund_rows(public_id)
    assert refund["status"] == "pending"  # recorded, counted against the guard, not yet at Stripe
    report = await payments.payments_reconcile(config=config, now=TEST_NOW + timedelta(minutes=2))
    assert (report.refunds_checked, report.refunds_changed) == (1, 1)
    (refund,) = await refund_rows(public_id)
    assert refund["status"] == "succeeded" and refund["stripe_refund"].startswith("re_")
    assert await payments.payments_reconcile(config=config, now=TEST_NOW + timedelta(minutes=3)) == (
        payments.ReconcileReport()
    )


# --- payments a crash stranded ----------------------------------------------------------------

# Crashes that took no money: the attempt must be given up, and paying again must work.
UNCHARGED = [ATTEMPT_RECORDED, INTENT_CREATED, INTENT_RECORDED]
AFTER_GRACE = TEST_NOW + REQUEST_GRACE  # the crashed request is certainly gone
UNFINISHED = [s.value for s in PaymentStatus if s.in_flight]


def at_stripe(config, localstripe: str, public_id: str) -> dict[str, str]:
    return intents_for(localstripe, config.gateway.settings.secret_key, public_id)


@pytest.mark.parametrize("crash_at", UNCHARGED)
async def test_paying_again_after_a_crash_gives_up_the_stranded_attempt_and_charges_once(
    database_url, config, localstripe, crash_at
):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    await pay_then_crash(config, await booking_row(public_id), TEST_NOW, crash_at)
    with pytest.raises(ConflictError, match="already under way"):  # its request may still be running
        await pay(config, resident, public_id, TEST_NOW + timedelta(seconds=5))
    outcome = await pay(config, resident, public_id, AFTER_GRACE)
    assert (outcome.status, outcome.booking_status) == (PaymentStatus.succeeded, Status.confirmed)
    first, second = await payment_rows(public_id)
    assert (first["status"], first["failure_message"]) == ("failed", payments.PAYMENT_INTERRUPTED)
    assert second["status"] == "succeeded"
    intents = at_stripe(config, localstripe, public_id)
    # The stranded intent, found by replaying its create, is cancelled. (localstripe ignores
    # idempotency keys, so there the replay makes a new intent and an uncharged one stays behind.)
    assert intents[first["stripe_payment_intent"]] == "canceled"
    assert [i for i, status in intents.items() if status == "succeeded"] == [second["stripe_payment_intent"]]


async def test_paying_again_after_a_crash_that_charged_confirms_with_that_charge(
    database_url, config, localstripe
):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    intent_id = await charge_then_crash(config, await booking_row(public_id), TEST_NOW)
    with pytest.raises(ConflictError, match="already paid"):
        await pay(config, resident, public_id, AFTER_GRACE)
    (payment,) = await payment_rows(public_id)
    assert payment["status"] == "succeeded" and (await booking_row(public_id))["status"] == "confirmed"
    assert at_stripe(config, localstripe, public_id) == {intent_id: "succeeded"}


@pytest.mark.parametrize("crash_at", UNCHARGED)
async def test_the_page_waits_for_a_live_request_then_gives_up_a_stranded_attempt(
    database_url, config, crash_at
):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    await pay_then_crash(config, await booking_row(public_id), TEST_NOW, crash_at)
    booking_id = (await booking_row(public_id))["id"]
    soon = await payments.payment_refresh(
        config=config, booking_id=booking_id, now=TEST_NOW + timedelta(seconds=5)
    )
    assert soon.status is PaymentStatus.starting  # the request may still be creating it
    outcome = await payments.payment_refresh(config=config, booking_id=booking_id, now=AFTER_GRACE)
    assert (outcome.status, outcome.booking_status) == (PaymentStatus.failed, Status.held)
    assert outcome.message == payments.PAYMENT_INTERRUPTED
    assert await payments.payment_refresh(config=config, booking_id=booking_id, now=AFTER_GRACE) is None


async def test_one_reconciliation_finishes_every_stranded_payment(database_url, config, localstripe):
    _, slot, service, people = await held_booking(capacity=5, count=5)
    earlier = TEST_NOW - timedelta(minutes=40)
    unanswered = await hold(people[-1], service, slot, now=earlier)
    await pay(config, people[-1], unanswered, earlier, card=CARD_3DS)  # the bank's check, never answered
    crashed = {}
    for resident, crash_at in zip(people, CRASH_POINTS, strict=False):
        crashed[crash_at] = await hold(resident, service, slot)
        await pay_then_crash(config, await booking_row(crashed[crash_at]), TEST_NOW, crash_at)
    later = TEST_NOW + timedelta(minutes=2)
    report = await payments.payments_reconcile(config=config, now=later)
    assert (report.payments_checked, report.payments_changed) == (5, 5)
    assert await Payment.count().where(Payment.status.is_in(UNFINISHED)) == 0
    for crash_at, public_id in crashed.items():
        (payment,) = await payment_rows(public_id)
        intents = at_stripe(config, localstripe, public_id)
        charged = crash_at == CHARGED
        assert payment["status"] == ("succeeded" if charged else "failed"), crash_at
        assert intents[payment["stripe_payment_intent"]] == ("succeeded" if charged else "canceled"), crash_at
        assert list(intents.values()).count("succeeded") == charged, crash_at
        assert (await booking_row(public_id))["status"] == ("confirmed" if charged else "held"), crash_at
    (given_up,) = await payment_rows(unanswered)
    assert (given_up["status"], given_up["failure_message"]) == ("failed", payments.PAYMENT_INTERRUPTED)
    assert at_stripe(config, localstripe, unanswered) == {given_up["stripe_payment_intent"]: "canceled"}
    again = await payments.payments_reconcile(config=config, now=later + timedelta(minutes=5))
    assert again == payments.ReconcileReport()


async def test_the_reconciler_leaves_a_bank_check_the_resident_may_still_answer(
    database_url, config, localstripe
):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    outcome = await pay(config, resident, public_id, TEST_NOW, card=CARD_3DS)
    report = await payments.payments_reconcile(config=config, now=TEST_NOW + timedelta(minutes=25))
    assert (report.payments_checked, report.payments_changed) == (1, 0)
    (payment,) = await payment_rows(public_id)
    authenticate(localstripe, payment["stripe_payment_intent"], outcome.client_secret)
    late = await payments.payments_reconcile(config=config, now=TEST_NOW + timedelta(minutes=26))
    assert late.payments_changed == 1 and (await booking_row(public_id))["status"] == "confirmed"


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
async def test_two_pay_presses_and_the_reconciler_at_once_charge_exactly_once(
    database_url, config, localstripe, crash_at
):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    await pay_then_crash(config, await booking_row(public_id), TEST_NOW, crash_at)
    *presses, _ = await asyncio.gather(
        pay(config, resident, public_id, AFTER_GRACE),
        pay(config, resident, public_id, AFTER_GRACE),
        payments.payments_reconcile(config=config, now=AFTER_GRACE),
        return_exceptions=True,
    )
    refused = [press for press in presses if not isinstance(press, payments.PaymentOutcome)]
    assert all(isinstance(press, ConflictError) for press in refused), presses
    assert {press.message for press in refused} <= {payments.PAYMENT_UNDER_WAY, payments.ALREADY_PAID}
    assert len(refused) == (2 if crash_at == CHARGED else 1)
    assert (await booking_row(public_id))["status"] == "confirmed"
    rows = await payment_rows(public_id)
    assert [row["status"] for row in rows].count("succeeded") == 1
    assert not [row for row in rows if row["status"] in UNFINISHED]
    assert list(at_stripe(config, localstripe, public_id).values()).count("succeeded") == 1


async def test_the_database_keeps_at_most_one_unfinished_attempt_per_booking(database_url, config):
    _, slot, service, (resident,) = await held_booking()
    public_id = await hold(resident, service, slot)
    first = await pay_then_crash(config, await booking_row(public_id), TEST_NOW, ATTEMPT_RECORDED)
    second = {**first, "attempt": 2, "status": PaymentStatus.processing.value}
    del second["id"]
    with pytest.raises(Exception) as refused:
        await Payment.insert(Payment(**second))
    assert database.is_unique_violation(refused.value)
    await Payment.update({Payment.status: PaymentStatus.failed.value}).where(Payment.id == first["id"])
    await Payment.insert(Payment(**second))  # once the first is finished, another may start
