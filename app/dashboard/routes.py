"""The provider's dashboard: the state of the business, and the pages that prepare it for residents."""

from __future__ import annotations

from functools import partial

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.analytics import queries as view_queries
from app.booking import offer_queries
from app.booking import offer_services as offers
from app.booking import queries as booking_queries
from app.booking import services as booking
from app.booking.forms import TimeOffForm
from app.catalog import queries as catalog_queries
from app.catalog import services as catalog
from app.catalog.forms import LOCATION_LABELS, HoursForm, ProfileForm, ServiceForm, WeekHoursForm
from app.catalog.pages import BusinessDep
from app.catalog.queries import Business, categories, neighbourhood_choices, provider_suspension_reason
from app.catalog.rules import ServiceDetails, ServiceLocation
from app.media.storage import MediaStore
from app.media.uploads import MAX_UPLOAD_BYTES
from app.settings import Settings
from app.shared.citytime import city_today
from app.shared.errors import DomainError
from app.shared.money import amount_text
from app.team.queries import MemberView, team_of
from app.web.context import ClockDep, SettingsDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render, swap_or_redirect
from app.web.params import PathId
from app.web.uploads import posted_files, store_uploads

MAX_FILES_PER_UPLOAD = 8
# Room for a full upload of photos plus the form fields around them.
UPLOAD_BODY_LIMIT = MAX_FILES_PER_UPLOAD * MAX_UPLOAD_BYTES + 1024 * 1024
NO_FILES = "Choose one or more photos to upload."
NO_SERVICE_HOURS = "Give at least one time range, or let the service follow your business hours."
PHOTO_DELETED = "Photo deleted."
TOO_MANY_FILES = f"Upload at most {MAX_FILES_PER_UPLOAD} photos at a time."


async def _service(provider_id: int, public_id: str) -> catalog_queries.OwnService:
    service = await catalog_queries.service_of(provider_id, public_id)
    if service is None:
        raise PageMissing("That service doesn't exist, or belongs to another business.")
    return service


async def _stored_hours(business: Business) -> HoursForm:
    """The hours form filled with the weekly hours and booking rules as stored."""
    rules = ("min_notice_minutes", "horizon_days", "buffer_minutes")
    return HoursForm(
        intervals=await catalog_queries.opening_hours(business.id),
        data={rule: getattr(business, rule) for rule in rules},
    )


def _alt_text(form) -> str:
    """The photos' description as typed (NULs dropped, at most 200 characters)."""
    described = form.get("alt_text")
    return described.replace("\x00", "").strip()[:200] if isinstance(described, str) else ""


def _details(form: ServiceForm, team: list[MemberView]) -> ServiceDetails:
    by_public_id = {member.public_id: member.id for member in team}
    chosen = [by_public_id[public_id] for public_id in form.members.data or [] if public_id in by_public_id]
    return ServiceDetails(
        category_id=form.category.data,
        name=form.name.data,
        description=form.description.data or "",
        duration_minutes=form.duration_minutes.data,
        online_price_cents=form.online_price_cents,
        list_price_cents=form.list_price_cents,
        location=ServiceLocation(form.location.data),
        capacity=form.capacity.data,
        # One person on the team does whatever the business sells.
        member_ids=chosen if len(team) > 1 else None,
    )


