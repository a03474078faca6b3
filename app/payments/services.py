"""Writes for payments: paying for a held booking, settling what Stripe reports, refunds,
cancellations that refund, the webhook and reconciliation.

One function, ``payment_settle``, turns a PaymentIntent as Stripe reports it into our records.
The pay request, the return after 3-D Secure, the webhook and the reconciler all call it, in any
order and as often as they like: it locks the booking, and changes nothing it has done before.
"""

from __future__ import annotations

import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from app import database
from app.booking import services as booking_services
from app.booking import slot_services
from app.booking.policy import CancellationPolicy
from app.booking.state import Status
from app.booking.tables import Booking
from app.payments.gateway import (
    CardDeclined,
    GatewayError,
    GatewayRefused,
    GatewayUnavailable,
    Intent,
    StripeGateway,
    StripeRefund,
)
from app.payments.rules import (
    REQUEST_GRACE,
    PaymentStatus,
    RefundRefused,
    Settlement,
    attempt_abandoned,
    attempt_busy,
    check_refund,
    may_change,
    settlement_for,
    status_from_intent,
)
from app.payments.tables import Payment, Refund, StripeEvent
from app.settings import CitySettings, Settings
from app.shared.errors import ConflictError, DomainError, NotFoundError
from app.shared.money import percent_of
from app.team import services as team_services

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
PAYMENT_INTERRUPTED = "Your last payment didn't finish, and your card was not charged. Please pay again."
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


@dataclass(frozen=True, slots=True)
class PaymentConfig:
    """What payment services need from the site's settings."""

    gateway: StripeGateway
    city: CitySettings
    commission_basis_points: int
    rng: random.Random | None = None  # redemption codes; seeded in tests

    @classmethod
    def from_settings(cls, settings: Settings) -> PaymentConfig:
        return cls(
            gateway=StripeGateway(settings.stripe),
            city=settings.city,
            commission_basis_points=settings.commission_basis_points,
        )

    @property
    def currency(self) -> str:
        return self.city.currency

    def money(self, cents: int) -> str:
        return self.city.money(cents)


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    status: PaymentStatus
    booking_status: Status
    client_secret: str = ""  # for 3-D Secure in the browser
    message: str = ""


# --- paying -----------------------------------------------------------------------------------


