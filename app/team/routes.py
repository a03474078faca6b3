"""The provider's team pages: who is bookable, what they do, when they work, and leaving."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.booking import queries as booking_queries
from app.booking import services as booking
from app.booking.forms import TimeOffForm
from app.booking.offer_queries import services_of
from app.catalog.forms import WeekHoursForm
from app.catalog.hours import weekly_summary
from app.catalog.pages import BusinessDep
from app.catalog.queries import Business, opening_hours
from app.media.storage import MediaStore
from app.media.uploads import MAX_UPLOAD_BYTES
from app.payments import services as payment_services
from app.payments.pages import PaymentsDep
from app.shared.citytime import city_today
from app.shared.errors import DomainError
from app.shared.text import is_slug
from app.team import services as team
from app.team.forms import LeaveForm, MemberForm
from app.team.queries import MemberView, member_of, team_of
from app.web.context import ClockDep, SettingsDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render
from app.web.params import PathId
from app.web.uploads import posted_files, store_uploads

PHOTO_BODY_LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024
NO_MEMBER_HOURS = "Give at least one time range, or let them follow the business hours."
LEFT_REASON = "The person booked for this visit can no longer come. Sorry for the change of plans."
LEFT = "{name} is off the schedule: residents can no longer book them. Their past visits stay."
NOT_HANDED_OVER = (
    "{count} booking(s) couldn't be given away (listed below); the others were. "
    "Give those to someone else, or cancel them."
)


async def _others(business: Business, member: MemberView) -> list[tuple[str, str]]:
    """The colleagues a leaving member's bookings can go to."""
    return [(m.public_id, m.name) for m in await team_of(business.id, active_only=True) if m.id != member.id]


async def _member(business: Business, public_id: str) -> MemberView:
    member = await member_of(business.id, public_id) if is_slug(public_id) else None
    if member is None:
        raise PageMissing(team.NOT_ON_TEAM)
    return member


async def _service_choices(business: Business) -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in await services_of(business.id) if not s.is_archived]


async def _stored_photo(request: Request, settings) -> tuple[list, list[str]]:
    """The portrait posted in the ``photo`` field, stored (at most one), and any refusal."""
    files = posted_files(await request.form(), "photo")[:1]
    if not files:
        return [], []
    return await store_uploads(MediaStore(settings.media_root), files, portrait=True)


