"""The resident's side of booking: choose a time, hold it, see, move or cancel bookings."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.guards import requires_login, signed_in_user
from app.accounts.identity import Role
from app.booking import queries
from app.booking import services as booking
from app.booking.calendar import calendar_file
from app.booking.days import BookingDay, asked_day
from app.booking.forms import HoldForm, RescheduleForm
from app.booking.pages import calendar_entry, own_booking, render_booking_page
from app.booking.policy import STANDARD_POLICY
from app.booking.state import Status
from app.payments import services as payment_services
from app.payments.pages import PaymentsDep
from app.payments.queries import booking_money
from app.reviews.queries import review_status_by_booking
from app.settings import Settings
from app.shared.clock import Clock
from app.shared.errors import DomainError
from app.shared.money import percent_of
from app.shared.text import is_slug
from app.team.queries import service_team
from app.web.context import ClockDep, SettingsDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.fragments import Rendered, render_fragment, shared_fragment
from app.web.htmx import fragment_response, render, wants_fragment
from app.web.route_options import PRIVATE

ONLY_RESIDENTS = "Bookings are made with a resident account."


def _chosen_day(raw: str | None, days: list[BookingDay]) -> date:
    """The day asked for, else the first day with free times, else today."""
    asked, _ = asked_day(raw, days)
    return asked or next((d.day for d in days if d.is_open), days[0].day)


async def _service_or_404(slug: str, public_id: str) -> queries.BookableService:
    service = await queries.bookable_service(slug, public_id) if is_slug(slug) else None
    if service is None:
        raise PageMissing(
            "That service can't be booked at the moment: it may have been archived, or the business "
            "isn't taking bookings. Search for another provider."
        )
    return service


async def _times_context(
    service: queries.BookableService,
    day_param: str | None,
    member_param: str | None,
    form,
    now,
    zone,
    *,
    moving: queries.BookingView | None = None,
) -> dict:
    """What the person picker, the day picker and the chosen day's free times show.

    ``member_param`` is the public id of the person asked for (else anyone available); a booking
    being ``moving`` to another time keeps the person the resident asked for, and doesn't stand
    in its own way.
    """
    team = await service_team(service.id)
    if moving is not None and moving.member_requested:
        member_param = moving.member_public_id
        team = [m for m in team if m.public_id == member_param]
    member = next((m for m in team if m.public_id == member_param), None)
    within = {
        "member_id": member.id if member else None,
        "ignoring_booking": moving.id if moving else None,
    }
    days = await queries.service_days(service.id, now=now, zone=zone, **within)
    day = _chosen_day(day_param, days)
    times = await queries.service_day_times(service.id, day, now=now, zone=zone, **within)
    return {
        "service": service,
        "days": days,
        "day": day,
        "times": times,
        "form": form,
        "team": team,
        "member": member,
        "can_choose_member": moving is None and len(team) > 1,
    }


async def _booking_page(
    request: Request,
    settings: Settings,
    clock: Clock,
    service: queries.BookableService,
    day_param: str | None,
    member_param: str | None,
    form: HoldForm,
    status_code: int = 200,
) -> Template:
    user = request.scope.get("user")
    return render(
        request,
        "booking/book.html",
        {
            **await _times_context(service, day_param, member_param, form, clock.now(), settings.city.zone),
            "policy": STANDARD_POLICY,
            "hold_minutes": settings.hold_minutes,
            "can_book": user is not None and user.role is Role.resident,
            "at_home": service.at_home,
            "price": service.price,
        },
        fragment="booking/_times.html",
        status_code=status_code,
    )


@get("/providers/{slug:str}/book/{service_id:str}", name="book")
async def book_page(
    request: Request,
    slug: FromPath[str],
    service_id: FromPath[str],
    settings: SettingsDep,
    clock: ClockDep,
    day: Annotated[str | None, QueryParameter(name="day")] = None,
    member: Annotated[str | None, QueryParameter(name="member")] = None,
    at: Annotated[str | None, QueryParameter(name="at")] = None,
) -> Template | Response:
    """The booking form; ``?at=`` (a free time's start, as the provider page links it) comes chosen."""
    if wants_fragment(request):
        # Another day's times, swapped into a page that has the rest of the form; the same for
        # everyone, so rendered once and reused. Holds that lapse meanwhile are freed by the sweep
        # within half a minute.
        async def times() -> Rendered:
            service = await _service_or_404(slug, service_id)
            context = await _times_context(
                service, day, member, HoldForm(area=[], now=clock.now()), clock.now(), settings.city.zone
            )
            return Rendered(render_fragment(request, "booking/_times.html", context), {})

        return fragment_response((await shared_fragment(request, times, now=clock.now())).html)
    service = await _service_or_404(slug, service_id)
    await booking.bookings_expire_lapsed(now=clock.now(), provider_id=service.provider_id)
    form = HoldForm(
        area=await queries.service_area_choices(service.provider_id), now=clock.now(), data={"starts_at": at}
    )
    return await _booking_page(request, settings, clock, service, day, member, form)


async def _book_again(
    request: Request,
    settings: Settings,
    clock: Clock,
    slug: str,
    service_id: str,
    form: HoldForm,
    status_code: int,
) -> Template:
    """The booking page again with the refused form; only then are the neighbourhoods read."""
    service = await _service_or_404(slug, service_id)
    form.offer_area(await queries.service_area_choices(service.provider_id))
    day = (await request.form()).get("day")
    day = day if isinstance(day, str) else None
    return await _booking_page(
        request, settings, clock, service, day, form.member.data, form, status_code=status_code
    )


@post("/providers/{slug:str}/book/{service_id:str}", guards=[requires_login])
async def book_submit(
    request: Request, slug: FromPath[str], service_id: FromPath[str], settings: SettingsDep, clock: ClockDep
) -> Response:
    form = await bind_form(HoldForm, request, area=[], now=clock.now())
    again = partial(_book_again, request, settings, clock, slug, service_id, form)
    if signed_in_user(request).role is not Role.resident:
        form.form_errors.append(ONLY_RESIDENTS)
        return await again(403)
    if not form.validate():
        return await again(422)
    try:
        public_id = await booking.booking_hold(
            resident_id=signed_in_user(request).id,
            request=form.hold_request(provider_slug=slug, service_public_id=service_id),
            now=clock.now(),
            zone=settings.city.zone,
            hold_minutes=settings.hold_minutes,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return await again(409 if error.status_code == 409 else 422)
    return Redirect(f"/bookings/{public_id}", status_code=303)


@get("/bookings/{public_id:str}", name="booking", guards=[requires_login])
async def booking_page(
    request: Request, public_id: FromPath[str], clock: ClockDep, payments: PaymentsDep
) -> Template:
    view = await own_booking(request, public_id)
    return await render_booking_page(request, view, clock.now(), payments)


@post("/bookings/{public_id:str}/release", guards=[requires_login])
async def booking_release(request: Request, public_id: FromPath[str], clock: ClockDep) -> Redirect:
    view = await own_booking(request, public_id)
    try:
        await booking.booking_release(
            resident_id=signed_in_user(request).id, public_id=view.public_id, now=clock.now()
        )
    except DomainError as error:
        flash(request, error.message, "error")
        return Redirect(f"/bookings/{view.public_id}", status_code=303)
    flash(request, f"You let go of {view.service_name}. The time is free for others again.")
    return Redirect(f"/providers/{view.provider_slug}", status_code=303)


@get("/bookings/{public_id:str}/cancel", name="booking_cancel", guards=[requires_login])
async def cancel_page(request: Request, public_id: FromPath[str], clock: ClockDep) -> Template:
    view = await own_booking(request, public_id)
    percent = STANDARD_POLICY.refund_percent(view.starts_at, clock.now())
    kept = (await booking_money(view.id)).ledger.kept_cents
    return render(
        request,
        "booking/cancel.html",
        {"booking": view, "percent": percent, "refund_cents": percent_of(kept, percent)},
        headers=PRIVATE,
    )


@post("/bookings/{public_id:str}/cancel", guards=[requires_login])
async def cancel_submit(
    request: Request, public_id: FromPath[str], clock: ClockDep, payments: PaymentsDep
) -> Redirect:
    view = await own_booking(request, public_id)
    try:
        percent = await payment_services.booking_cancel_paid_by_resident(
            config=payments,
            resident_id=signed_in_user(request).id,
            public_id=view.public_id,
            now=clock.now(),
            policy=STANDARD_POLICY,
        )
    except DomainError as error:
        flash(request, error.message, "error")
        return Redirect(f"/bookings/{view.public_id}", status_code=303)
    flash(request, f"Your booking is cancelled. Under the cancellation policy you get {percent}% back.")
    return Redirect(f"/bookings/{view.public_id}", status_code=303)


async def _reschedule_page(
    request: Request,
    settings: Settings,
    clock: Clock,
    view: queries.BookingView,
    day: str | None,
    form,
    status_code=200,
) -> Template:
    now, zone = clock.now(), settings.city.zone
    service = await queries.bookable_service(view.provider_slug, view.service_public_id)
    if service is None:
        raise PageMissing(
            "This service can no longer be booked, so the time can't be changed. You can cancel."
        )
    return render(
        request,
        "booking/reschedule.html",
        {"booking": view, **await _times_context(service, day, None, form, now, zone, moving=view)},
        fragment="booking/_times.html",
        status_code=status_code,
        headers=PRIVATE,
    )


@get("/bookings/{public_id:str}/reschedule", name="booking_reschedule", guards=[requires_login])
async def reschedule_page(
    request: Request,
    public_id: FromPath[str],
    settings: SettingsDep,
    clock: ClockDep,
    day: Annotated[str | None, QueryParameter(name="day")] = None,
) -> Template:
    view = await own_booking(request, public_id)
    return await _reschedule_page(request, settings, clock, view, day, RescheduleForm(now=clock.now()))


@post("/bookings/{public_id:str}/reschedule", guards=[requires_login])
async def reschedule_submit(
    request: Request, public_id: FromPath[str], settings: SettingsDep, clock: ClockDep
) -> Response:
    view = await own_booking(request, public_id)
    form = await bind_form(RescheduleForm, request, now=clock.now())
    day = (await request.form()).get("day")
    day = day if isinstance(day, str) else None
    if not form.validate():
        return await _reschedule_page(request, settings, clock, view, day, form, status_code=422)
    try:
        await booking.booking_reschedule(
            resident_id=signed_in_user(request).id,
            public_id=view.public_id,
            starts_at=form.starts_at.instant,
            now=clock.now(),
            zone=settings.city.zone,
            policy=STANDARD_POLICY,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return await _reschedule_page(request, settings, clock, view, day, form, status_code=409)
    flash(request, "Your booking has moved to the new time.")
    return Redirect(f"/bookings/{view.public_id}", status_code=303)


@get("/bookings/{public_id:str}/calendar.ics", name="booking_ics", guards=[requires_login])
async def booking_ics(
    request: Request, public_id: FromPath[str], settings: SettingsDep, clock: ClockDep
) -> Response:
    view = await own_booking(request, public_id)
    if view.status not in (Status.confirmed, Status.redeemed):
        raise PageMissing("Only confirmed bookings can be added to a calendar.")
    body = calendar_file(
        [calendar_entry(view, settings, for_provider=False)], zone=settings.city.zone, now=clock.now()
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={**PRIVATE, "content-disposition": f'attachment; filename="cityloop-{view.public_id}.ics"'},
    )


@get("/account/bookings", name="my_bookings", guards=[requires_login])
async def my_bookings(request: Request, clock: ClockDep) -> Template:
    upcoming, past = await queries.resident_bookings(signed_in_user(request).id, now=clock.now())
    reviews = await review_status_by_booking([b.id for b in past if b.status is Status.redeemed])
    return render(
        request,
        "booking/my_bookings.html",
        {"upcoming": upcoming, "past": past, "now": clock.now(), "reviews": reviews},
        headers=PRIVATE,
    )


ROUTES = [
    book_page,
    book_submit,
    booking_page,
    booking_release,
    cancel_page,
    cancel_submit,
    reschedule_page,
    reschedule_submit,
    booking_ics,
    my_bookings,
]
