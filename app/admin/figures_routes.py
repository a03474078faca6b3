"""Administration: the platform figures, week by week, with charts drawn on the server."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.admin.figures import (
    WEEKS_DEFAULT,
    WEEKS_MAX,
    WEEKS_MIN,
    bar_chart,
    percent_change,
    points_change,
)
from app.admin.queries import PlatformFigures, platform_figures
from app.web.context import ClockDep, SettingsDep
from app.web.htmx import render
from app.web.route_options import PRIVATE

WEEK_CHOICES = (4, 12, 26, 52)
BAD_WEEKS = (
    "“{raw}” isn't a number of weeks from {low} to {high}, so this page shows the last {default} weeks."
)


def _weeks(raw: str | None) -> tuple[int, str]:
    """?weeks=26, else the default; a value we can't use comes back with a note saying so."""
    if raw is None or raw.strip() == "":
        return WEEKS_DEFAULT, ""
    text = raw.strip()
    if text.isascii() and text.isdigit() and WEEKS_MIN <= int(text) <= WEEKS_MAX:
        return int(text), ""
    shown = text if len(text) <= 20 else f"{text[:20]}…"
    return WEEKS_DEFAULT, BAD_WEEKS.format(raw=shown, low=WEEKS_MIN, high=WEEKS_MAX, default=WEEKS_DEFAULT)


def _charts(figures: PlatformFigures, money) -> dict:
    weeks = [week.starts_on for week in figures.weeks]
    tallies = [week.tally for week in figures.weeks]
    return {
        "bookings": bar_chart(weeks, [[t.bookings for t in tallies]]),
        "gmv": bar_chart(weeks, [[t.gmv_cents for t in tallies]], tick_text=money),
        "accounts": bar_chart(
            weeks, [[t.new_residents for t in tallies], [t.new_providers for t in tallies]]
        ),
        "redemption": bar_chart(
            weeks,
            [[t.redemption_rate for t in tallies]],
            tick_text=lambda value: f"{value}%",
            fixed_max=100,
            zeros_are_data=True,
        ),
    }


class FiguresController(Controller):
    path = "/admin"
    guards = [requires_role(Role.admin)]

    @get("/figures", name="admin_figures")
    async def figures_page(
        self,
        request: Request,
        settings: SettingsDep,
        clock: ClockDep,
        weeks: Annotated[str | None, QueryParameter(name="weeks")] = None,
    ) -> Template:
        count, note = _weeks(weeks)
        city = settings.city
        figures = await platform_figures(now=clock.now(), zone=city.zone, weeks=count)
        return render(
            request,
            "admin/figures.html",
            {
                "figures": figures,
                "charts": _charts(figures, city.money),
                "note": note,
                "choices": WEEK_CHOICES,
                "percent_change": percent_change,
                "points_change": points_change,
            },
            headers=PRIVATE,
        )


ROUTES = [FiguresController]
