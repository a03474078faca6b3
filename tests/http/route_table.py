"""The app's own route table, for suites that must cover every route (new ones included)."""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute

STATIC_PREFIXES = ("/static/", "/vendor/", "/media/")


def http_routes(app: Litestar, method: str) -> list[HTTPRoute]:
    """Every route answering ``method``, static file mounts aside."""
    return [
        route
        for route in app.routes
        if isinstance(route, HTTPRoute)
        and method in route.methods
        and not route.path.startswith(STATIC_PREFIXES)
    ]


def route_path(route: HTTPRoute, values: dict[str, object] | None = None) -> str:
    """A URL for ``route``: path parameters from ``values``, else ``1`` for ids and ``x`` for words."""
    values = values or {}
    filled = {
        name: values.get(name, 1 if parameter.type is int else "x")
        for name, parameter in route.path_parameters.items()
    }
    return route.path_format.format(**filled)
