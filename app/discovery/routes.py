"""The public catalogue: results with filters, category and neighbourhood pages, provider pages."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Annotated

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from markupsafe import Markup

from app.accounts.identity import Role
from app.analytics.views import ViewCounter
from app.booking.days import asked_day
from app.booking.policy import STANDARD_POLICY
from app.booking.queries import service_day_times
from app.catalog import queries as catalog
from app.catalog.hours import weekly_summary
from app.discovery import queries as discovery
from app.discovery.filters import AVAILABLE, FURTHEST_DAYS, ON_A_DAY, RATINGS, SORTS, parse_filters
from app.settings import Settings
from app.shared.citytime import city_today
from app.shared.clock import Clock
from app.shared.paging import page_number
from app.shared.text import is_slug
from app.web.context import ClockDep, SettingsDep
from app.web.exceptions import PageMissing
from app.web.fragments import Rendered, render_fragment, shared_fragment
from app.web.htmx import fragment_response, render, wants_fragment

UNKNOWN_CATEGORY = "We ignored the category “{slug}”: it isn't one we list."
SERVICE_NOT_OFFERED = "{provider} doesn't offer that service (any more). These are the free times of {shown}."
UNKNOWN_NEIGHBOURHOOD = "We ignored the neighbourhood “{slug}”: it isn't one we list."


def _views(request: Request) -> ViewCounter:
    return request.app.state.views


async def _results(
    request: Request,
    settings: Settings,
    clock: Clock,
    *,
    landing_category: catalog.Landing | None = None,
    landing_neighbourhood: catalog.Landing | None = None,
) -> Template | Redirect | Response:
    """The results page for the URL's filters; category and neighbourhood pages preset one."""
    now, zone = clock.now(), settings.city.zone
    params = {key: request.query_params.get(key) for key in request.query_params}
    if landing_category:
        params.setdefault("category", landing_category.slug)
    if landing_neighbourhood:
        params.setdefault("neighbourhood", landing_neighbourhood.slug)
    filters, notes = parse_filters(params, now=now, zone=zone)
    today = city_today(now, zone)
    clean_url = filters.url(page=filters.page)
    submitted_blanks = any(not request.query_params.get(key) for key in request.query_params)
    if submitted_blanks and not notes and not wants_fragment(request):
        # A form sent without JavaScript carries every field, empty or not: show the shareable URL.
        return Redirect(clean_url, status_code=303)

    async def catalogue() -> Rendered:
        categories, neighbourhoods = await catalog.filter_lists()
        category = next((c for c in categories if c.slug == filters.category), None)
        neighbourhood = next((n for n in neighbourhoods if n.slug == filters.neighbourhood), None)
        if filters.category and category is None:
            notes.append(UNKNOWN_CATEGORY.format(slug=filters.category))
        if filters.neighbourhood and neighbourhood is None:
            notes.append(UNKNOWN_NEIGHBOURHOOD.format(slug=filters.neighbourhood))
        results = await discovery.search_providers(
            filters,
            now=now,
            zone=zone,
            category_id=category.id if category else None,
            neighbourhood_id=neighbourhood.id if neighbourhood else None,
        )
        if landing_category and not neighbourhood:
            canonical = f"/c/{landing_category.slug}"
        elif landing_neighbourhood and not category:
            canonical = f"/n/{landing_neighbourhood.slug}"
        else:
            canonical = "/"
        context = {
            "filters": filters,
            "query": filters.query,
            "notes": notes,
            "results": results,
            "category": category,
            "neighbourhood": neighbourhood,
            "category_description": landing_category.description if landing_category else "",
            "categories": categories,
            "neighbourhoods": neighbourhoods,
            "sorts": SORTS,
            "ratings": RATINGS,
            "available_choices": AVAILABLE,
            "on_a_day": ON_A_DAY,
            "first_day": today.isoformat(),
            "last_day": (today + timedelta(days=FURTHEST_DAYS)).isoformat(),
            "canonical": canonical,
            # Only the home page and the category and neighbourhood pages themselves are for search engines.
            "indexable": request.url.path == canonical and not request.url.query,
        }
        return Rendered(render_fragment(request, "catalog/_catalogue.html", context), context)

    # The filters, results and links are the same for every visitor: rendered once, reused.
    rendered = await shared_fragment(request, catalogue, now=now)
    _views(request).listed((card.id for card in rendered.context["results"].items), now)
    if wants_fragment(request):
        # htmx pushes this URL to the address bar instead of the form's raw query string.
        return fragment_response(rendered.html, headers={"hx-push-url": clean_url})
    return Template(
        template_name="catalog/results.html",
        context={**rendered.context, "catalogue": Markup(rendered.html)},  # noqa: S704 - our own rendering
        headers={"vary": "HX-Request"},
    )


@get("/", name="home")
async def home(request: Request, settings: SettingsDep, clock: ClockDep) -> Template | Redirect | Response:
    return await _results(request, settings, clock)


