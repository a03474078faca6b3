"""Server-side sessions in the database, safe against fixation.

Litestar's built-in server-side backend adopts whatever session id a client sends and keeps it
across sign-in; this middleware never adopts an unknown id, issues a fresh one at sign-in,
sign-out and password change, writes only when something changed, and loads the signed-in
user in the same query.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts import services
from app.accounts.identity import CurrentUser
from app.accounts.queries import LoadedSession, session_load
from app.settings import Settings
from app.shared.clock import Clock
from app.web.route_options import CACHEABLE, SKIP_SESSION

logger = logging.getLogger("cityloop.sessions")

NO_STORE = "no-store"
# Keys that survive sign-in and sign-out into the new session (the rest belongs to the old one).
_CARRIED_KEYS = ("_flash",)
# How stale ``last_seen_at`` may get before a request slides the expiry forward (saves a write per request).
_REFRESH_AFTER = timedelta(hours=1)
# Sessions nobody is signed in to only carry a message to the next page.
ANONYMOUS_LIFETIME = timedelta(days=1)
_STATE_KEY = "cityloop.session"


@dataclass
class SessionState:
    token: str | None  # the cookie's token when it names a live session
    loaded: LoadedSession | None
    data: dict
    snapshot: str
    stale_cookie: bool
    action: str | None = None  # "login" or "logout"
    login_user_id: int | None = None

    def carried_data(self) -> dict:
        return {key: self.data[key] for key in _CARRIED_KEYS if self.data.get(key)}


def cookie_name(settings: Settings) -> str:
    # The __Host- prefix pins the cookie to our exact origin over https.
    return "__Host-session" if settings.is_production else "cityloop_session"


def sign_in(connection: ASGIConnection, user: CurrentUser) -> None:
    """Attach ``user`` to a brand-new session id when the response goes out."""
    state: SessionState = connection.scope[_STATE_KEY]
    state.action, state.login_user_id = "login", user.id


def sign_out(connection: ASGIConnection) -> None:
    state: SessionState = connection.scope[_STATE_KEY]
    state.action, state.login_user_id = "logout", None


async def cache_policy(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: nothing is stored by a browser or proxy unless its route opts in.

    Pages carry the visitor's CSRF token and, once signed in, their name, bookings and secrets
    (the calendar feed address, redemption codes), so ``no-store`` is the default for every
    response. A route marked ``CACHEABLE`` (files identical for everyone) keeps the Cache-Control
    it sets itself, unless the response sets a cookie or answers someone with a session.
    """
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    handler = scope.get("route_handler")
    state: SessionState | None = scope.get(_STATE_KEY)
    shareable = (
        handler is not None
        and handler.opt.get(CACHEABLE)
        and "cache-control" in headers
        and "set-cookie" not in headers
        and (state is None or state.loaded is None)
    )
    if not shareable:
        headers["cache-control"] = NO_STORE


class SessionMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.cookie_name = cookie_name(settings)
        self.secure = settings.is_production
        self.lifetime = timedelta(days=settings.session_days)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if scope["type"] != "http" or (handler is not None and handler.opt.get(SKIP_SESSION)):
            await self.app(scope, receive, send)
            return
        token = ASGIConnection(scope).cookies.get(self.cookie_name)
        loaded = (
            await session_load(services.session_token_hash(token), now=self.clock.now()) if token else None
        )
        data = dict(loaded.data) if loaded else {}
        state = SessionState(
            token=token if loaded else None,
            loaded=loaded,
            data=data,
            snapshot=json.dumps(data, sort_keys=True),
            stale_cookie=bool(token) and not loaded,
        )
        scope[_STATE_KEY] = state
        scope["session"] = state.data
        scope["user"] = loaded.user if loaded else None

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                try:
                    cookie = await self._persist(state)
                except Exception:
                    # The response is already on its way; losing a flash message or a sliding
                    # expiry is better than replacing the page with a bare error.
                    logger.exception("could not save the session")
                    cookie = None
                if cookie is not None:
                    MutableScopeHeaders.from_message(message).add("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_session)

    async def _persist(self, state: SessionState) -> str | None:
        """Write what changed; return a Set-Cookie value when the browser's cookie must change."""
        now = self.clock.now()
        loaded = state.loaded
        if state.action is not None:
            if loaded is not None:
                await services.session_delete(loaded.token_hash)
            carried = state.carried_data()
            if state.action == "logout" and not carried:
                return self._expired_cookie()
            lifetime = self.lifetime if state.login_user_id else ANONYMOUS_LIFETIME
            token = await services.session_create(
                account_id=state.login_user_id, data=carried, now=now, lifetime=lifetime
            )
            return self._cookie(token, lifetime)
        changed = json.dumps(state.data, sort_keys=True) != state.snapshot
        if loaded is not None and state.token is not None:
            refresh_due = now - loaded.last_seen_at >= _REFRESH_AFTER
            lifetime = self.lifetime if loaded.user else ANONYMOUS_LIFETIME
            if changed or refresh_due:
                await services.session_save(
                    token_hash=loaded.token_hash, data=state.data, now=now, lifetime=lifetime
                )
            # Sliding expiry: the browser's copy of the cookie must live as long as the row.
            return self._cookie(state.token, lifetime) if refresh_due else None
        if state.data:
            token = await services.session_create(
                account_id=None, data=state.data, now=now, lifetime=ANONYMOUS_LIFETIME
            )
            return self._cookie(token, ANONYMOUS_LIFETIME)
        return self._expired_cookie() if state.stale_cookie else None

    def _cookie(self, token: str, lifetime: timedelta) -> str:
        return Cookie(
            key=self.cookie_name,
            value=token,
            max_age=int(lifetime.total_seconds()),
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        ).to_header(header="")

    def _expired_cookie(self) -> str:
        return Cookie(
            key=self.cookie_name,
            value="",
            max_age=0,
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        ).to_header(header="")
