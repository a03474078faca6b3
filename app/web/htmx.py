"""One URL serves the full page or, for htmx requests that swap part of a page, just the fragment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.response import Redirect, Template

from app.web.flash import flash


def wants_fragment(request: Request) -> bool:
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-request-type") != "full"
        and headers.get("hx-boosted") is None
        and headers.get("hx-history-restore-request") is None
    )


def fragment_response(html: str, *, headers: dict[str, str] | None = None) -> Response:
    """An already rendered fragment as an htmx swap's answer."""
    return Response(html, media_type=MediaType.HTML, headers={"vary": "HX-Request", **(headers or {})})


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


async def swap_or_redirect(
    request: Request,
    fragment: Callable[[], Awaitable[Response]],
    *,
    to: str,
    notice: str | None = None,
) -> Response:
    """After a change: an htmx swap gets ``fragment()``; a plain form's post gets ``notice`` shown
    on the next page and a 303 to ``to``, so reloading that page doesn't post again."""
    if wants_fragment(request):
        return await fragment()
    if notice:
        flash(request, notice)
    return Redirect(to, status_code=303)
