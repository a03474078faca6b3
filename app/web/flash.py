"""One-time messages shown on the next page (post/redirect/get), kept in the session."""

from __future__ import annotations

from litestar.connection import ASGIConnection

_KEY = "_flash"


def flash(connection: ASGIConnection, message: str, category: str = "success") -> None:
    connection.session.setdefault(_KEY, []).append({"message": message, "category": category})


def pop_flashes(connection: ASGIConnection) -> list[dict]:
    if "session" not in connection.scope:
        return []
    return connection.session.pop(_KEY, [])
