"""Security headers on every response, and a same-origin check on every state-changing request."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings, StripeSettings
from app.web.exceptions import Refused

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE_REFUSED = "This form was sent from another website, so it was refused."
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "_csrf_token"
FORM_TYPES = frozenset({RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART})
# The message Litestar's CSRF middleware refuses with; errors.py words it for people.
LITESTAR_CSRF_FAILURE = "CSRF token verification failed"
# Stripe's 3-D Secure pages open in frames from here (https://docs.stripe.com/security/guide#content-security-policy).
STRIPE_FRAME_ORIGINS = ("https://hooks.stripe.com",)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(stripe: StripeSettings) -> str:
    # No inline script or style anywhere: behaviour lives in static/js, styles in static/css.
    # Stripe.js loads from its own origin, talks to Stripe's API and shows 3-D Secure in frames.
    stripe_js, stripe_api = _origin(stripe.js_url), _origin(stripe.api_base)
    frames = " ".join(dict.fromkeys([stripe_js, *STRIPE_FRAME_ORIGINS]))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {stripe_js}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self' {' '.join(dict.fromkeys([stripe_api, stripe_js]))}",
            f"frame-src {frames}",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings):
    """A ``before_send`` hook: it sees every response, including error pages and static files."""
    static_headers = {
        "content-security-policy": content_security_policy(settings.stripe),
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


class CrossSiteDefenceMiddleware:
    """Checks every state-changing request before Litestar's CSRF middleware sees it.

    1. Same origin: Litestar's CSRF token is not bound to the session, so browsers' Sec-Fetch-Site
       and Origin headers give a second, independent check. The site's own origin is PUBLIC_URL
       (a proxy may rewrite Host) or, failing that, the request's.
    2. Token shape: a token that is not plain ASCII text (or a file posted as the token) would
       make the CSRF comparison raise; it is refused here as a forgery instead.
    """

    def __init__(self, app: ASGIApp, *, settings: Settings, csrf_cookie: str) -> None:
        self.app = app
        parts = urlsplit(settings.public_url)
        self.public_origin = f"{parts.scheme}://{parts.netloc}"
        self.csrf_cookie = csrf_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            handler = scope.get("route_handler")
            if not (handler is not None and handler.opt.get("exclude_from_csrf")):
                request: Request = scope["litestar_app"].request_class(scope, receive)
                self._check_same_origin(request)
                await self._check_token_shape(request)
        await self.app(scope, receive, send)

    def _check_same_origin(self, request: Request) -> None:
        headers = request.headers
        if headers.get("sec-fetch-site") == "cross-site":
            raise Refused(CROSS_SITE_REFUSED)
        origin = headers.get("origin")
        if origin is None:
            return
        own_origin = f"{request.url.scheme}://{headers.get('host', '')}"
        if origin not in (self.public_origin, own_origin):
            raise Refused(CROSS_SITE_REFUSED)

    async def _check_token_shape(self, request: Request) -> None:
        candidates: list[object] = [request.cookies.get(self.csrf_cookie), request.headers.get(CSRF_HEADER)]
        if CSRF_HEADER not in request.headers and request.content_type[0] in FORM_TYPES:
            candidates.append((await request.form()).get(CSRF_FIELD))  # parsed once, cached for the handler
        for value in candidates:
            if value is not None and not (isinstance(value, str) and value.isascii() and value.isprintable()):
                raise PermissionDeniedException(LITESTAR_CSRF_FAILURE)
