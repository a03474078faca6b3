"""Rendered fragments that every visitor sees alike, kept until the database changes.

The results list and a day's free times are the same for everyone who asks for the same URL, and
they are asked for far more often than anything they show changes. A worker keeps what it
rendered together with the database's change marker (see ``database.change_marker``): any commit,
from any worker, makes every entry stale. Entries also expire after a few seconds, because what
is free depends on the time as well as on the data (a time stops being bookable when its notice
runs out). Where the database offers no change marker, nothing is kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar import Request

from app import database

MAX_AGE = timedelta(seconds=15)
MAX_ENTRIES = 2000


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    context: dict[str, Any]  # what the surrounding page (or the view counter) still needs


class FragmentCache:
    def __init__(self, *, max_age: timedelta = MAX_AGE, max_entries: int = MAX_ENTRIES) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[object, datetime, Rendered]] = OrderedDict()

    async def get_or_render(
        self, key: str, render: Callable[[], Awaitable[Rendered]], *, now: datetime
    ) -> Rendered:
        """The entry for ``key`` if nothing was committed since it was rendered and it was rendered
        less than the maximum age before ``now`` (the site's clock); else ``render()``'s, kept."""
        marker = await database.change_marker()
        if marker is None:
            return await render()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == marker and entry[1] <= now < entry[1] + self.max_age:
            self._entries.move_to_end(key)
            return entry[2]
        rendered = await render()
        # Stored under the marker read before the queries: a commit during them makes it stale.
        self._entries[key] = (marker, now, rendered)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return rendered


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> str:
    """A template rendered to text now (it must not need the request, the session or a CSRF token)."""
    return request.app.template_engine.get_template(template).render(**context)


async def shared_fragment(
    request: Request, render: Callable[[], Awaitable[Rendered]], *, now: datetime, key: str | None = None
) -> Rendered:
    """What every visitor of this URL gets alike, reused until the database changes; ``key``
    names what the rendering depends on when that is less than the whole path and query."""
    key = key if key is not None else f"{request.url.path}?{request.url.query}"
    return await request.app.state.fragments.get_or_render(key, render, now=now)
