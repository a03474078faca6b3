"""The provider's dashboard: the state of their business on Cityloop."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from app.accounts.identity import CurrentUser, Role
from app.catalog.queries import provider_owned_by
from app.web.exceptions import PageMissing
from app.web.guards import requires_role
from app.web.htmx import render


@get("/dashboard", name="dashboard", guards=[requires_role(Role.provider)])
async def dashboard(request: Request) -> Template:
    user: CurrentUser = request.scope["user"]
    provider = await provider_owned_by(user.id)
    if provider is None:
        raise PageMissing("This account has no business profile yet.")
    return render(request, "dashboard/home.html", {"provider": provider})


ROUTES = [dashboard]
