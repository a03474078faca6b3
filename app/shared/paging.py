"""Lenient readers for query parameters people edit by hand: a bad value means the default, never an error."""

from __future__ import annotations

MAX_PAGE = 10_000


def page_number(raw: str | None) -> int:
    try:
        page = int(raw or 1)
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)
