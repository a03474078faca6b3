"""Catalogue rules that need no database: where a service happens and what a card shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from app.shared.text import fold


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


def lowest_price(prices: Iterable[Price]) -> Price | None:
    """The cheapest online price a provider offers ("from €X"), with its in-store price."""
    return min(prices, key=lambda p: (p.online_cents, -p.list_cents), default=None)


def search_document(*parts: str) -> str:
    """The folded text a provider is found by: its name, services, categories and neighbourhood."""
    return " ".join(fold(part) for part in parts if part)
