"""Writes for payments: paying for a held booking, settling what Stripe reports, refunds,
cancellations that refund, the webhook and reconciliation.

One function, ``payment_settle``, turns a PaymentIntent as Stripe reports it into our records.
The pay request, the return after 3-D Secure, the webhook and the reconciler all call it, in any
order and as often as they like: it locks the booking, and changes nothing it has done before.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from app import database
from app.booking import services as booking_services
from app.booking.policy import CancellationPolicy
from app.booking.state import Status
from app.booking.tables import Booking
from app.payments.gateway import (
    CardDeclined,
    GatewayRefused,
    GatewayUnavailable,
    Intent,
    StripeGateway,
    StripeRefund,
)
from app.payments.rules import (
    PaymentStatus,
    RefundRefused,
    Settlement,
    check_refund,
    may_change,
    settlement_for,
    status_from_intent,
)
from app.payments.tables import Payment, Refund, StripeEvent
from app.settings import Settings
from app.shared.errors import ConflictError, DomainError, NotFoundError
from app.shared.money import format_money, percent_of

logger = logging.getLogger("cityloop.payments")

HOLD_ENDED = "Your hold on this time has ended, so it can't be paid any more. Please choose a time again."
ALREADY_PAID = "This booking is already paid."
PAYMENT_UNDER_WAY = "A payment for this booking is already under way. Wait a moment and reload this page."
PAYMENT_UNAVAILABLE = (
    "We couldn't reach the payment service, and your card was not charged. Please try again in a minute."
)
PAYMENT_UNKNOWN = (
    "We couldn't hear back from the payment service. If your card was charged, this booking will be "
    "confirmed within a few minutes; otherwise try again."
)
DECLINED_FALLBACK = "The payment did not go through. Try again or use another card."
LATE_AND_TAKEN = (
    "Your payment arrived after your hold had ended and someone else had booked the time, "
    "so we refunded it in full."
)
LATE_AND_SUSPENDED = (
    "Your payment arrived after your hold had ended, and the business isn't taking bookings at "
    "the moment, so we refunded it in full."
)
PAID_TWICE = "This booking had already been paid, so this second payment was refunded in full."
PAID_AFTER_CANCEL = "This booking was no longer active when the payment arrived, so it was refunded in full."
PROVIDER_CANCELLED = "Cancelled by the provider: full refund."
RESIDENT_CANCELLED = "Cancelled by the resident: {percent}% refunded under the cancellation policy."

# The reconciler leaves fresh payments to the request that is handling them.
RECONCILE_AFTER = timedelta(minutes=1)
# A payment recorded without a PaymentIntent after this long never reached Stripe's confirm step.
ABANDONED_AFTER = timedelta(minutes=10)
# 3-D Secure left unfinished this long after the hold ended is cancelled at Stripe.
AUTHENTICATION_GIVEN_UP_AFTER = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class PaymentConfig:
    """What payment services need from the site's settings."""

    gateway: StripeGateway
    currency: str
    locale: str
    commission_basis_points: int
    rng: random.Random | None = None  # redemption codes; seeded in tests

    @classmethod
    def from_settings(cls, settings: Settings) -> PaymentConfig:
        return cls(
            gateway=StripeGateway(settings.stripe),
            currency=settings.city.currency,
            locale=settings.city.locale,
            commission_basis_points=settings.commission_basis_points,
        )

    def money(self, cents: int) -> str:
        return format_money(cents, self.currency, self.locale)


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    status: PaymentStatus
    booking_status: Status
    client_secret: str = ""  # for 3-D Secure in the browser
    message: str = ""


# --- paying -----------------------------------------------------------------------------------


async def card_setup_secret(*, config: PaymentConfig, booking_public_id: str) -> str:
    try:
        return await config.gateway.card_setup_secret(booking_public_id)
    except (GatewayUnavailable, GatewayRefused) as error:
        logger.warning("card set-up failed for booking %s: %s", booking_public_id, error.message)
        raise DomainError(PAYMENT_UNAVAILABLE) from error


