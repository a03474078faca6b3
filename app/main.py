"""The application factory: ``create_app(settings)`` builds the whole site."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware

from app import database
from app.accounts import admin_routes as account_admin_routes
from app.accounts import routes as account_routes
from app.accounts.services import sessions_purge_expired, throttle_purge
from app.accounts.sessions import SessionMiddleware, cache_policy
from app.admin import figures_routes
from app.admin import routes as admin_routes
from app.analytics.services import views_add
from app.analytics.views import ViewCounter
from app.booking import provider_routes as provider_booking_routes
from app.booking import routes as booking_routes
from app.booking.services import bookings_expire_lapsed
from app.booking.slot_services import next_free_refresh, slots_refresh_all
from app.catalog.pages import provide_business
from app.dashboard import routes as dashboard_routes
from app.discovery import routes as catalog_routes
from app.jobs.services import job_day_claim
from app.media.memory import large_allocations_returned
from app.media.storage import MEDIA_URL_PREFIX
from app.payments import admin_routes as payment_admin_routes
from app.payments import provider_routes as payment_provider_routes
from app.payments import routes as payment_routes
from app.payments.services import PaymentConfig, payments_reconcile
from app.redemption import pages as redemption_pages
from app.redemption import routes as redemption_routes
from app.reviews import admin_routes as review_admin_routes
from app.reviews import provider_routes as review_provider_routes
from app.reviews import routes as review_routes
from app.settings import Settings
from app.shared.citytime import city_today
from app.shared.clock import Clock, SystemClock
from app.standing import routes as catalog_admin_routes
from app.team import routes as team_routes
from app.web import health
from app.web.errors import EXCEPTION_HANDLERS
from app.web.fragments import FragmentCache
from app.web.requestlog import (
    BackgroundStderrHandler,
    JsonFormatter,
    RequestLogMiddleware,
    request_ids_in_log_records,
)
from app.web.requests import NulFreeQueryMiddleware, SiteRequest, refuse_nul_in_path
from app.web.security import CrossSiteDefenceMiddleware, security_headers
from app.web.static import StaticAssets, files_router
from app.web.templating import template_config

logger = logging.getLogger("cityloop")
VIEWS_FLUSH_SECONDS = 10
HOLD_SWEEP_SECONDS = 30
FREE_TIMES_REFRESH_SECONDS = 300
HOUSEKEEPING_SECONDS = 3600
RECONCILE_SECONDS = 120


async def _every(seconds: float, job, name: str) -> None:
    """Run ``job`` every ``seconds`` (the first time after one period, so starting is cheap);
    a failed round is logged and the next one tries again."""
    while True:
        await anyio.sleep(seconds)
        try:
            await job()
        except Exception:
            logger.exception("%s failed", name)


def _lifespan(settings: Settings, clock: Clock, views: ViewCounter, payments: PaymentConfig):
    zone = settings.city.zone

    async def flush_views() -> None:
        if totals := views.take():
            await views_add(totals)

    async def expire_holds() -> None:
        await bookings_expire_lapsed(now=clock.now())

    async def refresh_free_times() -> None:
        now = clock.now()
        if await job_day_claim(
            name="extend booking windows", today=city_today(now, zone)
        ):  # one worker a day
            report = await slots_refresh_all(now=now, zone=zone)
            if report.failed:
                logger.warning(
                    "extended the booking windows of %s providers; %s failed (ids %s)",
                    report.refreshed,
                    len(report.failed),
                    ", ".join(map(str, report.failed)),
                )
        await next_free_refresh(now=now)

    async def reconcile() -> None:
        report = await payments_reconcile(config=payments, now=clock.now())
        if report.changed:
            logger.info(
                "reconciliation repaired %s payments and %s refunds",
                report.payments_changed,
                report.refunds_changed,
            )

    async def housekeeping() -> None:
        now = clock.now()
        await sessions_purge_expired(now=now)
        await throttle_purge(before=now - timedelta(minutes=settings.login_window_minutes))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = database.current_engine()
        pooled = settings.database_pool_size > 0
        if pooled:
            await database.open_pool(engine, max_size=settings.database_pool_size)
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_every, VIEWS_FLUSH_SECONDS, flush_views, "writing view counts")
                tasks.start_soon(_every, HOLD_SWEEP_SECONDS, expire_holds, "expiring lapsed holds")
                tasks.start_soon(
                    _every, FREE_TIMES_REFRESH_SECONDS, refresh_free_times, "refreshing free times"
                )
                tasks.start_soon(_every, HOUSEKEEPING_SECONDS, housekeeping, "housekeeping")
                tasks.start_soon(_every, RECONCILE_SECONDS, reconcile, "reconciling payments with Stripe")
                yield
                tasks.cancel_scope.cancel()
            await flush_views()  # what the last seconds counted
        finally:
            if pooled:
                await database.close_pool(engine)

    return lifespan


def create_app(settings: Settings, *, clock: Clock | None = None) -> Litestar:
    clock = clock or SystemClock()
    large_allocations_returned()  # once per worker: what a decoded upload took goes back to the system
    views = ViewCounter(settings.city.zone)
    payments = PaymentConfig.from_settings(settings)
    database.bind(
        database.engine_from_url(
            settings.database_url, write_deadline_seconds=settings.database_write_deadline_seconds
        )
    )
    assets = StaticAssets(watch=not settings.is_production)
    settings.media_root.mkdir(parents=True, exist_ok=True)
    # Image keys are random and never reused, so a stored variant never changes.
    media = files_router(path=MEDIA_URL_PREFIX, directory=settings.media_root, name="media")
    production = settings.is_production
    csrf_cookie = "__Host-csrftoken" if production else "csrftoken"
    app = Litestar(
        route_handlers=[
            *catalog_routes.ROUTES,
            *account_routes.ROUTES,
            *dashboard_routes.ROUTES,
            *team_routes.ROUTES,
            *admin_routes.ROUTES,
            *catalog_admin_routes.ROUTES,
            *account_admin_routes.ROUTES,
            *figures_routes.ROUTES,
            *booking_routes.ROUTES,
            *provider_booking_routes.ROUTES,
            *payment_routes.ROUTES,
            *payment_provider_routes.ROUTES,
            *payment_admin_routes.ROUTES,
            *redemption_routes.ROUTES,
            *review_routes.ROUTES,
            *review_provider_routes.ROUTES,
            *review_admin_routes.ROUTES,
            *health.ROUTES,
            *assets.routers(),
            media,
        ],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "clock": Provide(lambda: clock, use_cache=True, sync_to_thread=False),
            "payments": Provide(lambda: payments, use_cache=True, sync_to_thread=False),
            "business": Provide(provide_business),
        },
        middleware=[
            NulFreeQueryMiddleware,
            DefineMiddleware(SessionMiddleware, settings=settings, clock=clock),
            DefineMiddleware(CrossSiteDefenceMiddleware, settings=settings, csrf_cookie=csrf_cookie),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=csrf_cookie,
            cookie_secure=production,
            cookie_httponly=True,
            cookie_samesite="lax",
        ),
        template_config=template_config(
            settings, assets, domain_globals=redemption_pages.template_globals(settings)
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[security_headers(settings), cache_policy],
        lifespan=[_lifespan(settings, clock, views, payments)],
        compression_config=CompressionConfig(backend="gzip", minimum_size=500, gzip_compress_level=6),
        request_class=SiteRequest,
        before_request=refuse_nul_in_path,
        request_max_body_size=1024 * 1024,
        openapi_config=None,
        logging_config=LoggingConfig(
            logging_module="logging",
            formatters={"json": {"()": JsonFormatter}},
            # Litestar's own logger writes here too: JSON lines on stderr, from a background thread.
            handlers={"queue_listener": {"()": BackgroundStderrHandler, "formatter": "json"}},
            root={"level": "INFO", "handlers": ["queue_listener"]},
            disable_existing_loggers=False,
            log_exceptions="never",  # errors.py logs what matters, once
        ),
        state=State({"settings": settings, "clock": clock, "views": views, "fragments": FragmentCache()}),
        debug=False,
    )
    request_ids_in_log_records()
    # Outside Litestar's routing, so paths no route matches are logged (and get an id) too.
    app.asgi_handler = RequestLogMiddleware(app.asgi_handler)
    return app


def create_app_from_env() -> Litestar:
    """Entry point for uvicorn: ``uvicorn --factory app.main:create_app_from_env``.

    uvicorn's ``--log-level`` (already applied to its own loggers in this worker) applies to the
    site's records too: ``--log-level warning`` keeps errors and drops the request lines.
    """
    level = logging.getLogger("uvicorn.error").getEffectiveLevel()
    app = create_app(Settings.from_env())
    logging.getLogger().setLevel(level)
    return app
