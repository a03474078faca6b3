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
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router

from app import database
from app.accounts import routes as account_routes
from app.accounts.services import sessions_purge_expired, throttle_purge
from app.catalog import routes as catalog_routes
from app.dashboard import routes as dashboard_routes
from app.media.storage import MEDIA_URL_PREFIX
from app.settings import Settings
from app.shared.clock import Clock, SystemClock
from app.web import health
from app.web.errors import EXCEPTION_HANDLERS
from app.web.security import CrossSiteDefenceMiddleware, security_headers
from app.web.sessions import STATELESS_ROUTE_OPT, SessionMiddleware
from app.web.static import ONE_YEAR, StaticAssets
from app.web.templating import template_config

logger = logging.getLogger("cityloop")
HOUSEKEEPING_INTERVAL_SECONDS = 3600


async def _housekeeping(settings: Settings, clock: Clock) -> None:
    """Forget expired sessions and old rate-limit attempts, once an hour in every worker."""
    while True:
        try:
            now = clock.now()
            await sessions_purge_expired(now=now)
            await throttle_purge(before=now - timedelta(minutes=settings.login_window_minutes))
        except Exception:  # a missed round is harmless; the next one catches up
            logger.exception("housekeeping failed")
        await anyio.sleep(HOUSEKEEPING_INTERVAL_SECONDS)


def _lifespan(settings: Settings, clock: Clock):
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = database.current_engine()
        pooled = settings.database_pool_size > 0
        if pooled:
            await database.open_pool(engine, max_size=settings.database_pool_size)
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_housekeeping, settings, clock)
                yield
                tasks.cancel_scope.cancel()
        finally:
            if pooled:
                await database.close_pool(engine)

    return lifespan


def create_app(settings: Settings, *, clock: Clock | None = None) -> Litestar:
    clock = clock or SystemClock()
    database.bind(database.engine_from_url(settings.database_url))
    assets = StaticAssets()
    settings.media_root.mkdir(parents=True, exist_ok=True)
    media = create_static_files_router(
        path=MEDIA_URL_PREFIX,
        directories=[settings.media_root],
        name="media",
        # Image keys are random and never reused, so a stored variant never changes.
        cache_control=CacheControlHeader(max_age=ONE_YEAR, public=True),
        opt=STATELESS_ROUTE_OPT,
        include_in_schema=False,
    )
    production = settings.is_production
    csrf_cookie = "__Host-csrftoken" if production else "csrftoken"
    return Litestar(
        route_handlers=[
            *catalog_routes.ROUTES,
            *account_routes.ROUTES,
            *dashboard_routes.ROUTES,
            *health.ROUTES,
            *assets.routers(),
            media,
        ],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "clock": Provide(lambda: clock, use_cache=True, sync_to_thread=False),
        },
        middleware=[
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
        template_config=template_config(settings, assets),
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[security_headers(settings)],
        lifespan=[_lifespan(settings, clock)],
        compression_config=CompressionConfig(backend="gzip", minimum_size=500, gzip_compress_level=6),
        request_max_body_size=1024 * 1024,
        openapi_config=None,
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            disable_existing_loggers=False,
            log_exceptions="never",  # errors.py logs what matters, once
        ),
        state=State({"settings": settings, "clock": clock}),
        debug=False,
    )


def create_app_from_env() -> Litestar:
    """Entry point for uvicorn: ``uvicorn --factory app.main:create_app_from_env``."""
    return create_app(Settings.from_env())