async def payment_submit(
    *, config: PaymentConfig, resident_id: int, public_id: str, payment_method: str, now: datetime
) -> PaymentOutcome:
    """Charge the card Stripe.js collected for a held booking.

    The attempt is recorded before Stripe hears of it, and its PaymentIntent id before it is
    confirmed, so whatever fails (the network, this process) the reconciler can finish the job.
    """
    booking = (
        await Booking.select().where(Booking.public_id == public_id, Booking.resident == resident_id).first()
    )
    if booking is None:
        raise NotFoundError(booking_services.NOT_YOURS)
    payment_id, attempt = await _start_attempt(config, booking, now)
    gateway = config.gateway
    key = f"cityloop-{public_id}-{attempt}"
    try:
        intent = await gateway.create_intent(
            amount_cents=booking["price_cents"],
            currency=config.currency,
            payment_method=payment_method,
            booking_public_id=public_id,
            payment_id=payment_id,
            idempotency_key=key,
        )
    except (GatewayUnavailable, GatewayRefused, CardDeclined) as error:
        # Nothing was confirmed, so nothing was charged: this attempt is over.
        await _finish_attempt(payment_id, PaymentStatus.failed, now, PAYMENT_UNAVAILABLE)
        logger.warning("creating the PaymentIntent for %s failed: %s", public_id, error.message)
        raise DomainError(PAYMENT_UNAVAILABLE) from error
    recorded = (
        await Payment.update({Payment.stripe_payment_intent: intent.id, Payment.updated_at: now})
        .where(Payment.id == payment_id, Payment.status == PaymentStatus.starting.value)
        .returning(Payment.id)
    )
    if not recorded:  # the reconciler gave up on this attempt meanwhile; don't charge now
        raise DomainError(PAYMENT_UNAVAILABLE)
    try:
        intent = await gateway.confirm_intent(intent.id, idempotency_key=f"{key}-confirm")
    except CardDeclined as declined:
        outcome = await payment_settle(await _fetch_or(intent, gateway), config=config, now=now)
        raise DomainError(
            declined.message or (outcome.message if outcome else DECLINED_FALLBACK)
        ) from declined
    except GatewayUnavailable as error:
        raise DomainError(PAYMENT_UNKNOWN) from error  # the reconciler will find out
    except GatewayRefused as error:
        await payment_settle(await _fetch_or(intent, gateway), config=config, now=now)
        raise DomainError(DECLINED_FALLBACK) from error
    outcome = await payment_settle(intent, config=config, now=now)
    assert outcome is not None  # the payment is ours: we just recorded it
    if outcome.status is PaymentStatus.failed:
        raise DomainError(outcome.message or DECLINED_FALLBACK)
    return outcome


async def _fetch_or(intent: Intent, gateway: StripeGateway) -> Intent:
    try:
        return await gateway.fetch_intent(intent.id)
    except (GatewayUnavailable, GatewayRefused):
        return intent


