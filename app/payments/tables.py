from piccolo.columns import ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import UserAccount
from app.booking.tables import Booking


class Payment(Table):
    """One attempt to pay for a booking: a Stripe PaymentIntent and its state as we last saw it.

    A declined card ends an attempt; the resident's next try is a new attempt (and a new
    PaymentIntent). (booking, attempt) is unique, and a booking has at most one unfinished
    attempt, so a double-clicked "Pay" starts one attempt.
    """

    booking = ForeignKey(Booking, null=False, on_delete=OnDelete.restrict)
    attempt = SmallInt()
    stripe_payment_intent = Varchar(length=255, null=True, default=None)  # unique once known
    # The card's payment method: creating the intent again with it replays the first create
    # (Stripe's idempotency), which finds an intent a crash kept us from recording.
    stripe_payment_method = Varchar(length=255, null=True, default=None)
    amount_cents = Integer()
    currency = Varchar(length=3)
    status = Varchar(length=24)  # payments.rules.PaymentStatus
    failure_message = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    succeeded_at = Timestamptz(null=True, default=None)


class Refund(Table):
    """Money going back to a resident. Rows are never deleted and their amounts never change;
    the status follows Stripe's answer. Pending and succeeded refunds count against what was paid."""

    booking = ForeignKey(Booking, null=False, on_delete=OnDelete.restrict)
    payment = ForeignKey(Payment, null=False, on_delete=OnDelete.restrict)
    amount_cents = Integer()
    status = Varchar(length=16)  # pending | succeeded | failed
    reason = Text()
    requested_by = Varchar(length=16)  # resident | provider | admin | system
    requested_by_account = ForeignKey(UserAccount, null=True, on_delete=OnDelete.set_null, default=None)
    stripe_refund = Varchar(length=255, null=True, default=None)
    failure_message = Text(default="")
    created_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)


class StripeEvent(Table, tablename="stripe_event"):
    """Webhook events already handled (Stripe delivers at least once)."""

    event_id = Varchar(length=255)  # unique index in the migration
    event_type = Varchar(length=100)
    received_at = Timestamptz()
