"""Jinja2 set-up: one place for money, local time, images, the signed-in user and flash messages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from jinja2 import StrictUndefined, Undefined, pass_context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from app.media.storage import image_src, image_srcset, portrait_src
from app.settings import PROJECT_ROOT, Settings
from app.shared.citytime import format_city_date, format_city_time, format_duration
from app.web.flash import pop_flashes
from app.web.static import StaticAssets

TEMPLATES_DIR = PROJECT_ROOT / "templates"


def template_config(
    settings: Settings, assets: StaticAssets, *, domain_globals: Mapping[str, object]
) -> TemplateConfig:
    """``domain_globals``: the few helpers pages call that belong to a domain (given by create_app)."""
    city = settings.city

    def city_time(instant: datetime, pattern: str = "EEE d MMM, HH:mm") -> str:
        return format_city_time(instant, city.zone, city.locale, pattern)

    def city_date(day: date, pattern: str = "EEE d MMM") -> str:
        return format_city_date(day, city.locale, pattern)

    @pass_context
    def current_user(context):
        return context["request"].scope.get("user")

    @pass_context
    def session_known(context) -> bool:
        # False for requests that never reached the session middleware (e.g. a mistyped URL's 404).
        return "user" in context["request"].scope

    @pass_context
    def flashes(context):
        return pop_flashes(context["request"])

    def configure(engine: JinjaTemplateEngine) -> None:
        env = engine.engine
        env.trim_blocks = True
        env.lstrip_blocks = True
        # Outside production a missing variable is a bug to see at once, not an empty string.
        env.undefined = Undefined if settings.is_production else StrictUndefined
        env.globals.update(
            city=city,
            public_url=settings.public_url,
            static=assets.url,
            current_user=current_user,
            session_known=session_known,
            flashes=flashes,
            image_src=image_src,
            image_srcset=image_srcset,
            portrait_src=portrait_src,
            timedelta=lambda days: timedelta(days=days),
            stripe_js_url=settings.stripe.js_url,
            stripe_publishable_key=settings.stripe.publishable_key,
            **domain_globals,
        )
        env.filters.update(
            money=city.money,
            city_time=city_time,
            city_date=city_date,
            duration=format_duration,
        )

    return TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=configure)