async def _start_attempt(config: PaymentConfig, booking: dict, now: datetime) -> tuple[int, int]:
    """Record a new payment attempt, unless the booking can't be paid or an attempt is under way."""
    stale_authentication: list[str] = []
    try:
        async with database.transaction():
            await database.lock_row(Booking, booking["id"])
            current = (
                await Booking.select(Booking.status, Booking.held_until)
                .where(Booking.id == booking["id"])
                .first()
            )
            if current["status"] != Status.held.value:
                raise ConflictError(
                    ALREADY_PAID if current["status"] == Status.confirmed.value else HOLD_ENDED
                )
            if current["held_until"] <= now:
                raise ConflictError(HOLD_ENDED)
            attempts = await Payment.select(
                Payment.attempt, Payment.status, Payment.stripe_payment_intent
            ).where(Payment.booking == booking["id"])
            for attempt in attempts:
                status = PaymentStatus(attempt["status"])
                if status is PaymentStatus.succeeded:
                    raise ConflictError(ALREADY_PAID)
                if status is PaymentStatus.requires_action:
                    # The resident left 3-D Secure unfinished and tries again: end that attempt first.
                    stale_authentication.append(attempt["stripe_payment_intent"])
                elif status.in_flight:
                    raise ConflictError(PAYMENT_UNDER_WAY)
            if stale_authentication:
                raise _EndAuthenticationFirst
            number = max((a["attempt"] for a in attempts), default=0) + 1
            row = await Payment.insert(
                Payment(
                    booking=booking["id"],
                    attempt=number,
                    amount_cents=booking["price_cents"],
                    currency=config.currency,
                    status=PaymentStatus.starting.value,
                    created_at=now,
                    updated_at=now,
                )
            ).returning(Payment.id)
            return row[0]["id"], number
    except _EndAuthenticationFirst:
        for intent_id in stale_authentication:
            await _end_authentication(config, intent_id, now)
        return await _start_attempt(config, booking, now)
    except Exception as exc:
        if database.is_unique_violation(exc):  # a simultaneous click took this attempt number
            raise ConflictError(PAYMENT_UNDER_WAY) from exc
        raise


class _EndAuthenticationFirst(Exception):
    pass


async def _end_authentication(config: PaymentConfig, intent_id: str, now: datetime) -> None:
    """Cancel a PaymentIntent waiting for 3-D Secure; if it succeeded meanwhile, record that."""
    try:
        intent = await config.gateway.cancel_intent(intent_id)
    except GatewayRefused:  # it is no longer cancellable: it finished one way or the other
        intent = await config.gateway.fetch_intent(intent_id)
    except GatewayUnavailable as error:
        raise DomainError(PAYMENT_UNAVAILABLE) from error
    await payment_settle(intent, config=config, now=now)


async def _finish_attempt(payment_id: int, status: PaymentStatus, now: datetime, message: str = "") -> None:
    await Payment.update(
        {Payment.status: status.value, Payment.failure_message: message, Payment.updated_at: now}
    ).where(Payment.id == payment_id, Payment.status.is_in([s.value for s in PaymentStatus if s.in_flight]))


async def payment_refresh(*, config: PaymentConfig, booking_id: int, now: datetime) -> PaymentOutcome | None:
    """Ask Stripe about the booking's payment in flight (after 3-D Secure, or while it processes)."""
    row = (
        await Payment.select(Payment.stripe_payment_intent)
        .where(
            Payment.booking == booking_id,
            Payment.stripe_payment_intent.is_not_null(),
            Payment.status.is_in([s.value for s in PaymentStatus if s.in_flight]),
        )
        .order_by(Payment.attempt, ascending=False)
        .first()
    )
    if row is None:
        return None
    try:
        intent = await config.gateway.fetch_intent(row["stripe_payment_intent"])
    except (GatewayUnavailable, GatewayRefused) as error:
        logger.warning("refreshing payment %s failed: %s", row["stripe_payment_intent"], error.message)
        return None
    return await payment_settle(intent, config=config, now=now)


# --- settling ---------------------------------------------------------------------------------


