"""The provider's side of booking: the week calendar, today's agenda, bookings, time off, the feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.booking import queries
from app.booking import services as booking
from app.booking.calendar import calendar_file
from app.booking.forms import PLANNING_YEAR, AssignMemberForm, ProviderCancelForm
from app.booking.offer_queries import services_of
from app.booking.pages import calendar_entry
from app.catalog.pages import BusinessDep
from app.catalog.queries import Business
from app.payments import services as payment_services
from app.payments.pages import PaymentsDep
from app.payments.queries import booking_money
from app.redemption import queries as redemption_queries
from app.shared.citytime import city_day_bounds, city_today
from app.shared.errors import DomainError
from app.shared.text import is_slug
from app.team.queries import member_of, service_team, team_of
from app.web.context import ClockDep, SettingsDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render, swap_or_redirect
from app.web.params import DayWindow, PathId, day_from, safe_next_path
from app.web.route_options import PRIVATE

FEED_HISTORY = timedelta(days=30)
CALENDAR_ENDS = "Your calendar shows a year either side of today, so here is {shown}."
DAY_NOT_IN_CALENDAR = "Your calendar shows a year either side of today: that day isn't in it."


async def _week_of(
    business: Business,
    first_day: date,
    *,
    service: str | None,
    member: str | None,
    now: datetime,
    zone: ZoneInfo,
) -> dict:
    """The calendar's week: the chosen service's times from ``first_day``, for the chosen person."""
    offered = [s for s in await services_of(business.id) if not s.is_archived]
    chosen = next((s for s in offered if s.public_id == service), offered[0] if offered else None)
    team = await team_of(business.id, active_only=True)
    person = next((m for m in team if m.public_id == member), None)
    # A one-person business sees that person's times; a team sees everyone's unless one is chosen.
    shown = person or (team[0] if len(team) == 1 else None)
    week_slots = {}
    if chosen is not None:
        week_slots = await queries.week_slots(
            chosen.id, first_day, zone=zone, now=now, member_id=shown.id if shown else None
        )
    return {
        "business": business,
        "services": offered,
        "chosen": chosen,
        "team": team,
        "person": person,
        "week": week_slots,
        "first_day": first_day,
        "today": city_today(now, zone),
        "now": now,
        "unassigned": await queries.unassigned_bookings(business.id, now=now),
    }


def _calendar(today: date) -> DayWindow:
    """The days the calendar and the agenda show: a year back (past visits) to a year ahead."""
    return DayWindow.around(today, back=PLANNING_YEAR, ahead=PLANNING_YEAR)


def _shown_day(request: Request, raw: str | None, today: date) -> date:
    """The day the URL asks for (today when it names none); past the calendar's ends, the nearest
    end, with a note saying so (an old bookmark or a long walk with "next day")."""
    asked = day_from(raw)
    if asked is None:
        return today
    calendar = _calendar(today)
    if asked not in calendar:
        shown = calendar.nearest(asked)
        flash(request, CALENDAR_ENDS.format(shown=f"{shown:%A} {shown.day} {shown:%B %Y}"), "error")
        return shown
    return asked


def _calendar_day(raw: str, today: date) -> date:
    """A day in the URL path of a calendar action: it must be one the calendar shows."""
    day = day_from(raw)
    if day is None:
        raise PageMissing("That isn't a day.")
    if day not in _calendar(today):
        raise PageMissing(DAY_NOT_IN_CALENDAR)
    return day


class ProviderBookingController(Controller):
    path = "/dashboard"
    guards = [requires_role(Role.provider)]

    # --- week calendar -------------------------------------------------------------------------

    @get("/calendar", name="dashboard_calendar")
    async def calendar(
        self,
        request: Request,
        business: BusinessDep,
        settings: SettingsDep,
        clock: ClockDep,
        week: Annotated[str | None, QueryParameter(name="week")] = None,
        service: Annotated[str | None, QueryParameter(name="service")] = None,
        member: Annotated[str | None, QueryParameter(name="member")] = None,
    ) -> Template:
        now, zone = clock.now(), settings.city.zone
        first_day = _shown_day(request, week, city_today(now, zone))  # today's week by default
        context = await _week_of(business, first_day, service=service, member=member, now=now, zone=zone)
        feed_url = f"{settings.public_url}/calendar/{business.calendar_token}.ics"
        return render(request, "dashboard/calendar.html", {**context, "feed_url": feed_url})

    async def _calendar_target(self, request: Request) -> str:
        """The week, service and person the provider was looking at (a field of the form)."""
        back = (await request.form()).get("back")
        target = safe_next_path(back) if isinstance(back, str) else None
        return target if (target or "").startswith("/dashboard/calendar") else "/dashboard/calendar"

    async def _slot(
        self, request: Request, business: Business, slot_id: int, closed: bool, clock
    ) -> Response:
        everyone = (await request.form()).get("scope") == "everyone"
        await booking.slot_set_closed(
            provider_id=business.id, slot_id=slot_id, closed=closed, now=clock.now(), everyone=everyone
        )

        async def time() -> Response:
            entry = await queries.calendar_entry(business.id, slot_id, now=clock.now(), everyone=everyone)
            template = "dashboard/_time.html" if everyone else "dashboard/_slot.html"
            return render(request, template, {"slot": entry, "back": (await request.form()).get("back", "")})

        return await swap_or_redirect(request, time, to=await self._calendar_target(request))

    @post("/calendar/slots/{slot_id:int}/close")
    async def close_slot(
        self, request: Request, business: BusinessDep, slot_id: PathId, clock: ClockDep
    ) -> Response:
        return await self._slot(request, business, slot_id, True, clock)

    @post("/calendar/slots/{slot_id:int}/reopen")
    async def reopen_slot(
        self, request: Request, business: BusinessDep, slot_id: PathId, clock: ClockDep
    ) -> Response:
        return await self._slot(request, business, slot_id, False, clock)

    @get("/calendar/days/{day:str}/close", name="dashboard_close_day")
    async def close_day_page(
        self,
        request: Request,
        business: BusinessDep,
        day: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
        member: Annotated[str | None, QueryParameter(name="member")] = None,
    ) -> Template:
        chosen = _calendar_day(day, city_today(clock.now(), settings.city.zone))
        person = await self._person(business, member)
        start, end = city_day_bounds(chosen, settings.city.zone)
        live = await booking.day_bookings(business.id, start, end, member_id=person.id if person else None)
        return render(
            request,
            "dashboard/close_day.html",
            {"business": business, "day": chosen, "bookings": live, "person": person},
        )

    async def _person(self, business: Business, public_id: str | None):
        """The team member a calendar action is for, or None for the whole team."""
        if not public_id:
            return None
        person = await member_of(business.id, public_id) if is_slug(public_id) else None
        if person is None:
            raise PageMissing("That person isn't on your team.")
        return person

    @post("/calendar/days/{day:str}/close")
    async def close_day(
        self,
        request: Request,
        business: BusinessDep,
        day: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
        payments: PaymentsDep,
    ) -> Response:
        return await self._day(request, business, day, True, settings, clock, payments)

    @post("/calendar/days/{day:str}/reopen")
    async def reopen_day(
        self,
        request: Request,
        business: BusinessDep,
        day: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
        payments: PaymentsDep,
    ) -> Response:
        return await self._day(request, business, day, False, settings, clock, payments)

    async def _day(
        self, request: Request, business: Business, day: str, closed: bool, settings, clock, payments
    ) -> Response:
        chosen = _calendar_day(day, city_today(clock.now(), settings.city.zone))
        form = await request.form()
        decision = form.get("bookings") if isinstance(form.get("bookings"), str) else None
        member = form.get("member") if isinstance(form.get("member"), str) else None
        person = await self._person(business, member)
        start, end = city_day_bounds(chosen, settings.city.zone)
        try:
            cancelled = await payment_services.day_close_with_refunds(
                config=payments,
                provider_id=business.id,
                day_start=start,
                day_end=end,
                closed=closed,
                now=clock.now(),
                bookings=decision,
                member_id=person.id if person else None,
            )
        except DomainError:
            # Bookings on that day: ask what to do with them.
            asked = f"?member={person.public_id}" if person else ""
            return Redirect(f"/dashboard/calendar/days/{chosen.isoformat()}/close{asked}", status_code=303)
        whose = f" for {person.name}" if person else ""
        if closed:
            message = f"{chosen:%A %d %B} is closed to new bookings{whose}."
            if cancelled:
                were = "bookings were" if cancelled != 1 else "booking was"
                message += f" {cancelled} {were} cancelled with a full refund."
        else:
            message = f"{chosen:%A %d %B} is open again{whose}."
        flash(request, message)
        back = f"&member={person.public_id}" if person else ""
        return Redirect(f"/dashboard/calendar?week={chosen.isoformat()}{back}", status_code=303)

    @post("/calendar/feed/reset")
    async def reset_feed(self, request: Request, business: BusinessDep) -> Redirect:
        await booking.calendar_token_reset(provider_id=business.id)
        flash(
            request, "Your calendar link is new. Calendars using the old link stop updating: subscribe again."
        )
        return Redirect("/dashboard/calendar", status_code=303)

    # --- agenda and bookings -------------------------------------------------------------------

    @get("/today", name="dashboard_today")
    async def today(
        self,
        request: Request,
        business: BusinessDep,
        settings: SettingsDep,
        clock: ClockDep,
        day: Annotated[str | None, QueryParameter(name="day")] = None,
        member: Annotated[str | None, QueryParameter(name="member")] = None,
    ) -> Template:
        today = city_today(clock.now(), settings.city.zone)
        chosen = _shown_day(request, day, today)
        team = await team_of(business.id)
        person = next((m for m in team if m.public_id == member), None)
        agenda = await queries.day_agenda(
            business.id, chosen, zone=settings.city.zone, member_id=person.id if person else None
        )
        return render(
            request,
            "dashboard/today.html",
            {
                "business": business,
                "day": chosen,
                "today": today,
                "agenda": agenda,
                "team": [m for m in team if m.is_active],
                "person": person,
                "now": clock.now(),
            },
            headers=PRIVATE,
        )

    async def _booking(self, business: Business, public_id: str) -> queries.BookingView:
        view = await queries.provider_booking(business.id, public_id) if is_slug(public_id) else None
        if view is None:
            raise PageMissing("That booking isn't one of yours.")
        return view

    @get("/bookings/{public_id:str}", name="dashboard_booking")
    async def booking_page(
        self, request: Request, business: BusinessDep, public_id: FromPath[str], clock: ClockDep
    ) -> Template:
        view = await self._booking(business, public_id)
        return await self._booking_page(request, business, view, clock.now(), ProviderCancelForm())

    async def _booking_page(
        self, request, business, view, now, form, status_code: int = 200, assign_form=None
    ) -> Template:
        if assign_form is None:
            assign_form = AssignMemberForm()
        assign_form.offer(await self._others_for(business, view))
        context = {
            "business": business,
            "booking": view,
            "money": await booking_money(view.id),
            "redemption": await redemption_queries.booking_redemption(view.id),
            "now": now,
            "form": form,
            "assign_form": assign_form,
        }
        return render(request, "dashboard/booking.html", context, status_code=status_code, headers=PRIVATE)

    @post("/bookings/{public_id:str}/cancel")
    async def cancel(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        clock: ClockDep,
        payments: PaymentsDep,
    ) -> Response:
        view = await self._booking(business, public_id)
        form = await bind_form(ProviderCancelForm, request)
        if form.validate():
            try:
                await payment_services.booking_cancel_paid_by_provider(
                    config=payments,
                    provider_id=business.id,
                    public_id=view.public_id,
                    reason=form.reason.data,
                    now=clock.now(),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                flash(request, f"The booking of {view.resident_name} is cancelled; they get a full refund.")
                return Redirect(f"/dashboard/bookings/{view.public_id}", status_code=303)
        return await self._booking_page(request, business, view, clock.now(), form, status_code=422)

    async def _others_for(self, business: Business, view: queries.BookingView) -> list[tuple[str, str]]:
        """Who else on the team performs the booking's service: whom it can be given to."""
        service_id = await queries.service_id_of(business.id, view.service_public_id)
        performers = await service_team(service_id) if service_id is not None else []
        return [(m.public_id, m.name) for m in performers if m.public_id != view.member_public_id]

    @post("/bookings/{public_id:str}/member")
    async def assign_member(
        self, request: Request, business: BusinessDep, public_id: FromPath[str], clock: ClockDep
    ) -> Response:
        """Give the booking to another team member at the same time."""
        view = await self._booking(business, public_id)
        form = await bind_form(AssignMemberForm, request)
        form.offer(await self._others_for(business, view))
        status = 422
        if form.validate():
            try:
                moved = await booking.booking_assign_member(
                    provider_id=business.id,
                    public_id=view.public_id,
                    member_public_id=form.member.data,
                    now=clock.now(),
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status_code if error.status_code == 409 else 422
            else:
                flash(request, f"{moved['member_name']} has the booking of {view.resident_name} now.")
                return Redirect(f"/dashboard/bookings/{view.public_id}", status_code=303)
        return await self._booking_page(
            request, business, view, clock.now(), ProviderCancelForm(), status_code=status, assign_form=form
        )

    @post("/bookings/{public_id:str}/no-show")
    async def no_show(
        self, request: Request, business: BusinessDep, public_id: FromPath[str], clock: ClockDep
    ) -> Redirect:
        view = await self._booking(business, public_id)
        try:
            await booking.booking_mark_no_show(
                provider_id=business.id, public_id=view.public_id, now=clock.now()
            )
        except DomainError as error:
            flash(request, error.message, "error")
        else:
            flash(request, f"Marked as missed: {view.resident_name} didn't turn up.")
        return Redirect(f"/dashboard/bookings/{view.public_id}", status_code=303)


@get("/calendar/{token:str}", name="calendar_feed", opt={"skip_session": True, "exclude_from_csrf": True})
async def calendar_feed(token: FromPath[str], settings: SettingsDep, clock: ClockDep) -> Response:
    """A provider's bookings as a calendar to subscribe to; the secret link is the only key."""
    secret = token.removesuffix(".ics")
    provider = await queries.provider_by_calendar_token(secret)
    if provider is None:
        raise PageMissing("This calendar link is no longer valid. Copy the new one from your dashboard.")
    now = clock.now()
    views = await queries.calendar_feed_bookings(provider.id, since=now - FEED_HISTORY)
    body = calendar_file(
        [calendar_entry(view, settings, for_provider=True) for view in views],
        zone=settings.city.zone,
        now=now,
        name=f"{provider.name} · Cityloop",
    )
    return Response(body, media_type="text/calendar; charset=utf-8", headers=PRIVATE)


ROUTES = [ProviderBookingController, calendar_feed]
