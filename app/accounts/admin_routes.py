"""Administration of accounts: find one by email, suspend it (it is signed out everywhere), reinstate it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from app.accounts import services
from app.accounts.forms import AccountReinstateForm, AccountSuspendForm
from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.accounts.queries import account_email, accounts_find
from app.shared.errors import DomainError
from app.shared.paging import page_number
from app.web.context import ClockDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import bind_form
from app.web.htmx import render
from app.web.params import PathId
from app.web.route_options import PRIVATE

SEARCH_MAX = 254

EmailQuery = Annotated[str, QueryParameter(name="email")]
PageQuery = Annotated[str | None, QueryParameter(name="page")]


def _list_url(email: str, page: int) -> str:
    params = {key: value for key, value in (("email", email), ("page", page)) if value and value != 1}
    return "/admin/users" + (f"?{urlencode(params)}" if params else "")


class AccountAdminController(Controller):
    path = "/admin/users"
    guards = [requires_role(Role.admin)]

    async def _page(
        self,
        request: Request,
        email: str,
        page: str | None,
        *,
        errors: dict[int, str] | None = None,
        typed: dict[int, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        search, number = email.strip()[:SEARCH_MAX], page_number(page)
        return render(
            request,
            "admin/users.html",
            {
                "email": search,
                "listing": await accounts_find(search, page=number),
                "errors": errors or {},
                "typed": typed or {},
                "me": request.scope["user"].id,
                "list_url": _list_url,
                # Where a row's forms post (and return to): this very list, searched and paged alike.
                "back": urlencode({"email": search, "page": number}),
            },
            status_code=status_code,
            headers=PRIVATE,
        )

    @get("/", name="admin_users")
    async def users_page(self, request: Request, email: EmailQuery = "", page: PageQuery = None) -> Template:
        return await self._page(request, email, page)

    async def _email_of(self, account_id: int) -> str:
        address = await account_email(account_id)
        if address is None:
            raise PageMissing(services.NO_SUCH_ACCOUNT)
        return address

    async def _change(
        self,
        request: Request,
        account_id: int,
        now,
        email: str,
        page: str | None,
        *,
        form_class: type[AccountSuspendForm] | type[AccountReinstateForm],
        field: str,
        change,
        done: str,
    ) -> Response:
        """Suspend or reinstate: validate the one text field, apply the change, say how it went."""
        address = await self._email_of(account_id)
        form = await bind_form(form_class, request)
        typed = form[field].data or ""
        problem = " ".join(form[field].errors) if not form.validate() else ""
        status_code = 422
        if not problem:
            try:
                await change(account_id=account_id, admin_id=request.scope["user"].id, text=typed, now=now)
            except DomainError as error:
                problem, status_code = error.message, 409 if error.status_code == 409 else 422
            else:
                flash(request, done.format(email=address))
                return Redirect(_list_url(email, page_number(page)), status_code=303)
        return await self._page(
            request,
            email,
            page,
            errors={account_id: problem},
            typed={account_id: typed},
            status_code=status_code,
        )

    @post("/{account_id:int}/suspend")
    async def suspend(
        self,
        request: Request,
        account_id: PathId,
        clock: ClockDep,
        email: EmailQuery = "",
        page: PageQuery = None,
    ) -> Response:
        return await self._change(
            request,
            account_id,
            clock.now(),
            email,
            page,
            form_class=AccountSuspendForm,
            field="reason",
            change=lambda text, **kw: services.account_suspend(reason=text, **kw),
            done="{email} is suspended and signed out everywhere.",
        )

    @post("/{account_id:int}/reinstate")
    async def reinstate(
        self,
        request: Request,
        account_id: PathId,
        clock: ClockDep,
        email: EmailQuery = "",
        page: PageQuery = None,
    ) -> Response:
        return await self._change(
            request,
            account_id,
            clock.now(),
            email,
            page,
            form_class=AccountReinstateForm,
            field="note",
            change=lambda text, **kw: services.account_reinstate(note=text, **kw),
            done="{email} is reinstated and can log in again.",
        )


ROUTES = [AccountAdminController]
