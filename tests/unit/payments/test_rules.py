import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.booking.state import Status
from app.payments.rules import (
    PaymentStatus,
    RefundRefused,
    Settlement,
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
