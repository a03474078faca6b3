"""Catalogue rules that need no database: where a service happens, what a card shows, standing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ServiceLocation(str, Enum):
    customer_address = "customer_address"
    provider_premises = "provider_premises"


@dataclass(frozen=True, slots=True)
class Price:
    online_cents: int
    list_cents: int

    @property
    def saving_cents(self) -> int:
        return max(self.list_cents - self.online_cents, 0)


PRICE_NOT_POSITIVE = "The online price must be more than zero."
PRICE_ABOVE_LIST = "The online price can't be higher than the in-store price."


def price_problem(online_cents: int, list_cents: int) -> tuple[str, str] | None:
    """(field, message) when the prices break the rules, else None."""
    if online_cents <= 0:
        return "online_price", PRICE_NOT_POSITIVE
    if online_cents > list_cents:
        return "online_price", PRICE_ABOVE_LIST
    return None


HOME_VISIT_ONE_AT_A_TIME = (
    "A visit at the customer's home takes one team member for one customer. To take more visits "
    "at the same time, add people to your team."
)


def capacity_problem(location: ServiceLocation, capacity: int) -> str | None:
    """Several customers at once only share a session at the provider's premises (a class)."""
    if location is ServiceLocation.customer_address and capacity != 1:
        return HOME_VISIT_ONE_AT_A_TIME
    return None


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


@dataclass(frozen=True, slots=True)
class ServiceDetails:
    category_id: int
    name: str
    description: str
    duration_minutes: int
    online_price_cents: int
    list_price_cents: int
    location: ServiceLocation
    capacity: int
    # Who performs it: team members' ids; None for the whole active team.
    member_ids: list[int] | None = None
