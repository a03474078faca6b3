"""The provider's earnings: what is waiting for redemption, what was released, month by month."""

from __future__ import annotations

from decimal import Decimal

from litestar import Controller, Request, get
from litestar.response import Template

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.catalog.pages import BusinessDep
from app.payments.queries import month_bounds, months_before, provider_earnings
from app.shared.citytime import city_today
from app.web.context import ClockDep, SettingsDep
from app.web.htmx import render
from app.web.route_options import PRIVATE

MONTHS_SHOWN = 12


class EarningsController(Controller):
    path = "/dashboard/earnings"
    guards = [requires_role(Role.provider)]

    @get("/", name="dashboard_earnings")
    async def earnings(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Template:
        zone = settings.city.zone
        this_month = city_today(clock.now(), zone).replace(day=1)
        since, _ = month_bounds(months_before(this_month, MONTHS_SHOWN - 1), zone)
        earnings = await provider_earnings(business.id, since=since, zone=zone)
        return render(
            request,
            "dashboard/earnings.html",
            {
                "business": business,
                "earnings": earnings,
                "this_month": next((m for m in earnings.months if m.month == this_month), None),
                "commission_percent": f"{Decimal(settings.commission_basis_points) / 100:g}",
            },
            headers=PRIVATE,
        )


ROUTES = [EarningsController]
