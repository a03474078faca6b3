"""The booking life cycle: one transition table, used by every service that changes a status.

held ──pay──▶ confirmed ──redeem──▶ redeemed ──undo (within minutes)──▶ confirmed
 │             ├─cancel (resident or provider)──▶ cancelled
 │             └─no-show (after the slot ended)──▶ no_show
 └─expire / release ─▶ expired ──pay late (if the seat is still free)──▶ confirmed
"""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    held = "held"
    confirmed = "confirmed"
    redeemed = "redeemed"
    cancelled = "cancelled"
    no_show = "no_show"
    expired = "expired"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_live(self) -> bool:
        """Occupies a seat of its slot."""
        return self in LIVE


class Action(str, Enum):
    pay = "pay"
    pay_late = "pay_late"  # the payment arrived after the hold had ended
    expire = "expire"
    release = "release"  # the resident lets a hold go before it lapses
    redeem = "redeem"
    undo_redeem = "undo_redeem"
    cancel = "cancel"
    mark_no_show = "mark_no_show"
    reschedule = "reschedule"


_LABELS = {
    Status.held: "Held, waiting for payment",
    Status.confirmed: "Confirmed",
    Status.redeemed: "Done",
    Status.cancelled: "Cancelled",
    Status.no_show: "Missed",
    Status.expired: "Expired",
}
LIVE = frozenset({Status.held, Status.confirmed, Status.redeemed})
# LIVE in SQL, written exactly as in the live-seat index's condition: SQLite uses a partial index
# only for queries that repeat its condition (bound values don't count).
LIVE_STATUSES_SQL = "'held', 'confirmed', 'redeemed'"
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.held, Action.pay): Status.confirmed,
    (Status.held, Action.expire): Status.expired,
    (Status.held, Action.release): Status.expired,
    (Status.expired, Action.pay_late): Status.confirmed,
    (Status.confirmed, Action.redeem): Status.redeemed,
    (Status.redeemed, Action.undo_redeem): Status.confirmed,
    (Status.confirmed, Action.cancel): Status.cancelled,
    (Status.confirmed, Action.mark_no_show): Status.no_show,
    (Status.confirmed, Action.reschedule): Status.confirmed,
}
_REFUSALS = {
    Action.pay: "This booking can no longer be paid: its hold has ended.",
    Action.expire: "Only a hold can expire.",
    Action.release: "Only a time that is still being held can be released.",
    Action.pay_late: "Only an ended hold can be confirmed by a late payment.",
    Action.redeem: "Only a confirmed booking can be redeemed.",
    Action.undo_redeem: "Only a redeemed booking can be set back to confirmed.",
    Action.cancel: "Only a confirmed booking can be cancelled.",
    Action.mark_no_show: "Only a confirmed booking can be marked as missed.",
    Action.reschedule: "Only a confirmed booking can be moved to another time.",
}


class IllegalTransition(ValueError):
    """The action does not apply to a booking in this status; the message says so for people."""


def next_status(current: Status, action: Action) -> Status:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition(_REFUSALS[action]) from None


def refusal(action: Action) -> str:
    """Why ``action`` was refused (also when a simultaneous change got there first)."""
    return _REFUSALS[action]


def allowed_from(action: Action) -> list[Status]:
    """The statuses ``action`` applies to: the WHERE of the compare-and-set that performs it."""
    return [status for (status, candidate) in TRANSITIONS if candidate is action]
