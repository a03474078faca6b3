from datetime import UTC, datetime, timedelta

import pytest

from app.booking.policy import STANDARD_POLICY
from app.booking.state import Action, IllegalTransition, Status, allowed_from, next_status

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "action", "result"),
    [
        (Status.held, Action.pay, Status.confirmed),
        (Status.held, Action.expire, Status.expired),
        (Status.held, Action.release, Status.expired),
        (Status.confirmed, Action.redeem, Status.redeemed),
        (Status.confirmed, Action.cancel, Status.cancelled),
        (Status.confirmed, Action.mark_no_show, Status.no_show),
        (Status.confirmed, Action.reschedule, Status.confirmed),
        (Status.expired, Action.pay_late, Status.confirmed),
        (Status.redeemed, Action.undo_redeem, Status.confirmed),
    ],
)
def test_the_transition_table(status, action, result):
    assert next_status(status, action) is result


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (Status.expired, Action.pay, "can no longer be paid"),
        (Status.held, Action.cancel, "Only a confirmed booking can be cancelled."),
        (Status.redeemed, Action.cancel, "Only a confirmed booking can be cancelled."),
        (Status.cancelled, Action.redeem, "Only a confirmed booking can be redeemed."),
        (Status.confirmed, Action.release, "Only a time that is still being held"),
        (Status.no_show, Action.reschedule, "Only a confirmed booking can be moved"),
        (Status.cancelled, Action.pay_late, "Only an ended hold"),
        (Status.confirmed, Action.undo_redeem, "Only a redeemed booking"),
        (Status.redeemed, Action.redeem, "Only a confirmed booking can be redeemed."),
    ],
)
def test_illegal_transitions_are_refused_with_a_reason(status, action, message):
    with pytest.raises(IllegalTransition, match=message):
        next_status(status, action)


def test_every_action_knows_which_statuses_it_applies_to():
    assert allowed_from(Action.cancel) == [Status.confirmed]
    assert allowed_from(Action.pay) == [Status.held]
    assert Status.held.is_live and Status.redeemed.is_live and not Status.expired.is_live
    assert Status.no_show.label == "Missed"


@pytest.mark.parametrize(
    ("before_start", "percent"),
    [
        (timedelta(days=3), 100),
        (timedelta(hours=24), 100),
        (timedelta(hours=23, minutes=59), 50),
        (timedelta(0), 0),
    ],
)
def test_refunds_follow_the_cancellation_policy(before_start, percent):
    assert STANDARD_POLICY.refund_percent(START, START - before_start) == percent
    assert STANDARD_POLICY.refund_percent(START, START + timedelta(minutes=5)) == 0


def test_moving_a_booking_is_allowed_while_cancelling_is_free():
    assert STANDARD_POLICY.may_reschedule(START, START - timedelta(hours=25))
    assert not STANDARD_POLICY.may_reschedule(START, START - timedelta(hours=2))
    assert STANDARD_POLICY.free_until(START) == START - timedelta(hours=24)
