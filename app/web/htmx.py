"""One URL serves the full page or, for htmx requests that swap part of a page, just the fragment."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template


def wants_fragment(request: Request) -> bool:
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-request-type") != "full"
        and headers.get("hx-boosted") is None
        and headers.get("hx-history-restore-request") is None
    )


def render(
    request: Request,
    page: str,
    context: dict[str, Any],
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    """``page`` for normal requests; ``fragment`` (the same markup the page includes) for htmx swaps."""
    all_headers = dict(headers or {})
    if fragment is not None:
        all_headers["vary"] = "HX-Request"
    name = fragment if fragment is not None and wants_fragment(request) else page
    return Template(template_name=name, context=context, status_code=status_code, headers=all_headers)
