"""Jinja2 set-up: one place for money, local time, images, the signed-in user and flash messages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

import segno
from jinja2 import StrictUndefined, Undefined, pass_context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from app.media.storage import image_src, image_srcset, portrait_src
from app.redemption.codes import grouped
from app.redemption.rules import may_undo, undo_deadline
from app.settings import PROJECT_ROOT, Settings
from app.shared.citytime import format_city_date, format_city_time, format_duration
from app.shared.money import format_money
from app.web.flash import pop_flashes
from app.web.static import StaticAssets

TEMPLATES_DIR = PROJECT_ROOT / "templates"


def template_config(settings: Settings, assets: StaticAssets) -> TemplateConfig:
    city = settings.city

    def city_time(instant: datetime, pattern: str = "EEE d MMM, HH:mm") -> str:
        return format_city_time(instant, city.zone, city.locale, pattern)

    def redeem_qr(code: str) -> Markup:
        """The code as a QR (inline SVG): it opens the provider's Redeem page with the code filled in."""
        address = f"{settings.public_url}/dashboard/redeem?code={grouped(code)}"
        # segno writes the SVG itself from the address; nothing in it comes from a person.
        return Markup(  # noqa: S704
            segno.make(address, error="m").svg_inline(
                scale=1, omitsize=True, title=f"QR code for {grouped(code)}"
            )
        )

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
            redeem_qr=redeem_qr,
            may_undo=may_undo,
            undo_deadline=undo_deadline,
            stripe_js_url=settings.stripe.js_url,
            stripe_publishable_key=settings.stripe.publishable_key,
        )
        env.filters.update(
            money=partial(format_money, currency=city.currency, locale=city.locale),
            city_time=city_time,
            city_date=city_date,
            duration=format_duration,
        )

    return TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=configure)
