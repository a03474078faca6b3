"""Paging: which rows a page holds, and the page number read leniently from a query parameter
people edit by hand (a bad value means the first page, never an error)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

MAX_PAGE = 10_000

Row = TypeVar("Row")
Item = TypeVar("Item")


def page_number(raw: str | None) -> int:
    try:
        page = int(raw or 1)
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    items: list[Item]
    page: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class PageWindow:
    """Page ``number`` of ``size`` rows. A query asks for one row more than it shows: that row
    tells whether a next page exists, without counting every row."""

    number: int
    size: int

    @property
    def limit(self) -> int:
        return self.size + 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def shown(self, rows: Sequence[Row]) -> Sequence[Row]:
        return rows[: self.size]

    def has_next(self, rows: Sequence[Row]) -> bool:
        return len(rows) > self.size

    def page(self, rows: Sequence[Row], item: Callable[[Row], Item]) -> Page[Item]:
        return Page(
            items=[item(row) for row in self.shown(rows)], page=self.number, has_next=self.has_next(rows)
        )