async def payment_settle(intent: Intent, *, config: PaymentConfig, now: datetime) -> PaymentOutcome | None:
    """Record what Stripe says about one PaymentIntent; idempotent. None if it isn't ours."""
    refund_ids: list[int] = []
    async with database.transaction():
        payment = await _payment_for(intent)
        if payment is None:
            return None
        await database.lock_row(Booking, payment["booking"])
        payment = await Payment.select().where(Payment.id == payment["id"]).first()  # as it is now, locked
        booking = await Booking.select(Booking.status).where(Booking.id == payment["booking"]).first()
        current, reported = PaymentStatus(payment["status"]), status_from_intent(intent.status)
        if not may_change(current, reported):
            return PaymentOutcome(
                current,
                Status(booking["status"]),
                client_secret=intent.client_secret if current is PaymentStatus.requires_action else "",
                message=payment["failure_message"],
            )
        changes = {Payment.status: reported.value, Payment.updated_at: now}
        if payment["stripe_payment_intent"] is None:
            changes[Payment.stripe_payment_intent] = intent.id
        failure = (intent.error_message or DECLINED_FALLBACK) if reported is PaymentStatus.failed else ""
        if failure:
            changes[Payment.failure_message] = failure
        if reported is PaymentStatus.succeeded:
            changes[Payment.succeeded_at] = now
        await Payment.update(changes).where(Payment.id == payment["id"], Payment.status == current.value)
        if reported is PaymentStatus.succeeded:
            refund_ids = await _apply_money(payment, Status(booking["status"]), config, now)
        booking = (
            await Booking.select(Booking.status, Booking.provider)
            .where(Booking.id == payment["booking"])
            .first()
        )
    await refunds_send(config=config, refund_ids=refund_ids, now=now)
    if reported is PaymentStatus.succeeded:
        await booking_services.next_free_refresh(now=now, provider_id=booking["provider"])
    return PaymentOutcome(
        reported,
        Status(booking["status"]),
        client_secret=intent.client_secret if reported is PaymentStatus.requires_action else "",
        message=failure,
    )


async def _payment_for(intent: Intent) -> dict | None:
    payment = await Payment.select().where(Payment.stripe_payment_intent == intent.id).first()
    if payment is None and intent.payment_id is not None:
        # Created at Stripe, but we stopped before recording its id (a crash): our id is in its metadata.
        payment = await (
            Payment.select()
            .where(
                Payment.id == intent.payment_id,
                Payment.stripe_payment_intent.is_null(),
                Payment.booking.public_id == intent.booking_public_id,
            )
            .first()
        )
    return payment


async def _apply_money(
    payment: dict, booking_status: Status, config: PaymentConfig, now: datetime
) -> list[int]:
    """Inside the settling transaction: confirm the booking with this money, or refund it."""
    settlement = settlement_for(booking_status)
    confirm = {
        "booking_id": payment["booking"],
        "now": now,
        "commission_basis_points": config.commission_basis_points,
        "rng": config.rng,
    }
    if settlement is Settlement.confirm:
        await booking_services.booking_confirm(**confirm)
        return []
    if settlement is Settlement.confirm_late:
        business = (
            await Booking.select(Booking.provider.is_suspended)
            .where(Booking.id == payment["booking"])
            .first()
        )
        if business["provider.is_suspended"]:
            reason = LATE_AND_SUSPENDED
        else:
            try:
                await booking_services.booking_confirm(**confirm, late=True)
                return []
            except ConflictError:
                reason = LATE_AND_TAKEN
    else:
        reason = (
            PAID_TWICE
            if booking_status in (Status.confirmed, Status.redeemed, Status.no_show)
            else PAID_AFTER_CANCEL
        )
    refund_id = await _record_refund(
        booking_id=payment["booking"],
        payment_id=payment["id"],
        amount_cents=payment["amount_cents"],
        reason=reason,
        requested_by="system",
        account_id=None,
        now=now,
    )
    return [refund_id]


# --- refunds ----------------------------------------------------------------------------------


async def _refundable(booking_id: int) -> list[tuple[dict, int]]:
    """The booking's succeeded payments, newest first, each with what is left to refund of it."""
    payments = await (
        Payment.select(Payment.id, Payment.amount_cents, Payment.stripe_payment_intent)
        .where(Payment.booking == booking_id, Payment.status == PaymentStatus.succeeded.value)
        .order_by(Payment.id, ascending=False)
    )
    refunded: dict[int, int] = {}
    for row in await Refund.select(Refund.payment, Refund.amount_cents).where(
        Refund.booking == booking_id, Refund.status.is_in(["pending", "succeeded"])
    ):
        refunded[row["payment"]] = refunded.get(row["payment"], 0) + row["amount_cents"]
    return [(payment, payment["amount_cents"] - refunded.get(payment["id"], 0)) for payment in payments]


