"""Every error becomes a page written for people: the full page, or a fragment for htmx swaps."""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import urlencode, urlsplit

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState

from app.shared.errors import DomainError, TooManyAttemptsError
from app.web.exceptions import PageMissing, Refused
from app.web.htmx import wants_fragment
from app.web.params import safe_next_path
from app.web.requests import BodyUnreadable
from app.web.security import LITESTAR_CSRF_FAILURE

logger = logging.getLogger("cityloop.errors")

TITLES = {
    400: "That request didn't look right",
    401: "Please log in",
    403: "You can't do that here",
    404: "We couldn't find that page",
    405: "That action isn't available here",
    409: "That has changed in the meantime",
    413: "That upload is too large",
    422: "Some details need fixing",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Cityloop is busy right now",
}
CSRF_REFUSED = "This form has expired or didn't come from this page. Go back, reload the page and try again."
MESSAGES = {
    400: "Part of that request couldn't be read. Go back and try again.",
    401: "Log in to see this page.",
    403: "You don't have access to this page.",
    404: "The page may have moved, or the address may be mistyped.",
    405: "Go back and use the buttons on the page.",
    413: "Files must be smaller than the limit shown next to the upload field.",
    422: "Go back, check what you entered and try again.",
    429: "Please wait a few minutes and try again.",
    500: "We've logged the problem. Please try again in a moment.",
    503: "Please try again in a few seconds.",
}


def _error_response(request: Request, status: int, message: str | None = None, headers=None) -> Response:
    template = "errors/_error.html" if wants_fragment(request) else "errors/error.html"
    return Template(
        template_name=template,
        context={
            "status": status,
            "title": TITLES.get(status, TITLES[400] if status < 500 else TITLES[500]),
            "message": message or MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500]),
        },
        status_code=status,
        headers=headers,
    )


def _prepare_scope(request: Request) -> None:
    """Give the error page the CSRF token its forms need when the CSRF middleware did not set one."""
    scope_state = ScopeState.from_scope(request.scope)
    if not isinstance(scope_state.csrf_token, str):
        scope_state.csrf_token = request.cookies.get(request.app.csrf_config.cookie_name, "")


def _message_for(exc: HTTPException) -> str | None:
    """The text to show: ours when we wrote one for people, else the generic text of the status."""
    if isinstance(exc, (Refused, PageMissing, BodyUnreadable)):
        return exc.detail
    if exc.detail == LITESTAR_CSRF_FAILURE:
        return CSRF_REFUSED
    return None


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    if exc.status_code >= 500:
        logger.error("%s on %s %s", exc.status_code, request.method, request.url.path, exc_info=exc)
    _prepare_scope(request)
    return _error_response(request, exc.status_code, _message_for(exc), headers=exc.headers)


def not_authorized_handler(request: Request, exc: NotAuthorizedException) -> Response:
    """Send anonymous visitors to sign in, and back to where they were going afterwards."""
    if wants_fragment(request):
        try:
            current = urlsplit(request.headers.get("hx-current-url", "/"))
            back_to = safe_next_path(current.path + (f"?{current.query}" if current.query else "")) or "/"
        except ValueError:  # a malformed header: send them to log in and then home
            back_to = "/"
        return Response(
            content="",
            status_code=401,
            headers={"hx-redirect": f"/login?{urlencode({'next': back_to})}"},
        )
    if request.method == "GET":
        back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?{urlencode({'next': back_to})}", status_code=303)
    _prepare_scope(request)
    return _error_response(request, 401)


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    _prepare_scope(request)
    headers = {"retry-after": str(exc.retry_after_seconds)} if isinstance(exc, TooManyAttemptsError) else None
    return _error_response(request, exc.status_code, exc.message, headers=headers)


def _is_database_unavailable(exc: Exception) -> bool:
    """Busy or unreachable (not a bug in a query): worth a 503 with Retry-After, not a 500."""
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "unable to open" in str(exc)
    return isinstance(
        exc,
        (
            OSError,  # connection refused or reset
            TimeoutError,
            asyncpg.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.exceptions.TooManyConnectionsError,
            asyncpg.exceptions.CannotConnectNowError,
        ),
    )


def server_error_handler(request: Request, exc: Exception) -> Response:
    if _is_database_unavailable(exc):
        logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        _prepare_scope(request)
        return _error_response(request, 503, headers={"retry-after": "2"})
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    _prepare_scope(request)
    return _error_response(request, 500)


EXCEPTION_HANDLERS = {
    NotAuthorizedException: not_authorized_handler,
    HTTPException: http_exception_handler,
    DomainError: domain_error_handler,
    Exception: server_error_handler,
}
