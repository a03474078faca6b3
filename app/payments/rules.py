"""Payment rules without a framework: payment states, what a settled payment does to its
booking, the refund guard and the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum

from app.booking.state import Status
from app.shared.money import round_half_up


class PaymentStatus(str, Enum):
    starting = "starting"  # recorded; the PaymentIntent is being created or confirmed
    requires_action = "requires_action"  # the bank asks the resident to authenticate (3-D Secure)
    processing = "processing"
    succeeded = "succeeded"
    failed = "failed"

    @property
    def in_flight(self) -> bool:
        return self in (PaymentStatus.starting, PaymentStatus.requires_action, PaymentStatus.processing)


# Stripe's PaymentIntent statuses, as our payment states.
_FROM_INTENT = {
    "requires_confirmation": PaymentStatus.starting,
    "requires_action": PaymentStatus.requires_action,
    "processing": PaymentStatus.processing,
    "requires_capture": PaymentStatus.processing,
    "succeeded": PaymentStatus.succeeded,
    # After a declined card or failed authentication Stripe waits for another card; this attempt is over.
    "requires_payment_method": PaymentStatus.failed,
    "canceled": PaymentStatus.failed,
}


def status_from_intent(intent_status: str) -> PaymentStatus:
    return _FROM_INTENT.get(intent_status, PaymentStatus.processing)


def may_change(current: PaymentStatus, new: PaymentStatus) -> bool:
    """A payment never leaves succeeded or failed: late or repeated news can't rewrite them."""
    return current != new and current not in (PaymentStatus.succeeded, PaymentStatus.failed)


# A request creates and confirms its PaymentIntent within this (it normally takes a second). An
# attempt still starting after it has lost its request (a crash) and is given up. A request slower
# than this loses its attempt safely: the writes are conditional, and Stripe decides between its
# confirm and our cancel. The reconciler also leaves anything younger to the request handling it.
REQUEST_GRACE = timedelta(seconds=60)
# 3-D Secure still unanswered this long after the hold ended is given up; until then an answer can
# still confirm the booking late if the time is free.
AUTHENTICATION_GRACE = timedelta(minutes=20)


def attempt_busy(*, status: PaymentStatus, updated_at: datetime, now: datetime) -> bool:
    """A request is still creating or confirming this attempt: leave it to that request."""
    return status is PaymentStatus.starting and now - updated_at < REQUEST_GRACE


def attempt_abandoned(
    *,
    status: PaymentStatus,
    updated_at: datetime,
    held_until: datetime,
    now: datetime,
    paying_again: bool = False,
) -> bool:
    """Whether to give up an unfinished attempt whose PaymentIntent is in ``status`` (Stripe's state
    in our terms): cancel it at Stripe, where it is still unconfirmed, and close it.

    ``paying_again``: the resident pressed Pay again, so an unanswered bank check is let go at once.
    Processing payments can't be cancelled: Stripe finishes them.
    """
    if status is PaymentStatus.starting:
        return not attempt_busy(status=status, updated_at=updated_at, now=now)
    if status is PaymentStatus.requires_action:
        return paying_again or now >= held_until + AUTHENTICATION_GRACE
    return False


class Settlement(str, Enum):
    """What money that arrived does to its booking."""

    confirm = "confirm"  # the hold is still the booking's: confirm it
    confirm_late = "confirm_late"  # the hold ended: confirm if the seat can be taken again, else refund
    refund = "refund"  # the booking is already paid or was cancelled: give this money back


def settlement_for(booking_status: Status) -> Settlement:
    if booking_status is Status.held:
        return Settlement.confirm
    if booking_status is Status.expired:
        return Settlement.confirm_late
    return Settlement.refund


REFUND_NOT_POSITIVE = "Enter an amount to refund above zero."
REFUND_TOO_LARGE = "That is more than is left to refund: at most {left} can be refunded."
NOTHING_PAID = "Nothing was paid for this booking, so there is nothing to refund."


class RefundRefused(ValueError):
    """The refund breaks the guard; the message is for people."""


def check_refund(*, amount_cents: int, paid_cents: int, refunded_cents: int, format_money) -> None:
    """The total refunded can never exceed what was paid (pending refunds count as refunded)."""
    if paid_cents <= 0:
        raise RefundRefused(NOTHING_PAID)
    if amount_cents <= 0:
        raise RefundRefused(REFUND_NOT_POSITIVE)
    left = paid_cents - refunded_cents
    if amount_cents > left:
        raise RefundRefused(REFUND_TOO_LARGE.format(left=format_money(max(left, 0))))


@dataclass(frozen=True, slots=True)
class Ledger:
    """One booking's money. The provider's earning = paid − refunded − commission."""

    paid_cents: int
    refunded_cents: int
    commission_cents: int
    earning_cents: int
    released: bool

    @property
    def kept_cents(self) -> int:
        return self.paid_cents - self.refunded_cents


def ledger(*, paid_cents: int, refunded_cents: int, commission_basis_points: int, released: bool) -> Ledger:
    kept = max(paid_cents - refunded_cents, 0)
    commission = round_half_up(Decimal(kept) * commission_basis_points / 10_000)
    return Ledger(
        paid_cents=paid_cents,
        refunded_cents=refunded_cents,
        commission_cents=commission,
        earning_cents=kept - commission,
        released=released,
    )
