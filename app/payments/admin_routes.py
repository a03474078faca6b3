"""Administration of money: bookings and their refunds, and the monthly payouts with CSV exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.booking import queries as booking_queries
from app.catalog.queries import provider_id_by_slug
from app.payments import payout_files
from app.payments import services as payment_services
from app.payments.forms import RefundForm
from app.payments.pages import PaymentsDep
from app.payments.queries import booking_money, month_bounds, months_before, payouts, released_between
from app.redemption import queries as redemption_queries
from app.shared.citytime import city_today
from app.shared.errors import DomainError
from app.shared.text import is_slug
from app.web.context import ClockDep, SettingsDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render
from app.web.params import whole_number
from app.web.route_options import PRIVATE

PAYOUT_MONTHS = 120  # the months of payouts one can look back on: ten years
MONTH_OUTSIDE = "Payouts can be shown from {first} to this month. Choose a month in between."


def _first_payout_month(today: date) -> date:
    return months_before(today.replace(day=1), PAYOUT_MONTHS)


def _month(raw: str | None, today: date) -> date:
    """?month=2026-11; the current month when it is missing or unreadable."""
    this_month = today.replace(day=1)
    year_text, _, month_text = (raw or "").partition("-")
    year, month = whole_number(year_text, least=1, most=9999), whole_number(month_text, least=1, most=12)
    if year is None or month is None:
        return this_month
    chosen, first = date(year, month, 1), _first_payout_month(today)
    if not first <= chosen <= this_month:
        raise DomainError(MONTH_OUTSIDE.format(first=f"{first:%B %Y}"))
    return chosen


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={**PRIVATE, "content-disposition": f'attachment; filename="{filename}"'},
    )


class MoneyAdminController(Controller):
    path = "/admin"
    guards = [requires_role(Role.admin)]

    # --- payouts ------------------------------------------------------------------------------

    @get("/payouts", name="admin_payouts")
    async def payouts_page(
        self,
        request: Request,
        settings: SettingsDep,
        clock: ClockDep,
        month: Annotated[str | None, QueryParameter(name="month")] = None,
    ) -> Template:
        today = city_today(clock.now(), settings.city.zone)
        chosen = _month(month, today)
        start, end = month_bounds(chosen, settings.city.zone)
        rows = await payouts(start, end)
        return render(
            request,
            "admin/payouts.html",
            {
                "month": chosen,
                "previous": months_before(chosen, 1) if chosen > _first_payout_month(today) else None,
                "next": months_before(chosen, -1) if chosen < today.replace(day=1) else None,
                "payouts": rows,
                "total": sum(row.totals.earning_cents for row in rows),
                "commission": sum(row.totals.commission_cents for row in rows),
            },
            headers=PRIVATE,
        )

    @get("/payouts.csv")
    async def payouts_csv(
        self,
        settings: SettingsDep,
        clock: ClockDep,
        month: Annotated[str | None, QueryParameter(name="month")] = None,
    ) -> Response:
        chosen = _month(month, city_today(clock.now(), settings.city.zone))
        rows = await payouts(*month_bounds(chosen, settings.city.zone))
        text = payout_files.payouts_csv(rows, currency=settings.city.currency)
        return _csv(text, f"cityloop-payouts-{chosen:%Y-%m}.csv")

    @get("/payouts/{file_name:str}")
    async def provider_csv(
        self,
        file_name: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
        month: Annotated[str | None, QueryParameter(name="month")] = None,
    ) -> Response:
        """/admin/payouts/<provider's web address>.csv: every booking behind one provider's payout."""
        slug = file_name.removesuffix(".csv")
        wanted = file_name.endswith(".csv") and is_slug(slug)
        provider_id = await provider_id_by_slug(slug) if wanted else None
        if provider_id is None:
            raise PageMissing("There is no provider at that web address.")
        city = settings.city
        chosen = _month(month, city_today(clock.now(), city.zone))
        lines = await released_between(*month_bounds(chosen, city.zone), provider_id=provider_id)
        text = payout_files.provider_payout_csv(
            lines, zone=city.zone, locale=city.locale, currency=city.currency
        )
        return _csv(text, f"cityloop-payout-{slug}-{chosen:%Y-%m}.csv")

    # --- bookings and refunds -----------------------------------------------------------------

    @get("/bookings", name="admin_bookings")
    async def bookings_page(
        self, request: Request, q: Annotated[str, QueryParameter(name="q")] = ""
    ) -> Template:
        query = q[:200]
        return render(
            request,
            "admin/bookings.html",
            {"q": query, "bookings": await booking_queries.find_bookings(query)},
            headers=PRIVATE,
        )

    async def _booking(self, public_id: str) -> booking_queries.BookingView:
        view = await booking_queries.booking_view(public_id) if is_slug(public_id) else None
        if view is None:
            raise PageMissing("There is no booking with that reference.")
        return view

    async def _booking_page(self, request: Request, view, form, status_code: int = 200) -> Template:
        return render(
            request,
            "admin/booking.html",
            {
                "booking": view,
                "money": await booking_money(view.id),
                "redemption": await redemption_queries.booking_redemption(view.id),
                "form": form,
            },
            status_code=status_code,
            headers=PRIVATE,
        )

    @get("/bookings/{public_id:str}", name="admin_booking")
    async def booking_page(self, request: Request, public_id: FromPath[str]) -> Template:
        return await self._booking_page(request, await self._booking(public_id), RefundForm())

    @post("/bookings/{public_id:str}/refunds")
    async def refund(
        self, request: Request, public_id: FromPath[str], clock: ClockDep, payments: PaymentsDep
    ) -> Response:
        view = await self._booking(public_id)
        form = await bind_form(RefundForm, request)
        if form.validate():
            try:
                await payment_services.refund_by_admin(
                    config=payments,
                    booking_id=view.id,
                    amount_cents=form.amount.cents,
                    reason=form.reason.data,
                    admin_id=request.scope["user"].id,
                    now=clock.now(),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                flash(request, f"Refund of {payments.money(form.amount.cents)} sent to {view.resident_name}.")
                return Redirect(f"/admin/bookings/{view.public_id}", status_code=303)
        return await self._booking_page(request, view, form, status_code=422)


ROUTES = [MoneyAdminController]