@get("/c/{slug:str}", name="category")
async def category_page(
    request: Request, slug: FromPath[str], settings: SettingsDep, clock: ClockDep
) -> Template | Redirect | Response:
    category = await catalog.category_by_slug(slug) if is_slug(slug) else None
    if category is None:
        raise PageMissing("We don't list that category. Browse all home services instead.")
    return await _results(request, settings, clock, landing_category=category)


@get("/n/{slug:str}", name="neighbourhood")
async def neighbourhood_page(
    request: Request, slug: FromPath[str], settings: SettingsDep, clock: ClockDep
) -> Template | Redirect | Response:
    neighbourhood = await catalog.neighbourhood_by_slug(slug) if is_slug(slug) else None
    if neighbourhood is None:
        raise PageMissing("We don't list that neighbourhood. Browse the whole city instead.")
    return await _results(request, settings, clock, landing_neighbourhood=neighbourhood)


async def _visible_profile(
    request: Request, slug: str, clock: Clock, settings: Settings, *, days_service: str | None = None
):
    """The provider's page data. Unverified and suspended providers are hidden from residents:
    only their owner (and administrators, who check them) see the page, with a banner."""
    profile = (
        await discovery.provider_profile(
            slug, now=clock.now(), zone=settings.city.zone, days_service=days_service
        )
        if is_slug(slug)
        else None
    )
    user = request.scope.get("user")
    is_owner = profile is not None and user is not None and user.id == profile.owner_id
    is_public = profile is not None and profile.is_verified and not profile.is_suspended
    is_admin = user is not None and user.role is Role.admin
    if profile is None or not (is_public or is_owner or is_admin):
        raise PageMissing("We couldn't find that business. It may have changed its web address.")
    return profile, is_owner


async def _provider_article(
    request: Request,
    slug: str,
    clock: Clock,
    settings: Settings,
    service: str | None,
    day: str | None,
    *,
    template: str,
) -> Rendered:
    """The provider page's article (or only its days, ``template`` says), with what the page
    around it needs: the days of the service asked for and, for the day asked for, its free times."""
    days_service = service if service and is_slug(service) else None
    profile, is_owner = await _visible_profile(request, slug, clock, settings, days_service=days_service)
    shown = profile.days_service
    chosen, day_problem = asked_day(day, profile.days)
    context = {
        "provider": profile,
        "is_owner": is_owner,
        "reviews": await discovery.provider_reviews(profile.id, page=1),
        "hours": weekly_summary(profile.hours),
        "policy": STANDARD_POLICY,
        "canonical": f"/providers/{profile.slug}",
        "service_problem": SERVICE_NOT_OFFERED.format(provider=profile.name, shown=shown.name)
        if service and shown and shown.public_id != service
        else "",
        "day": chosen,
        "day_problem": day_problem,
        "day_times": await service_day_times(shown.id, chosen, now=clock.now(), zone=settings.city.zone)
        if shown and chosen
        else [],
    }
    return Rendered(render_fragment(request, template, context), context)


@get("/providers/{slug:str}", name="provider")
async def provider_page(
    request: Request,
    slug: FromPath[str],
    settings: SettingsDep,
    clock: ClockDep,
    service: Annotated[str | None, QueryParameter(name="service")] = None,
    day: Annotated[str | None, QueryParameter(name="day")] = None,
) -> Template | Response:
    """The public page; ``?service=`` chooses whose free times the "next days" strip shows, and
    ``?day=`` opens one day's free times under it. With htmx, a tap on either gets only the days."""
    now = clock.now()
    days_only = wants_fragment(request)
    template = "catalog/_provider_days.html" if days_only else "catalog/_provider_page.html"
    public_page = partial(_provider_article, request, slug, clock, settings, service, day, template=template)
    user = request.scope.get("user")
    if user is None or user.role is Role.resident:
        # What every resident sees alike; owners and administrators may see more (see below).
        key = f"{template}:{request.url.path}?service={service or ''}&day={day or ''}"
        rendered = await shared_fragment(request, public_page, now=now, key=key)
    else:
        rendered = await public_page()
    if days_only:
        return fragment_response(rendered.html)
    profile = rendered.context["provider"]
    if profile.is_verified and not profile.is_suspended and not rendered.context["is_owner"]:
        _views(request).page_viewed(profile.id, now)
    return Template(
        template_name="catalog/provider.html",
        context={**rendered.context, "article": Markup(rendered.html)},  # noqa: S704 - our own rendering
        headers={"vary": "HX-Request"},
    )


@get("/providers/{slug:str}/reviews", name="provider_reviews")
async def provider_reviews_page(
    request: Request,
    slug: FromPath[str],
    settings: SettingsDep,
    clock: ClockDep,
    page: Annotated[str | None, QueryParameter(name="page")] = None,
) -> Template:
    """More reviews: the next page as a fragment for "Show more", or a page of its own without JS."""
    profile, _ = await _visible_profile(request, slug, clock, settings)
    reviews = await discovery.provider_reviews(profile.id, page=page_number(page))
    return render(
        request,
        "catalog/reviews.html",
        {"provider": profile, "reviews": reviews, "canonical": f"/providers/{profile.slug}"},
        fragment="catalog/_reviews.html",
    )


ROUTES = [home, category_page, neighbourhood_page, provider_page, provider_reviews_page]