class TeamController(Controller):
    path = "/dashboard/team"
    guards = [requires_role(Role.provider)]

    @get("/", name="dashboard_team")
    async def team_page(self, request: Request, business: BusinessDep, clock: ClockDep) -> Template:
        members = await team_of(business.id)
        services = {s.id: s.name for s in await services_of(business.id) if not s.is_archived}
        return render(
            request,
            "team/team.html",
            {
                "business": business,
                "members": members,
                "service_names": {
                    m.id: [services[sid] for sid in sorted(m.service_ids) if sid in services] for m in members
                },
                "unassigned": await booking_queries.unassigned_bookings(business.id, now=clock.now()),
            },
        )

    # --- joining -------------------------------------------------------------------------------

    @get("/new", name="dashboard_team_new")
    async def new_page(self, request: Request, business: BusinessDep) -> Template:
        services = await _service_choices(business)
        form = MemberForm(services=services, data={"services": [service_id for service_id, _ in services]})
        return render(
            request, "team/member_new.html", {"business": business, "form": form, "photo_errors": []}
        )

    @post("/new", request_max_body_size=PHOTO_BODY_LIMIT)
    async def new_submit(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Response:
        form = await bind_form(MemberForm, request, services=await _service_choices(business))
        context = {"business": business, "form": form, "photo_errors": []}
        if not form.validate():
            return render(request, "team/member_new.html", context, status_code=422)
        stored, context["photo_errors"] = await _stored_photo(request, settings)
        if context["photo_errors"]:
            return render(request, "team/member_new.html", context, status_code=422)
        try:
            public_id = await team.team_member_create(
                provider_id=business.id,
                name=form.name.data,
                service_ids=form.services.data,
                now=clock.now(),
                zone=settings.city.zone,
                photo=stored[0] if stored else None,
            )
        except DomainError as error:
            for image in stored:  # nothing points at the picture
                MediaStore(settings.media_root).delete(image.key)
            add_domain_error(form, error)
            return render(request, "team/member_new.html", context, status_code=422)
        flash(request, f"{form.name.data} is on your team. Residents can book them straight away.")
        return Redirect(f"/dashboard/team/{public_id}", status_code=303)

    # --- one member ----------------------------------------------------------------------------

    async def _member_page(
        self,
        request: Request,
        business: Business,
        member: MemberView,
        settings,
        clock,
        *,
        form: MemberForm | None = None,
        hours_form: WeekHoursForm | None = None,
        time_off_form: TimeOffForm | None = None,
        photo_errors: list[str] | None = None,
        status_code: int = 200,
    ) -> Template:
        services = await _service_choices(business)
        business_hours = await opening_hours(business.id)
        today = city_today(clock.now(), settings.city.zone)
        return render(
            request,
            "team/member.html",
            {
                "business": business,
                "member": member,
                "form": form
                or MemberForm(
                    services=services, data={"name": member.name, "services": sorted(member.service_ids)}
                ),
                "hours_form": hours_form or WeekHoursForm(intervals=member.own_hours or business_hours),
                "business_summary": weekly_summary(business_hours),
                "own_summary": weekly_summary(member.own_hours),
                "time_off_form": time_off_form or TimeOffForm(today=today),
                "time_off": await booking_queries.time_off_of(business.id, today=today, member_id=member.id),
                "photo_errors": photo_errors or [],
                "upcoming": await booking_queries.member_upcoming_bookings(member.id, now=clock.now()),
            },
            status_code=status_code,
        )

    @get("/{public_id:str}", name="dashboard_team_member")
    async def member_page(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Template:
        member = await _member(business, public_id)
        return await self._member_page(request, business, member, settings, clock)

    @post("/{public_id:str}")
    async def member_submit(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Response:
        member = await _member(business, public_id)
        form = await bind_form(MemberForm, request, services=await _service_choices(business))
        if form.validate():
            try:
                await team.team_member_update(
                    provider_id=business.id,
                    public_id=member.public_id,
                    name=form.name.data,
                    service_ids=form.services.data,
                    now=clock.now(),
                    zone=settings.city.zone,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                flash(request, f"{form.name.data}'s details are saved.")
                return Redirect(f"/dashboard/team/{member.public_id}", status_code=303)
        return await self._member_page(request, business, member, settings, clock, form=form, status_code=422)

    @post("/{public_id:str}/photo", request_max_body_size=PHOTO_BODY_LIMIT)
    async def photo_submit(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Response:
        member = await _member(business, public_id)
        stored, errors = await _stored_photo(request, settings)
        if not stored and not errors:
            errors = ["Choose a photo to upload."]
        if errors:
            return await self._member_page(
                request, business, member, settings, clock, photo_errors=errors, status_code=422
            )
        await team.team_member_set_photo(
            provider_id=business.id,
            public_id=member.public_id,
            photo=stored[0],
            store=MediaStore(settings.media_root),
        )
        flash(request, f"{member.name}'s photo is saved.")
        return Redirect(f"/dashboard/team/{member.public_id}#photo", status_code=303)

    @post("/{public_id:str}/photo/delete")
    async def photo_delete(
        self, request: Request, business: BusinessDep, public_id: FromPath[str], settings: SettingsDep
    ) -> Redirect:
        member = await _member(business, public_id)
        await team.team_member_set_photo(
            provider_id=business.id,
            public_id=member.public_id,
            photo=None,
            store=MediaStore(settings.media_root),
        )
        flash(request, f"{member.name}'s photo is removed: their initials show instead.")
        return Redirect(f"/dashboard/team/{member.public_id}#photo", status_code=303)

    @post("/{public_id:str}/hours")
    async def hours_submit(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Response:
        member = await _member(business, public_id)
        hours_form = await bind_form(WeekHoursForm, request)
        follow = (await request.form()).get("follow") == "business"
        if not hours_form.validate_own(follow=follow, empty=NO_MEMBER_HOURS):
            return await self._member_page(
                request, business, member, settings, clock, hours_form=hours_form, status_code=422
            )
        await team.team_member_set_hours(
            provider_id=business.id,
            public_id=member.public_id,
            intervals=None if follow else hours_form.intervals,
            now=clock.now(),
            zone=settings.city.zone,
        )
        if follow:
            flash(request, f"{member.name} follows the business hours again.")
        else:
            flash(request, f"{member.name}'s hours are saved. Their free times follow at once.")
        return Redirect(f"/dashboard/team/{member.public_id}#hours", status_code=303)

    @post("/{public_id:str}/time-off")
    async def time_off_submit(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Response:
        member = await _member(business, public_id)
        today = city_today(clock.now(), settings.city.zone)
        time_off_form = await bind_form(TimeOffForm, request, today=today)
        if not time_off_form.validate():
            return await self._member_page(
                request, business, member, settings, clock, time_off_form=time_off_form, status_code=422
            )
        await booking.time_off_add(
            provider_id=business.id,
            member_id=member.id,
            first_day=time_off_form.first_day.data,
            last_day=time_off_form.last_day.data,
            note=time_off_form.note.data or "",
            now=clock.now(),
            zone=settings.city.zone,
        )
        flash(request, f"{member.name}'s days off are saved: residents can't book them then.")
        return Redirect(f"/dashboard/team/{member.public_id}#time-off", status_code=303)

    @post("/{public_id:str}/time-off/{time_off_id:int}/delete")
    async def time_off_delete(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        time_off_id: PathId,
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Redirect:
        member = await _member(business, public_id)
        await booking.time_off_remove(
            provider_id=business.id, time_off_id=time_off_id, now=clock.now(), zone=settings.city.zone
        )
        flash(request, f"Those days are open for {member.name}'s bookings again.")
        return Redirect(f"/dashboard/team/{member.public_id}#time-off", status_code=303)

    # --- leaving and coming back ---------------------------------------------------------------

    async def _leave_page(
        self, request, business, member, clock, form: LeaveForm | None = None, kept=(), status_code=200
    ) -> Template:
        others = await _others(business, member)
        if form is None:
            form = LeaveForm(others=others)
        return render(
            request,
            "team/leave.html",
            {
                "business": business,
                "member": member,
                "form": form,
                "upcoming": await booking_queries.member_upcoming_bookings(member.id, now=clock.now()),
                "kept": dict(kept),
                "has_others": bool(others),
            },
            status_code=status_code,
        )

    @get("/{public_id:str}/leave", name="dashboard_team_leave")
    async def leave_page(
        self, request: Request, business: BusinessDep, public_id: FromPath[str], clock: ClockDep
    ) -> Template:
        member = await _member(business, public_id)
        return await self._leave_page(request, business, member, clock)

    @post("/{public_id:str}/leave")
    async def leave_submit(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
        payments: PaymentsDep,
    ) -> Response:
        """Take someone off the schedule, first giving away or cancelling their upcoming bookings."""
        member, now = await _member(business, public_id), clock.now()
        upcoming = await booking_queries.member_upcoming_bookings(member.id, now=now)
        form = await bind_form(LeaveForm, request, others=await _others(business, member))
        if upcoming and not form.validate():
            return await self._leave_page(request, business, member, clock, form, status_code=422)
        try:
            kept = await payment_services.team_member_leave(
                config=payments,
                provider_id=business.id,
                member_id=member.id,
                member_public_id=member.public_id,
                bookings=form.bookings.data if upcoming else None,
                hand_to=form.member.data or "",
                reason=form.reason.data or LEFT_REASON,
                now=now,
                zone=settings.city.zone,
            )
        except DomainError as error:
            form.form_errors.append(error.message)
            return await self._leave_page(request, business, member, clock, form, status_code=409)
        if kept:
            form.form_errors.append(NOT_HANDED_OVER.format(count=len(kept)))
            return await self._leave_page(request, business, member, clock, form, kept, status_code=409)
        flash(request, LEFT.format(name=member.name))
        return Redirect("/dashboard/team", status_code=303)

    @post("/{public_id:str}/return")
    async def return_submit(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Redirect:
        member = await _member(business, public_id)
        await team.team_member_set_active(
            provider_id=business.id,
            public_id=member.public_id,
            active=True,
            now=clock.now(),
            zone=settings.city.zone,
        )
        flash(request, f"{member.name} is back on the schedule, with the services and hours they had.")
        return Redirect(f"/dashboard/team/{member.public_id}", status_code=303)


ROUTES = [TeamController]
