"""What administrators decide about providers and accounts, and how each decision reads in a log.

Plain Python: the words for a provider's standing and for each logged action live here once.
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


class Standing(str, Enum):
    """Where a provider is: waiting for checks, listed, or hidden by an administrator."""

    unverified = "unverified"
    verified = "verified"
    suspended = "suspended"

    @property
    def label(self) -> str:
        return _STANDING_LABELS[self]

    @classmethod
    def of(cls, *, is_verified: bool, is_suspended: bool) -> Standing:
        if is_suspended:
            return cls.suspended
        return cls.verified if is_verified else cls.unverified


_STANDING_LABELS = {
    Standing.unverified: "Waiting for verification",
    Standing.verified: "Verified and listed",
    Standing.suspended: "Suspended",
}

# The admin list's filters, in the order of its links; "all" is every provider.
PROVIDER_FILTERS = ("unverified", "verified", "suspended", "all")
FILTER_LABELS = {"unverified": "Unverified", "verified": "Verified", "suspended": "Suspended", "all": "All"}


def provider_filter(raw: str | None) -> str:
    """``?status=`` as one of the filters; anything else means the work queue (unverified)."""
    return raw if raw in PROVIDER_FILTERS else "unverified"
