"""Numbers, ids and days read from a request (path, query, form), each within the range it can take.

A value nobody could have meant (an id the database can't hold, the year 9999) is refused here,
before it reaches a query or date arithmetic, where it would raise instead of answering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from litestar.params import PathParameter

# Ids are PostgreSQL ``integer`` columns (SQLite's are wider): a larger one names nothing, and
# asyncpg refuses to send it (DataError), as SQLite does beyond 2**63 (OverflowError).
MAX_ID = 2**31 - 1
# Longer digit strings are refused unread: Python won't convert more than 4300 digits anyway.
_MAX_DIGITS = len(str(MAX_ID))
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# A record id in a URL path: out of range, Litestar answers with its 400 page before the handler runs.
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


def whole_number(text: object, *, least: int = 0, most: int = MAX_ID) -> int | None:
    """``text`` as a whole number from ``least`` to ``most``, written in ASCII digits; else None.

    Only ASCII: ``"²".isdigit()`` is true but ``int("²")`` raises, and ``int("٣")`` is 3.
    """
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if least <= number <= most else None


def id_from(text: object) -> int | None:
    """A record id (1 to MAX_ID) written in ASCII digits; anything else is None."""
    return whole_number(text, least=1)


def day_from(text: object) -> date | None:
    """An ISO day like 2026-12-24, else None (whatever the year, so check it against a window)."""
    if not isinstance(text, str) or not _ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class DayWindow:
    """The days a page or form deals with, from ``first`` to ``last`` inclusive."""

    first: date
    last: date

    @classmethod
    def around(cls, today: date, *, back: timedelta, ahead: timedelta) -> DayWindow:
        return cls(today - back, today + ahead)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def nearest(self, day: date) -> date:
        """``day`` itself when it is in the window, else the window's end closest to it."""
        return min(max(day, self.first), self.last)


def safe_next_path(candidate: str | None) -> str | None:
    """``candidate`` if it is a path on this site, else None (no open redirects to other hosts)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in candidate):
        return None
    return candidate
