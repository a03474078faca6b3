"""What an administrator did to a provider or an account, and how each decision reads in the log.

Plain Python: the words for each logged action live here once.
"""

from __future__ import annotations

from enum import Enum


class Subject(str, Enum):
    """What an AdminAction row is about (``subject_kind``)."""

    provider = "provider"
    account = "account"


class ActionKind(str, Enum):
    verify = "verify"
    suspend = "suspend"  # a provider suspended with its upcoming bookings kept; or an account
    suspend_and_cancel = (
        "suspend_and_cancel"  # a provider suspended, upcoming bookings cancelled and refunded
    )
    reinstate = "reinstate"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]

    @property
    def suspends(self) -> bool:
        return self in (ActionKind.suspend, ActionKind.suspend_and_cancel)


SUSPENDING_ACTIONS = frozenset(kind.value for kind in ActionKind if kind.suspends)
_ACTION_LABELS = {
    ActionKind.verify: "Verified",
    ActionKind.suspend: "Suspended",
    ActionKind.suspend_and_cancel: "Suspended; upcoming bookings cancelled and refunded",
    ActionKind.reinstate: "Reinstated",
}


def action_label(value: str) -> str:
    """The log's wording for a stored action (an unknown value is shown as stored)."""
    try:
        return ActionKind(value).label
    except ValueError:
        return value