async def _record_refund(
    *,
    booking_id: int,
    payment_id: int,
    amount_cents: int,
    reason: str,
    requested_by: str,
    account_id: int | None,
    now: datetime,
) -> int:
    rows = await Refund.insert(
        Refund(
            booking=booking_id,
            payment=payment_id,
            amount_cents=amount_cents,
            status="pending",
            reason=reason,
            requested_by=requested_by,
            requested_by_account=account_id,
            created_at=now,
        )
    ).returning(Refund.id)
    return rows[0]["id"]


async def _refund_in_transaction(
    *,
    booking_id: int,
    amount_cents: int,
    reason: str,
    requested_by: str,
    account_id: int | None,
    now: datetime,
    config: PaymentConfig,
) -> list[int]:
    """Inside a transaction that has locked the booking: record refunds of ``amount_cents``
    across its payments, after checking the guard. Returns the new refunds' ids."""
    refundable = await _refundable(booking_id)
    paid = sum(payment["amount_cents"] for payment, _ in refundable)
    left_total = sum(left for _, left in refundable)
    try:
        check_refund(
            amount_cents=amount_cents,
            paid_cents=paid,
            refunded_cents=paid - left_total,
            format_money=config.money,
        )
    except RefundRefused as refused:
        raise DomainError(str(refused), field="amount") from refused
    refund_ids, remaining = [], amount_cents
    for payment, left in refundable:
        share = min(left, remaining)
        if share > 0:
            refund_ids.append(
                await _record_refund(
                    booking_id=booking_id,
                    payment_id=payment["id"],
                    amount_cents=share,
                    reason=reason,
                    requested_by=requested_by,
                    account_id=account_id,
                    now=now,
                )
            )
            remaining -= share
    return refund_ids


async def _refund_share(
    booking_id: int, percent: int, reason: str, requested_by: str, now, config
) -> list[int]:
    """Inside a transaction: refund ``percent`` of what is still kept of the booking's payments."""
    kept = sum(left for _, left in await _refundable(booking_id))
    amount = percent_of(kept, percent)
    if amount <= 0:
        return []
    return await _refund_in_transaction(
        booking_id=booking_id,
        amount_cents=amount,
        reason=reason,
        requested_by=requested_by,
        account_id=None,
        now=now,
        config=config,
    )


async def refund_by_admin(
    *, config: PaymentConfig, booking_id: int, amount_cents: int, reason: str, admin_id: int, now: datetime
) -> None:
    """An admin's decision: refund part or all of a booking (the guard still applies)."""
    async with database.transaction():
        await database.lock_row(Booking, booking_id)
        refund_ids = await _refund_in_transaction(
            booking_id=booking_id,
            amount_cents=amount_cents,
            reason=reason,
            requested_by="admin",
            account_id=admin_id,
            now=now,
            config=config,
        )
    await refunds_send(config=config, refund_ids=refund_ids, now=now)


async def refunds_send(*, config: PaymentConfig, refund_ids: list[int], now: datetime) -> None:
    """Ask Stripe to pay out recorded refunds. A refund Stripe couldn't be reached for stays
    pending, and the reconciler sends it again under the same idempotency key."""
    for refund_id in refund_ids:
        refund = await (
            Refund.select(Refund.id, Refund.amount_cents, Refund.status, Refund.payment.stripe_payment_intent)
            .where(Refund.id == refund_id)
            .first()
        )
        if refund is None or refund["status"] != "pending":
            continue
        try:
            sent = await config.gateway.create_refund(
                intent_id=refund["payment.stripe_payment_intent"],
                amount_cents=refund["amount_cents"],
                refund_id=refund_id,
                idempotency_key=f"cityloop-refund-{refund_id}",
            )
        except GatewayUnavailable as error:
            logger.warning("refund %s not sent yet: %s", refund_id, error.message)
            continue
        except GatewayRefused as error:
            logger.error("Stripe refused refund %s: %s", refund_id, error.message)
            await _refund_result(refund_id, None, now, failure=error.message)
            continue
        await _refund_result(refund_id, sent, now)


