"""Security headers on every response, and a same-origin check on every state-changing request."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE_REFUSED = "This form was sent from another website, so it was refused."


def content_security_policy() -> str:
    # No inline script or style anywhere: behaviour lives in static/js, styles in static/css.
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings):
    """A ``before_send`` hook: it sees every response, including error pages and static files."""
    static_headers = {
        "content-security-policy": content_security_policy(),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(self), geolocation=(), microphone=(), payment=(self)",
    }
    hsts = "max-age=63072000; includeSubDomains"

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in static_headers.items():
            headers[name] = value
        if scope.get("scheme") == "https":
            headers["strict-transport-security"] = hsts

    return add_security_headers


class SameOriginMiddleware:
    """Refuse unsafe requests that a browser says came from another site.

    Litestar's CSRF token is not bound to the session, so this adds a second, independent check
    based on the Sec-Fetch-Site and Origin headers browsers send.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            handler = scope.get("route_handler")
            if not (handler is not None and handler.opt.get("exclude_from_csrf")):
                _check_same_origin(ASGIConnection(scope))
        await self.app(scope, receive, send)


def _check_same_origin(connection: ASGIConnection) -> None:
    headers = connection.headers
    if headers.get("sec-fetch-site") == "cross-site":
        raise PermissionDeniedException(CROSS_SITE_REFUSED)
    origin = headers.get("origin")
    if origin is None:
        return
    own_origin = f"{connection.url.scheme}://{headers.get('host', '')}"
    if origin != own_origin:
        raise PermissionDeniedException(CROSS_SITE_REFUSED)