async def card_setup_start(*, config: PaymentConfig, booking_public_id: str) -> str:
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
    confirmed, so whatever fails (the network, this process) the attempt can be finished later:
    an intent is only ever confirmed once its id is recorded.
    """
    booking = (
        await Booking.select().where(Booking.public_id == public_id, Booking.resident == resident_id).first()
    )
    if booking is None:
        raise NotFoundError(booking_services.NOT_YOURS)
    payment = await _start_attempt(config, booking, now, payment_method=payment_method)
    payment_id, gateway = payment["id"], config.gateway
    try:
        intent = await _intent_create(config, payment)
    except (GatewayUnavailable, GatewayRefused, CardDeclined) as error:
        # Nothing was confirmed, so nothing was charged: this attempt is over.
        await _finish_attempt(payment_id, PaymentStatus.failed, now, PAYMENT_UNAVAILABLE)
        logger.warning("creating the PaymentIntent for %s failed: %s", public_id, error.message)
        raise DomainError(PAYMENT_UNAVAILABLE) from error
    recorded = (
        await Payment.update({Payment.stripe_payment_intent: intent.id, Payment.updated_at: now})
        .where(
            Payment.id == payment_id,
            Payment.status == PaymentStatus.starting.value,
            Payment.stripe_payment_intent.is_null(),
        )
        .returning(Payment.id)
    )
    if not recorded:  # this request took so long that the attempt was given up: don't charge now
        with contextlib.suppress(GatewayError):  # an intent nobody confirms never charges anyone
            await _intent_cancel(gateway, intent.id)
        raise DomainError(PAYMENT_INTERRUPTED)
    try:
        intent = await gateway.confirm_intent(intent.id, idempotency_key=f"{_intent_key(payment)}-confirm")
    except CardDeclined as declined:
        outcome = await payment_settle(intent=await _fetch_or(intent, gateway), config=config, now=now)
        raise DomainError(
            declined.message or (outcome.message if outcome else DECLINED_FALLBACK)
        ) from declined
    except GatewayUnavailable as error:
        raise DomainError(PAYMENT_UNKNOWN) from error  # the reconciler will find out
    except GatewayRefused as error:
        await payment_settle(intent=await _fetch_or(intent, gateway), config=config, now=now)
        raise DomainError(DECLINED_FALLBACK) from error
    outcome = await payment_settle(intent=intent, config=config, now=now)
    assert outcome is not None  # the payment is ours: we just recorded it
    if outcome.status is PaymentStatus.failed:
        raise DomainError(outcome.message or DECLINED_FALLBACK)
    return outcome


async def _fetch_or(intent: Intent, gateway: StripeGateway) -> Intent:
    try:
        return await gateway.fetch_intent(intent.id)
    except (GatewayUnavailable, GatewayRefused):
        return intent


def _intent_key(payment: dict) -> str:
    return f"cityloop-{payment['booking.public_id']}-{payment['attempt']}"


async def _intent_create(config: PaymentConfig, payment: dict) -> Intent:
    """Create the attempt's PaymentIntent. Made again with the same arguments, Stripe replays the
    first create (same idempotency key) and answers with the intent it made then."""
    return await config.gateway.create_intent(
        amount_cents=payment["amount_cents"],
        currency=payment["currency"],
        payment_method=payment["stripe_payment_method"],
        booking_public_id=payment["booking.public_id"],
        payment_id=payment["id"],
        idempotency_key=_intent_key(payment),
    )


async def _intent_cancel(gateway: StripeGateway, intent_id: str) -> Intent:
    """Cancel an unconfirmed PaymentIntent; if Stripe refuses, it finished meanwhile: say how."""
    try:
        return await gateway.cancel_intent(intent_id)
    except GatewayRefused:
        return await gateway.fetch_intent(intent_id)


_UNFINISHED = [s.value for s in PaymentStatus if s.in_flight]


async def _unfinished_attempts(*where) -> list[dict]:
    """Unfinished attempts (oldest first) with what resolving them needs to know."""
    return await (
        Payment.select(
            Payment.id,
            Payment.attempt,
            Payment.status,
            Payment.stripe_payment_intent,
            Payment.stripe_payment_method,
            Payment.amount_cents,
            Payment.currency,
            Payment.updated_at,
            Payment.booking.public_id,
            Payment.booking.held_until,
        )
        .where(Payment.status.is_in(_UNFINISHED), *where)
        .order_by(Payment.id)
    )


async def _start_attempt(
    config: PaymentConfig, booking: dict, now: datetime, *, payment_method: str, resolved: bool = False
) -> dict:
    """Record a new payment attempt, unless the booking can't be paid or an attempt is under way.

    An unfinished attempt that no request is working on any more (the server died, the bank's
    check was left unanswered) is resolved with Stripe first, then the new attempt starts.
    """
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
            attempts = await Payment.select(Payment.attempt, Payment.status, Payment.updated_at).where(
                Payment.booking == booking["id"]
            )
            unfinished = False
            for attempt in attempts:
                status = PaymentStatus(attempt["status"])
                if status is PaymentStatus.succeeded:
                    raise ConflictError(ALREADY_PAID)
                if status.in_flight:
                    if resolved or attempt_busy(status=status, updated_at=attempt["updated_at"], now=now):
                        raise ConflictError(PAYMENT_UNDER_WAY)
                    unfinished = True
            if unfinished:
                raise _ResolveFirst
            number = max((a["attempt"] for a in attempts), default=0) + 1
            row = await Payment.insert(
                Payment(
                    booking=booking["id"],
                    attempt=number,
                    stripe_payment_method=payment_method,
                    amount_cents=booking["price_cents"],
                    currency=config.currency,
                    status=PaymentStatus.starting.value,
                    created_at=now,
                    updated_at=now,
                )
            ).returning(Payment.id)
    except _ResolveFirst:
        try:
            for payment in await _unfinished_attempts(Payment.booking == booking["id"]):
                await _attempt_resolve(config, payment, now, paying_again=True)
        except (GatewayUnavailable, GatewayRefused) as error:
            raise DomainError(PAYMENT_UNAVAILABLE) from error
        return await _start_attempt(config, booking, now, payment_method=payment_method, resolved=True)
    except Exception as exc:
        if database.is_unique_violation(exc):  # a simultaneous click started an attempt first
            raise ConflictError(PAYMENT_UNDER_WAY) from exc
        raise
    return {
        "id": row[0]["id"],
        "attempt": number,
        "stripe_payment_method": payment_method,
        "amount_cents": booking["price_cents"],
        "currency": config.currency,
        "booking.public_id": booking["public_id"],
    }


class _ResolveFirst(Exception):
    pass


async def _attempt_resolve(
    config: PaymentConfig, payment: dict, now: datetime, *, paying_again: bool = False
) -> PaymentOutcome | None:
    """Bring one unfinished attempt (a row of ``_unfinished_attempts``) up to date with Stripe,
    and give it up where the rules say so: cancelled at Stripe while unconfirmed, then closed.

    Any number of requests and the reconciler may run this at once: every write is conditional,
    so one of them closes the attempt, and Stripe decides between a confirm and a cancel.
    Raises GatewayUnavailable or GatewayRefused when Stripe can't tell.
    """
    status = PaymentStatus(payment["status"])
    if attempt_busy(status=status, updated_at=payment["updated_at"], now=now):
        return await _outcome_of(payment["id"])
    if payment["stripe_payment_intent"] is None:
        await _attempt_close_unrecorded(config, payment, now)
        return await _outcome_of(payment["id"])
    intent = await config.gateway.fetch_intent(payment["stripe_payment_intent"])
    failure = DECLINED_FALLBACK
    if attempt_abandoned(
        status=status_from_intent(intent.status),
        updated_at=payment["updated_at"],
        held_until=payment["booking.held_until"],
        now=now,
        paying_again=paying_again,
    ):
        intent, failure = await _intent_cancel(config.gateway, intent.id), PAYMENT_INTERRUPTED
    return await payment_settle(intent=intent, config=config, now=now, failure=failure)


async def _attempt_close_unrecorded(config: PaymentConfig, payment: dict, now: datetime) -> None:
    """Close an attempt whose request died before recording its PaymentIntent id. It charged no
    one: an intent is confirmed only after its id is recorded. Then find the intent, if the create
    reached Stripe, by replaying the create, and cancel it."""
    closed = (
        await Payment.update(
            {
                Payment.status: PaymentStatus.failed.value,
                Payment.failure_message: PAYMENT_INTERRUPTED,
                Payment.updated_at: now,
            }
        )
        .where(
            Payment.id == payment["id"],
            Payment.status == PaymentStatus.starting.value,
            Payment.stripe_payment_intent.is_null(),
        )
        .returning(Payment.id)
    )
    if not closed or payment["stripe_payment_method"] is None:
        return  # another request closed it; or it is older than kept payment methods
    try:
        intent = await _intent_create(config, payment)
        await Payment.update({Payment.stripe_payment_intent: intent.id}).where(
            Payment.id == payment["id"], Payment.stripe_payment_intent.is_null()
        )
        await _intent_cancel(config.gateway, intent.id)
    except GatewayError as error:  # left unconfirmed, it never charges anyone
        logger.warning("cancelling the intent of payment %s failed: %s", payment["id"], error.message)


async def _outcome_of(payment_id: int) -> PaymentOutcome:
    row = await (
        Payment.select(Payment.status, Payment.failure_message, Payment.booking.status)
        .where(Payment.id == payment_id)
        .first()
    )
    return PaymentOutcome(
        PaymentStatus(row["status"]), Status(row["booking.status"]), message=row["failure_message"]
    )


async def _finish_attempt(payment_id: int, status: PaymentStatus, now: datetime, message: str = "") -> None:
    await Payment.update(
        {Payment.status: status.value, Payment.failure_message: message, Payment.updated_at: now}
    ).where(Payment.id == payment_id, Payment.status.is_in(_UNFINISHED))


async def payment_refresh(*, config: PaymentConfig, booking_id: int, now: datetime) -> PaymentOutcome | None:
    """Bring the booking's unfinished payment up to date (on the page, while it processes, after
    3-D Secure): ask Stripe, and give it up if its request died. None if there is none."""
    unfinished = await _unfinished_attempts(Payment.booking == booking_id)
    if not unfinished:
        return None
    try:
        return await _attempt_resolve(config, unfinished[-1], now)
    except (GatewayUnavailable, GatewayRefused) as error:
        logger.warning("refreshing payment %s failed: %s", unfinished[-1]["id"], error.message)
        return None


# --- settling ---------------------------------------------------------------------------------


async def payment_settle(
    *, intent: Intent, config: PaymentConfig, now: datetime, failure: str = DECLINED_FALLBACK
) -> PaymentOutcome | None:
    """Record what Stripe says about one PaymentIntent; idempotent. None if it isn't ours.
    ``failure`` is what a failed payment says when Stripe gives no reason."""
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
        failure = (intent.error_message or failure) if reported is PaymentStatus.failed else ""
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
        await slot_services.next_free_refresh(now=now, provider_id=booking["provider"])
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


async def booking_cancel_paid_by_resident(
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


async def booking_cancel_paid_by_provider(
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
            await booking_cancel_paid_by_provider(
                config=config, provider_id=provider_id, public_id=booking["public_id"], reason=reason, now=now
            )
            cancelled += 1
        except ConflictError:
            continue  # paid, redeemed or cancelled meanwhile: the page shows what is left
    return cancelled


async def team_member_leave(
    *,
    config: PaymentConfig,
    provider_id: int,
    member_id: int,
    member_public_id: str,
    bookings: Literal["move", "cancel"] | None,
    hand_to: str,
    reason: str,
    now: datetime,
    zone: ZoneInfo,
) -> list[tuple[str, str]]:
    """Take a member off the schedule after dealing with their upcoming bookings as the provider
    chose: ``bookings`` "move" gives them to ``hand_to``, "cancel" cancels them with full refunds,
    None leaves them (and the member stays if any remain). Returns the bookings that couldn't be
    given away, (public id, why); then the member stays on the schedule."""
    if bookings == "move":
        kept = await booking_services.bookings_hand_over(
            provider_id=provider_id, from_member_id=member_id, to_member_public_id=hand_to, now=now
        )
        if kept:
            return kept
    elif bookings == "cancel":
        await member_bookings_cancel(
            config=config, provider_id=provider_id, member_id=member_id, reason=reason, now=now
        )
    await team_services.team_member_set_active(
        provider_id=provider_id, public_id=member_public_id, active=False, now=now, zone=zone
    )
    return []


async def day_close_with_refunds(*, config: PaymentConfig, now: datetime, **day) -> int:
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
            await payment_settle(intent=intent, config=config, now=now)
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
    """Compare our unfinished payments and refunds with Stripe and repair every difference.

    Anything younger than the request grace is left to the request handling it. Every unfinished
    attempt older is finished if Stripe has, or given up where the rules say so (its request died,
    or the bank's check was left unanswered long after the hold ended).
    """
    in_flight = await _unfinished_attempts(Payment.updated_at <= now - REQUEST_GRACE)
    payments_changed = 0
    for payment in in_flight:
        try:
            outcome = await _attempt_resolve(config, payment, now)
        except (GatewayUnavailable, GatewayRefused) as error:
            logger.warning("reconciling payment %s failed: %s", payment["id"], error.message)
            continue
        if outcome is not None and outcome.status.value != payment["status"]:
            payments_changed += 1
    refunds = await Refund.select(Refund.id, Refund.payment.stripe_payment_intent).where(
        Refund.status == "pending", Refund.created_at <= now - REQUEST_GRACE
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
