"""Route guards: who may reach a handler. Anonymous visitors are sent to sign in (see errors.py)."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from app.accounts.identity import CurrentUser, Role
from app.web.exceptions import Refused

NOT_YOUR_AREA = "This part of Cityloop is for {who}. You're signed in as {role}."
_AUDIENCE = {Role.provider: "providers", Role.admin: "administrators", Role.resident: "residents"}


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get("user")


def signed_in_user(connection: ASGIConnection) -> CurrentUser:
    """The signed-in person; anonymous visitors are sent to sign in."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("Log in to continue.")
    return user


# Guards are coroutines: Litestar runs a plain function guard in a worker thread, on every request.
async def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    signed_in_user(connection)


def requires_role(*roles: Role):
    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        user = signed_in_user(connection)
        if user.role not in roles:
            raise Refused(
                NOT_YOUR_AREA.format(
                    who=" and ".join(_AUDIENCE[r] for r in roles), role=f"a {user.role.value}"
                )
            )

    guard.__name__ = f"requires_{'_or_'.join(r.value for r in roles)}"
    return guard
