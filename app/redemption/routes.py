"""The provider's "Redeem" page: check a customer's code, redeem it, undo a mistaken redemption."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.catalog.pages import BusinessDep
from app.catalog.queries import Business
from app.redemption import services as redemption
from app.redemption.forms import RedeemForm
from app.shared.errors import DomainError, TooManyAttemptsError
from app.web.context import ClockDep, SettingsDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render
from app.web.route_options import PRIVATE


class RedeemController(Controller):
    path = "/dashboard"
    guards = [requires_role(Role.provider)]

    def _page(self, request, business, form, found=None, status_code: int = 200, headers=None) -> Template:
        return render(
            request,
            "dashboard/redeem.html",
            {"business": business, "form": form, "found": found},
            status_code=status_code,
            headers={**PRIVATE, **(headers or {})},
        )

    @get("/redeem", name="dashboard_redeem")
    async def redeem_page(
        self,
        request: Request,
        business: BusinessDep,
        code: Annotated[str | None, QueryParameter(name="code")] = None,
    ) -> Template:
        # A QR scanned with the phone's own camera opens this page with the code filled in.
        return self._page(request, business, RedeemForm(data={"code": (code or "")[:300]}))

    async def _attempt(self, request: Request, business: Business, settings, clock, action) -> Response:
        form = await bind_form(RedeemForm, request)
        if not form.validate():
            return self._page(request, business, form, status_code=422)
        try:
            found = await action(
                provider_id=business.id,
                account_id=request.scope["user"].id,
                typed=form.code.data,
                now=clock.now(),
                zone=settings.city.zone,
                locale=settings.city.locale,
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status_code if error.status_code in (404, 409, 429) else 422
            headers = (
                {"retry-after": str(error.retry_after_seconds)}
                if isinstance(error, TooManyAttemptsError)
                else None
            )
            return self._page(request, business, form, status_code=status, headers=headers)
        return self._page(request, business, form, found=found) if action is redemption.code_lookup else found

    @post("/redeem")
    async def check_code(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Response:
        """Step one: show whose booking the code is, so the provider confirms the right visit."""
        return await self._attempt(request, business, settings, clock, redemption.code_lookup)

    @post("/redeem/confirm")
    async def confirm(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Response:
        result = await self._attempt(request, business, settings, clock, redemption.booking_redeem)
        if not isinstance(result, redemption.Redeemable):
            return result
        flash(request, f"Redeemed: {result.service} for {result.customer}. The payment is released to you.")
        return Redirect(f"/dashboard/bookings/{result.public_id}", status_code=303)

    @post("/bookings/{public_id:str}/undo-redeem")
    async def undo(
        self, request: Request, business: BusinessDep, public_id: FromPath[str], clock: ClockDep
    ) -> Redirect:
        try:
            await redemption.booking_redeem_undo(
                provider_id=business.id,
                account_id=request.scope["user"].id,
                public_id=public_id,
                now=clock.now(),
            )
        except DomainError as error:
            if error.status_code == 404:
                raise PageMissing(error.message) from error
            flash(request, error.message, "error")
        else:
            flash(request, "The redemption is undone: the booking is confirmed again and its code works.")
        return Redirect(f"/dashboard/bookings/{public_id}", status_code=303)


ROUTES = [RedeemController]