async def _refund_result(refund_id: int, sent: StripeRefund | None, now: datetime, failure: str = "") -> bool:
    """Record Stripe's answer about a pending refund; returns whether anything changed."""
    if sent is None:
        changes = {Refund.status: "failed", Refund.failure_message: failure, Refund.completed_at: now}
    elif sent.status in ("succeeded", "failed", "canceled"):
        finished = "succeeded" if sent.status == "succeeded" else "failed"
        changes = {Refund.status: finished, Refund.stripe_refund: sent.id, Refund.completed_at: now}
    else:  # still pending at Stripe: remember its id, keep waiting
        await Refund.update({Refund.stripe_refund: sent.id}).where(Refund.id == refund_id)
        return False
    changed = (
        await Refund.update(changes)
        .where(Refund.id == refund_id, Refund.status == "pending")
        .returning(Refund.id)
    )
    return bool(changed)


# --- cancellations that refund ----------------------------------------------------------------


async def cancel_by_resident(
    *, config: PaymentConfig, resident_id: int, public_id: str, now: datetime, policy: CancellationPolicy
) -> int:
    """Cancel and refund what the policy gives back, in one transaction; returns the percent."""
    async with database.transaction():
        cancelled, percent = await booking_services.booking_cancel_by_resident(
            resident_id=resident_id, public_id=public_id, now=now, policy=policy
        )
        refund_ids = await _refund_share(
            cancelled["id"], percent, RESIDENT_CANCELLED.format(percent=percent), "resident", now, config
        )
    await refunds_send(config=config, refund_ids=refund_ids, now=now)
    return percent


async def cancel_by_provider(
    *, config: PaymentConfig, provider_id: int, public_id: str, reason: str, now: datetime
) -> None:
    async with database.transaction():
        cancelled = await booking_services.booking_cancel_by_provider(
            provider_id=provider_id, public_id=public_id, reason=reason, now=now
        )
        refund_ids = await _refund_share(cancelled["id"], 100, PROVIDER_CANCELLED, "provider", now, config)
    await refunds_send(config=config, refund_ids=refund_ids, now=now)


async def member_bookings_cancel(
    *, config: PaymentConfig, provider_id: int, member_id: int, reason: str, now: datetime
) -> int:
    """Cancel every upcoming booking of one team member as the provider, each refunded in full.

    Holds are let go (nothing was paid yet). Returns how many paid bookings were cancelled.
    """
    upcoming = await Booking.select(Booking.public_id, Booking.status, Booking.resident).where(
        Booking.provider == provider_id,
        Booking.member == member_id,
        Booking.ends_at > now,
        Booking.status.is_in([Status.held.value, Status.confirmed.value]),
    )
    cancelled = 0
    for booking in upcoming:
        try:
            if booking["status"] == Status.held.value:
                await booking_services.booking_release(
                    resident_id=booking["resident"], public_id=booking["public_id"], now=now
                )
                continue
            await cancel_by_provider(
                config=config, provider_id=provider_id, public_id=booking["public_id"], reason=reason, now=now
            )
            cancelled += 1
        except ConflictError:
            continue  # paid, redeemed or cancelled meanwhile: the page shows what is left
    return cancelled


async def close_day(*, config: PaymentConfig, now: datetime, **day) -> int:
    """Close a day (see booking.services.day_set_closed); cancelled bookings are refunded in full."""
    refund_ids: list[int] = []
    async with database.transaction():
        cancelled = await booking_services.day_set_closed(now=now, **day)
        for booking_id in cancelled:
            refund_ids += await _refund_share(booking_id, 100, PROVIDER_CANCELLED, "provider", now, config)
    await refunds_send(config=config, refund_ids=refund_ids, now=now)
    return len(cancelled)


