"""Administration of providers: the verification queue, a provider's file, verify, suspend, reinstate."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from wtforms import Form

from app.accounts.guards import requires_role
from app.accounts.identity import Role
from app.catalog.rules import FILTER_LABELS, PROVIDER_FILTERS, Standing, provider_filter
from app.payments.pages import PaymentsDep
from app.shared.errors import ConflictError, DomainError, NotFoundError
from app.shared.paging import page_number
from app.shared.text import is_slug
from app.standing import queries
from app.standing import services as standing
from app.standing.forms import CANCEL, ReinstateForm, SuspendForm, VerifyForm
from app.web.context import ClockDep, SettingsDep
from app.web.exceptions import PageMissing
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render
from app.web.route_options import PRIVATE

SEARCH_MAX = 100


class ProviderAdminController(Controller):
    path = "/admin/providers"
    guards = [requires_role(Role.admin)]

    @get("/", name="admin_providers")
    async def providers_page(
        self,
        request: Request,
        status: Annotated[str | None, QueryParameter(name="status")] = None,
        q: Annotated[str, QueryParameter(name="q")] = "",
        page: Annotated[str | None, QueryParameter(name="page")] = None,
    ) -> Template:
        chosen, search = provider_filter(status), q.strip()[:SEARCH_MAX]
        number = page_number(page)
        listing = await queries.admin_providers(chosen, search=search, page=number)

        def link(**changes) -> str:
            params = {"status": chosen, "q": search, "page": number} | changes
            return "/admin/providers?" + urlencode(
                {key: value for key, value in params.items() if value and value != 1}
            )

        return render(
            request,
            "admin/providers.html",
            {
                "status": chosen,
                "q": search,
                "listing": listing,
                "filters": [(key, FILTER_LABELS[key], listing.counts[key]) for key in PROVIDER_FILTERS],
                "link": link,
            },
            headers=PRIVATE,
        )

    async def _provider(self, slug: str, clock) -> queries.AdminProviderDetail:
        provider = await queries.admin_provider(slug, now=clock.now()) if is_slug(slug) else None
        if provider is None:
            raise PageMissing(standing.NO_SUCH_PROVIDER)
        return provider

    async def _page(
        self,
        request: Request,
        provider: queries.AdminProviderDetail,
        *,
        forms: dict[str, Form] | None = None,
        problem: str = "",
        status_code: int = 200,
    ) -> Template:
        all_forms = {"verify": VerifyForm(), "suspend": SuspendForm(), "reinstate": ReinstateForm()}
        return render(
            request,
            "admin/provider.html",
            {
                "provider": provider,
                "standings": Standing,
                "problem": problem,
                **(all_forms | (forms or {})),
            },
            status_code=status_code,
            headers=PRIVATE,
        )

    @get("/{slug:str}", name="admin_provider")
    async def provider_page(self, request: Request, slug: FromPath[str], clock: ClockDep) -> Template:
        return await self._page(request, await self._provider(slug, clock))

    async def _decide(self, request: Request, slug: str, clock, kind: str, form: Form, decision) -> Response:
        """Validate ``form``, run ``decision`` (a service call), then redirect or re-render the page."""
        provider = await self._provider(slug, clock)
        if form.validate():
            try:
                message = await decision(provider, form)
            except (ConflictError, NotFoundError) as error:
                # The provider changed meanwhile (another admin, usually): say so above its current state.
                fresh = await self._provider(slug, clock)
                return await self._page(request, fresh, problem=error.message, status_code=409)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                flash(request, message)
                return Redirect(f"/admin/providers/{provider.slug}", status_code=303)
        return await self._page(request, provider, forms={kind: form}, status_code=422)

    @post("/{slug:str}/verify")
    async def verify(
        self, request: Request, slug: FromPath[str], clock: ClockDep, settings: SettingsDep
    ) -> Response:
        async def decision(provider, form) -> str:
            await standing.provider_verify(
                provider_id=provider.id,
                note=form.note.data,
                now=clock.now(),
                zone=settings.city.zone,
                admin_id=request.scope["user"].id,
            )
            if provider.standing is Standing.suspended:
                return f"{provider.name} is verified. It stays hidden until it is reinstated."
            return f"{provider.name} is verified and listed."

        return await self._decide(
            request, slug, clock, "verify", await bind_form(VerifyForm, request), decision
        )

    @post("/{slug:str}/suspend")
    async def suspend(
        self, request: Request, slug: FromPath[str], clock: ClockDep, payments: PaymentsDep
    ) -> Response:
        async def decision(provider, form) -> str:
            outcome = await standing.provider_suspend(
                provider_id=provider.id,
                admin_id=request.scope["user"].id,
                reason=form.reason.data,
                cancel_bookings=form.bookings.data == CANCEL,
                config=payments,
                now=clock.now(),
            )
            return outcome.summary(provider.name, bookings_cancelled=form.bookings.data == CANCEL)

        return await self._decide(
            request, slug, clock, "suspend", await bind_form(SuspendForm, request), decision
        )

    @post("/{slug:str}/reinstate")
    async def reinstate(self, request: Request, slug: FromPath[str], clock: ClockDep) -> Response:
        async def decision(provider, form) -> str:
            await standing.provider_reinstate(
                provider_id=provider.id,
                admin_id=request.scope["user"].id,
                note=form.note.data,
                now=clock.now(),
            )
            if not provider.is_verified:
                return f"{provider.name} is reinstated. It is still waiting for verification."
            return f"{provider.name} is reinstated and listed again."

        return await self._decide(
            request, slug, clock, "reinstate", await bind_form(ReinstateForm, request), decision
        )


ROUTES = [ProviderAdminController]