class DashboardController(Controller):
    path = "/dashboard"
    guards = [requires_role(Role.provider)]

    @get("/", name="dashboard")
    async def overview(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Template:
        today = city_today(clock.now(), settings.city.zone)
        return render(
            request,
            "dashboard/home.html",
            {
                "business": business,
                "setup": await catalog_queries.checklist(business.id),
                "week": await view_queries.views_since(business.id, view_queries.last_days(today, 7)),
                "month": await view_queries.views_since(business.id, view_queries.last_days(today, 30)),
                "suspension_reason": await provider_suspension_reason(business.id)
                if business.is_suspended
                else "",
            },
        )

    # --- profile -------------------------------------------------------------------------------

    @get("/profile", name="dashboard_profile")
    async def profile_page(self, request: Request, business: BusinessDep) -> Template:
        form = ProfileForm(
            data={
                "name": business.name,
                "slug": business.slug,
                "description": business.description,
                "neighbourhood": business.neighbourhood_id,
                "service_area": await catalog_queries.service_area_ids(business.id),
                "address": business.address,
                "phone": business.phone,
            },
            neighbourhoods=await neighbourhood_choices(),
        )
        return render(request, "dashboard/profile.html", {"form": form, "business": business})

    @post("/profile")
    async def profile_submit(self, request: Request, business: BusinessDep, clock: ClockDep) -> Response:
        form = await bind_form(ProfileForm, request, neighbourhoods=await neighbourhood_choices())
        context = {"form": form, "business": business}
        if not form.validate():
            return render(request, "dashboard/profile.html", context, status_code=422)
        try:
            await catalog.provider_profile_update(
                provider_id=business.id,
                changes=catalog.ProfileChanges(
                    name=form.name.data,
                    slug=form.slug.data,
                    description=form.description.data or "",
                    neighbourhood_id=form.neighbourhood.data,
                    service_area_ids=form.service_area.data or [],
                    address=form.address.data or "",
                    phone=form.phone.data or "",
                ),
                now=clock.now(),
            )
        except DomainError as error:
            add_domain_error(form, error)
            return render(request, "dashboard/profile.html", context, status_code=422)
        flash(request, "Your profile is saved.")
        return Redirect("/dashboard/profile", status_code=303)

    # --- hours ---------------------------------------------------------------------------------

    @get("/hours", name="dashboard_hours")
    async def hours_page(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Template:
        return await self._hours(request, business, settings, clock, await _stored_hours(business))

    async def _hours(
        self, request, business, settings, clock, form, time_off_form=None, status_code=200
    ) -> Template:
        today = city_today(clock.now(), settings.city.zone)
        return render(
            request,
            "dashboard/hours.html",
            {
                "form": form,
                "business": business,
                "time_off_form": time_off_form or TimeOffForm(today=today),
                "time_off": await booking_queries.time_off_of(business.id, today=today),
            },
            status_code=status_code,
        )

    @post("/hours")
    async def hours_submit(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Response:
        form = await bind_form(HoursForm, request)
        if not form.validate():
            return await self._hours(request, business, settings, clock, form, status_code=422)
        await offers.provider_set_hours(
            provider_id=business.id,
            intervals=form.intervals,
            min_notice_minutes=form.min_notice_minutes.data,
            horizon_days=form.horizon_days.data,
            buffer_minutes=form.buffer_minutes.data,
            now=clock.now(),
            zone=settings.city.zone,
        )
        flash(request, "Your opening hours are saved. Residents see the new free times straight away.")
        return Redirect("/dashboard/hours", status_code=303)

    @post("/time-off")
    async def add_time_off(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Response:
        today = city_today(clock.now(), settings.city.zone)
        time_off_form = await bind_form(TimeOffForm, request, today=today)
        if not time_off_form.validate():
            hours_form = await _stored_hours(business)
            return await self._hours(
                request, business, settings, clock, hours_form, time_off_form, status_code=422
            )
        await booking.time_off_add(
            provider_id=business.id,
            first_day=time_off_form.first_day.data,
            last_day=time_off_form.last_day.data,
            note=time_off_form.note.data or "",
            now=clock.now(),
            zone=settings.city.zone,
        )
        flash(request, "Your days off are saved: residents can't book them.")
        return Redirect("/dashboard/hours#time-off", status_code=303)

    @post("/time-off/{time_off_id:int}/delete")
    async def delete_time_off(
        self,
        request: Request,
        business: BusinessDep,
        time_off_id: PathId,
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Redirect:
        await booking.time_off_remove(
            provider_id=business.id, time_off_id=time_off_id, now=clock.now(), zone=settings.city.zone
        )
        flash(request, "Those days are open for bookings again.")
        return Redirect("/dashboard/hours#time-off", status_code=303)

    # --- photos --------------------------------------------------------------------------------

    @get("/photos", name="dashboard_photos")
    async def photos_page(self, request: Request, business: BusinessDep) -> Template:
        return await self._gallery(request, business)

    async def _gallery(
        self,
        request: Request,
        business: Business,
        errors=(),
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        return render(
            request,
            "dashboard/photos.html",
            {
                "business": business,
                "photos": await catalog_queries.gallery(business.id),
                "errors": list(errors),
                "notice": notice,
                "limit": catalog.PHOTO_LIMIT,
                "max_files": MAX_FILES_PER_UPLOAD,
            },
            fragment="dashboard/_gallery.html",
            status_code=status_code,
        )

    @post("/photos", request_max_body_size=UPLOAD_BODY_LIMIT)
    async def photos_upload(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Response:
        form = await request.form()
        files = posted_files(form, "photos")
        problem = NO_FILES if not files else TOO_MANY_FILES if len(files) > MAX_FILES_PER_UPLOAD else None
        if problem:
            return await self._gallery(request, business, [problem], status_code=422)
        store = MediaStore(settings.media_root)
        try:
            uploaded = await catalog.photos_upload(
                provider_id=business.id,
                count=len(files),
                store_files=lambda: store_uploads(store, files),
                store=store,
                alt_text=_alt_text(form) or f"Photo of {business.name}",
                now=clock.now(),
            )
        except DomainError as error:
            return await self._gallery(request, business, [error.message], status_code=422)
        if uploaded.errors:
            status = 200 if uploaded.added else 422
            return await self._gallery(
                request, business, uploaded.errors, notice=uploaded.notice, status_code=status
            )
        gallery = partial(self._gallery, request, business, notice=uploaded.notice)
        return await swap_or_redirect(request, gallery, to="/dashboard/photos", notice=uploaded.notice)

    async def _after_photo_change(
        self, request: Request, business: Business, notice: str | None = None
    ) -> Response:
        return await swap_or_redirect(
            request, partial(self._gallery, request, business), to="/dashboard/photos", notice=notice
        )

    @post("/photos/{key:str}/cover")
    async def photo_cover(self, request: Request, business: BusinessDep, key: FromPath[str]) -> Response:
        await catalog.photo_make_cover(provider_id=business.id, image_key=key)
        return await self._after_photo_change(request, business)

    @post("/photos/{key:str}/earlier")
    async def photo_earlier(self, request: Request, business: BusinessDep, key: FromPath[str]) -> Response:
        await catalog.photo_move(provider_id=business.id, image_key=key, steps=-1)
        return await self._after_photo_change(request, business)

    @post("/photos/{key:str}/later")
    async def photo_later(self, request: Request, business: BusinessDep, key: FromPath[str]) -> Response:
        await catalog.photo_move(provider_id=business.id, image_key=key, steps=1)
        return await self._after_photo_change(request, business)

    @post("/photos/{key:str}/delete")
    async def photo_delete(
        self, request: Request, business: BusinessDep, key: FromPath[str], settings: SettingsDep
    ) -> Response:
        await catalog.photo_delete(
            provider_id=business.id, image_key=key, store=MediaStore(settings.media_root)
        )
        return await self._after_photo_change(request, business, notice=PHOTO_DELETED)

    # --- services ------------------------------------------------------------------------------

    @get("/services", name="dashboard_services")
    async def services_page(self, request: Request, business: BusinessDep) -> Template:
        team = await team_of(business.id, active_only=True)
        return render(
            request,
            "dashboard/services.html",
            {
                "business": business,
                "services": await offer_queries.services_of(business.id),
                "locations": LOCATION_LABELS,
                "team": team,
                "performers": {
                    service_id: [m.name for m in team if service_id in m.service_ids]
                    for service_id in {sid for m in team for sid in m.service_ids}
                },
            },
        )

    async def _service_form(self, request: Request, team: list[MemberView], **kwargs) -> ServiceForm:
        choices = [(c.id, c.name) for c in await categories()]
        people = [(member.public_id, member.name) for member in team]
        if request.method == "POST":
            return await bind_form(ServiceForm, request, categories=choices, team=people)
        return ServiceForm(categories=choices, team=people, **kwargs)

    @get("/services/new", name="dashboard_service_new")
    async def service_new_page(self, request: Request, business: BusinessDep) -> Template:
        team = await team_of(business.id, active_only=True)
        form = await self._service_form(request, team, data={"members": [m.public_id for m in team]})
        return render(
            request, "dashboard/service_form.html", {"form": form, "business": business, "service": None}
        )

    @post("/services/new")
    async def service_new_submit(
        self, request: Request, business: BusinessDep, settings: SettingsDep, clock: ClockDep
    ) -> Response:
        team = await team_of(business.id, active_only=True)
        form = await self._service_form(request, team)
        if not form.validate():
            context = {"form": form, "business": business, "service": None}
            return render(request, "dashboard/service_form.html", context, status_code=422)
        try:
            await offers.service_create(
                provider_id=business.id,
                details=_details(form, team),
                now=clock.now(),
                zone=settings.city.zone,
            )
        except DomainError as error:
            add_domain_error(form, error)
            context = {"form": form, "business": business, "service": None}
            return render(request, "dashboard/service_form.html", context, status_code=422)
        flash(request, f"“{form.name.data}” is added.")
        return Redirect("/dashboard/services", status_code=303)

    @get("/services/{public_id:str}", name="dashboard_service")
    async def service_page(
        self, request: Request, business: BusinessDep, public_id: FromPath[str]
    ) -> Template:
        service = await _service(business.id, public_id)
        team = await team_of(business.id, active_only=True)
        form = await self._service_form(
            request,
            team,
            data={
                "name": service.name,
                "category": service.category_id,
                "description": service.description,
                "duration_minutes": service.duration_minutes,
                "online_price": amount_text(service.online_price_cents),
                "list_price": amount_text(service.list_price_cents),
                "location": service.location,
                "capacity": service.capacity,
                "members": [m.public_id for m in team if service.id in m.service_ids],
            },
        )
        return render(
            request, "dashboard/service_form.html", {"form": form, "business": business, "service": service}
        )

    @post("/services/{public_id:str}")
    async def service_submit(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Response:
        service = await _service(business.id, public_id)
        team = await team_of(business.id, active_only=True)
        form = await self._service_form(request, team)
        context = {"form": form, "business": business, "service": service}
        if not form.validate():
            return render(request, "dashboard/service_form.html", context, status_code=422)
        try:
            await offers.service_update(
                provider_id=business.id,
                public_id=public_id,
                details=_details(form, team),
                now=clock.now(),
                zone=settings.city.zone,
            )
        except DomainError as error:
            add_domain_error(form, error)
            return render(request, "dashboard/service_form.html", context, status_code=422)
        flash(request, f"“{form.name.data}” is saved.")
        return Redirect("/dashboard/services", status_code=303)

    @get("/services/{public_id:str}/hours", name="dashboard_service_hours")
    async def service_hours_page(
        self, request: Request, business: BusinessDep, public_id: FromPath[str]
    ) -> Template:
        service = await _service(business.id, public_id)
        own = await catalog_queries.opening_hours(business.id, service_id=service.id)
        form = WeekHoursForm(intervals=own or await catalog_queries.opening_hours(business.id))
        return render(
            request,
            "dashboard/service_hours.html",
            {"business": business, "service": service, "form": form, "has_own": bool(own)},
        )

    @post("/services/{public_id:str}/hours")
    async def service_hours_submit(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Response:
        service = await _service(business.id, public_id)
        form = await bind_form(WeekHoursForm, request)
        follow = (await request.form()).get("follow") == "business"
        if not form.validate_own(follow=follow, empty=NO_SERVICE_HOURS):
            context = {"business": business, "service": service, "form": form, "has_own": True}
            return render(request, "dashboard/service_hours.html", context, status_code=422)
        await offers.service_set_hours(
            provider_id=business.id,
            public_id=public_id,
            intervals=None if follow else form.intervals,
            now=clock.now(),
            zone=settings.city.zone,
        )
        if follow:
            flash(request, f"“{service.name}” follows your business hours again.")
        else:
            flash(request, f"“{service.name}” has its own hours now.")
        return Redirect("/dashboard/services", status_code=303)

    @get("/services/{public_id:str}/delete", name="dashboard_service_delete")
    async def service_delete_page(
        self, request: Request, business: BusinessDep, public_id: FromPath[str]
    ) -> Template:
        service = await _service(business.id, public_id)
        return render(request, "dashboard/service_delete.html", {"business": business, "service": service})

    @post("/services/{public_id:str}/delete")
    async def service_delete(
        self, request: Request, business: BusinessDep, public_id: FromPath[str], clock: ClockDep
    ) -> Redirect:
        service = await _service(business.id, public_id)
        try:
            await offers.service_delete(provider_id=business.id, public_id=public_id, now=clock.now())
        except DomainError as error:
            flash(request, f"We kept “{service.name}”. {error.message}", "error")
        else:
            flash(request, f"“{service.name}” is deleted.")
        return Redirect("/dashboard/services", status_code=303)

    @post("/services/{public_id:str}/archive")
    async def service_archive(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Redirect:
        return await self._set_archived(request, business, public_id, True, settings, clock)

    @post("/services/{public_id:str}/restore")
    async def service_restore(
        self,
        request: Request,
        business: BusinessDep,
        public_id: FromPath[str],
        settings: SettingsDep,
        clock: ClockDep,
    ) -> Redirect:
        return await self._set_archived(request, business, public_id, False, settings, clock)

    async def _set_archived(
        self,
        request: Request,
        business: Business,
        public_id: str,
        archived: bool,
        settings: Settings,
        clock,
    ) -> Redirect:
        service = await _service(business.id, public_id)
        try:
            await offers.service_set_archived(
                provider_id=business.id,
                public_id=public_id,
                archived=archived,
                now=clock.now(),
                zone=settings.city.zone,
            )
        except DomainError as error:
            flash(request, error.message, "error")
            return Redirect("/dashboard/services", status_code=303)
        if archived:
            flash(
                request,
                f"“{service.name}” is archived: residents no longer see it. You can restore it any time.",
            )
        else:
            flash(request, f"“{service.name}” is back on your page.")
        return Redirect("/dashboard/services", status_code=303)


ROUTES = [DashboardController]