# --- webhook and reconciliation ---------------------------------------------------------------


async def webhook_receive(
    *, config: PaymentConfig, payload: bytes, signature: str | None, now: datetime
) -> str:
    """Handle one delivery; returns what happened. Raises InvalidWebhook for a bad signature and
    GatewayUnavailable when Stripe can't be asked (the caller answers 5xx, so Stripe retries)."""
    event = config.gateway.parse_event(payload, signature)
    if await StripeEvent.exists().where(StripeEvent.event_id == event.id):
        return "already handled"
    if event.object_type == "payment_intent":
        try:
            intent = await config.gateway.fetch_intent(event.object_id)  # the event may be stale
        except GatewayRefused:
            intent = None  # not a PaymentIntent this account knows
        if intent is not None:
            await payment_settle(intent, config=config, now=now)
    await StripeEvent.insert(
        StripeEvent(event_id=event.id, event_type=event.type, received_at=now)
    ).on_conflict(action="DO NOTHING")
    return "handled"


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    payments_checked: int = 0
    payments_changed: int = 0
    refunds_checked: int = 0
    refunds_changed: int = 0

    @property
    def changed(self) -> int:
        return self.payments_changed + self.refunds_changed


async def payments_reconcile(*, config: PaymentConfig, now: datetime) -> ReconcileReport:
    """Compare our unfinished payments and refunds with Stripe and repair every difference."""
    in_flight = await Payment.select(
        Payment.id, Payment.status, Payment.stripe_payment_intent, Payment.created_at, Payment.booking.status
    ).where(
        Payment.status.is_in([s.value for s in PaymentStatus if s.in_flight]),
        Payment.updated_at <= now - RECONCILE_AFTER,
    )
    payments_changed = 0
    for payment in in_flight:
        before = PaymentStatus(payment["status"])
        if payment["stripe_payment_intent"] is None:
            if payment["created_at"] <= now - ABANDONED_AFTER:
                await _finish_attempt(payment["id"], PaymentStatus.failed, now, PAYMENT_UNAVAILABLE)
                payments_changed += 1
            continue
        try:
            intent = await config.gateway.fetch_intent(payment["stripe_payment_intent"])
            if (
                status_from_intent(intent.status) is PaymentStatus.requires_action
                and payment["booking.status"] != Status.held.value
                and payment["created_at"] <= now - AUTHENTICATION_GIVEN_UP_AFTER
            ):
                intent = await config.gateway.cancel_intent(intent.id)
        except (GatewayUnavailable, GatewayRefused) as error:
            logger.warning("reconciling payment %s failed: %s", payment["id"], error.message)
            continue
        outcome = await payment_settle(intent, config=config, now=now)
        if outcome is not None and outcome.status is not before:
            payments_changed += 1
    refunds = await Refund.select(Refund.id, Refund.payment.stripe_payment_intent).where(
        Refund.status == "pending", Refund.created_at <= now - RECONCILE_AFTER
    )
    refunds_changed = 0
    for refund in refunds:
        try:
            found = await config.gateway.find_refund(
                intent_id=refund["payment.stripe_payment_intent"], refund_id=refund["id"]
            )
        except (GatewayUnavailable, GatewayRefused) as error:
            logger.warning("reconciling refund %s failed: %s", refund["id"], error.message)
            continue
        if found is None:  # never reached Stripe: send it now
            await refunds_send(config=config, refund_ids=[refund["id"]], now=now)
            if await Refund.exists().where(Refund.id == refund["id"], Refund.status != "pending"):
                refunds_changed += 1
        elif await _refund_result(refund["id"], found, now):
            refunds_changed += 1
    return ReconcileReport(len(in_flight), payments_changed, len(refunds), refunds_changed)
