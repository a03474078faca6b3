from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.booking.state import Status
from app.payments.rules import (
    AUTHENTICATION_GRACE,
    REQUEST_GRACE,
    PaymentStatus,
    RefundRefused,
    Settlement,
    attempt_abandoned,
    attempt_busy,
    check_refund,
    ledger,
    may_change,
    settlement_for,
    status_from_intent,
)


def euros(cents: int) -> str:
    return f"€{cents / 100:.2f}"


@pytest.mark.parametrize(
    ("intent", "status"),
    [
        ("requires_confirmation", PaymentStatus.starting),
        ("requires_action", PaymentStatus.requires_action),
        ("processing", PaymentStatus.processing),
        ("succeeded", PaymentStatus.succeeded),
        ("requires_payment_method", PaymentStatus.failed),
        ("canceled", PaymentStatus.failed),
    ],
)
def test_stripe_states_map_to_payment_states(intent, status):
    assert status_from_intent(intent) is status


def test_finished_payments_never_change_again():
    assert may_change(PaymentStatus.starting, PaymentStatus.succeeded)
    assert may_change(PaymentStatus.requires_action, PaymentStatus.failed)
    assert not may_change(PaymentStatus.succeeded, PaymentStatus.failed)  # a stale event arriving late
    assert not may_change(PaymentStatus.failed, PaymentStatus.succeeded)
    assert not may_change(PaymentStatus.processing, PaymentStatus.processing)


NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def test_a_starting_attempt_is_its_requests_for_the_grace_then_given_up():
    started = NOW - REQUEST_GRACE
    assert attempt_busy(status=PaymentStatus.starting, updated_at=started + SECOND, now=NOW)
    assert not attempt_busy(status=PaymentStatus.starting, updated_at=started, now=NOW)
    for status in (PaymentStatus.requires_action, PaymentStatus.processing):
        assert not attempt_busy(status=status, updated_at=NOW, now=NOW)  # no request is on those
    hold_runs = NOW + timedelta(minutes=5)
    assert not attempt_abandoned(
        status=PaymentStatus.starting, updated_at=started + SECOND, held_until=hold_runs, now=NOW
    )
    assert attempt_abandoned(status=PaymentStatus.starting, updated_at=started, held_until=hold_runs, now=NOW)


def test_an_unanswered_bank_check_is_given_up_when_the_resident_pays_again_or_long_after_the_hold():
    def abandoned(held_until, **kwargs):
        return attempt_abandoned(
            status=PaymentStatus.requires_action, updated_at=NOW - timedelta(hours=1), held_until=held_until,
            now=NOW, **kwargs,
        )  # fmt: skip

    assert not abandoned(NOW + timedelta(minutes=5))
    assert not abandoned(NOW - AUTHENTICATION_GRACE + SECOND)  # a late answer may still confirm
    assert abandoned(NOW - AUTHENTICATION_GRACE)
    assert abandoned(NOW + timedelta(minutes=5), paying_again=True)


@pytest.mark.parametrize("status", [PaymentStatus.processing, PaymentStatus.succeeded, PaymentStatus.failed])
def test_processing_and_finished_payments_are_never_given_up(status):
    assert not attempt_abandoned(
        status=status, updated_at=NOW - timedelta(days=1), held_until=NOW - timedelta(days=1), now=NOW,
        paying_again=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("booking", "settlement"),
    [
        (Status.held, Settlement.confirm),
        (Status.expired, Settlement.confirm_late),
        (Status.confirmed, Settlement.refund),
        (Status.redeemed, Settlement.refund),
        (Status.cancelled, Settlement.refund),
    ],
)
def test_money_that_arrives_confirms_or_is_given_back(booking, settlement):
    assert settlement_for(booking) is settlement


def test_the_refund_guard():
    check_refund(amount_cents=6800, paid_cents=6800, refunded_cents=0, format_money=euros)
    with pytest.raises(RefundRefused, match=r"at most €18\.00"):
        check_refund(amount_cents=2000, paid_cents=6800, refunded_cents=5000, format_money=euros)
    with pytest.raises(RefundRefused, match="above zero"):
        check_refund(amount_cents=0, paid_cents=6800, refunded_cents=0, format_money=euros)
    with pytest.raises(RefundRefused, match="Nothing was paid"):
        check_refund(amount_cents=100, paid_cents=0, refunded_cents=0, format_money=euros)


@given(
    paid=st.integers(min_value=0, max_value=10_000_000),
    refunded_share=st.floats(min_value=0, max_value=1),
    basis_points=st.integers(min_value=0, max_value=10_000),
)
def test_the_ledger_always_adds_up(paid, refunded_share, basis_points):
    refunded = int(paid * refunded_share)
    entry = ledger(
        paid_cents=paid, refunded_cents=refunded, commission_basis_points=basis_points, released=False
    )
    assert entry.commission_cents + entry.earning_cents == paid - refunded == entry.kept_cents
    assert 0 <= entry.commission_cents <= entry.kept_cents


def test_commission_rounds_half_up_on_cents():
    entry = ledger(paid_cents=4505, refunded_cents=0, commission_basis_points=1000, released=True)
    assert (entry.commission_cents, entry.earning_cents) == (451, 4054)  # 450.5 -> 451
