"""Catalogue rules that need no database: where a service happens and what a card shows."""

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
