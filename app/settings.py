"""Settings, read from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies

from app.shared.money import format_money

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_ENVS = ("dev", "test", "production")
# Known to everyone who reads this file, so production refuses it.
DEV_SECRET_KEY = "cityloop-dev-secret-key-not-for-production"
MIN_SECRET_KEY_LENGTH = 32
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'cityloop.sqlite3'}"
LOCALSTRIPE_PORT = 8420


class SettingsError(Exception):
    """The environment holds a setting the site cannot start with; the message says which."""


@dataclass(frozen=True, slots=True)
class CitySettings:
    name: str
    timezone: str
    currency: str
    locale: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def money(self, cents: int) -> str:
        """An amount as the city writes it ("30 €", "30,50 €"): templates, messages and charts."""
        return format_money(cents, self.currency, self.locale)


@dataclass(frozen=True, slots=True)
class StripeSettings:
    secret_key: str
    publishable_key: str
    api_base: str
    js_url: str
    webhook_secret: str


@dataclass(frozen=True, slots=True)
class Settings:
    app_env: str
    secret_key: str
    public_url: str  # the address residents use, e.g. https://valencia.cityloop.example
    database_url: str
    media_root: Path
    city: CitySettings
    stripe: StripeSettings
    session_days: int = 14
    login_max_failures: int = 10
    login_window_minutes: int = 15
    # PostgreSQL connections each worker keeps open; 0 opens one per query instead.
    database_pool_size: int = 10
    # SQLite: how long a write waits for the lock before the visitor gets "busy, try again".
    database_write_deadline_seconds: int = 5
    # How long a held time waits for payment before it goes back on sale.
    hold_minutes: int = 10
    # The platform's commission on what residents pay, in basis points (1000 = 10 %).
    commission_basis_points: int = 1000

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def debug(self) -> bool:
        return self.app_env == "dev"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            return value or default

        app_env = get("APP_ENV", "dev")
        if app_env not in APP_ENVS:
            raise SettingsError(f"APP_ENV must be one of {', '.join(APP_ENVS)} (got {app_env!r}).")
        production = app_env == "production"

        secret_key = get("SECRET_KEY", DEV_SECRET_KEY)
        if production and secret_key == DEV_SECRET_KEY:
            raise SettingsError(
                "SECRET_KEY is missing or set to the development default. In production set SECRET_KEY "
                f"to a random value of at least {MIN_SECRET_KEY_LENGTH} characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if production and len(secret_key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters long.")

        public_url = get("PUBLIC_URL", "" if production else "http://127.0.0.1:8000").rstrip("/")
        public_parts = urlsplit(public_url)
        if public_parts.scheme not in ("http", "https") or not public_parts.netloc:
            raise SettingsError(
                "PUBLIC_URL must be the site's address, like https://valencia.cityloop.example "
                f"(got {public_url!r}); it is required in production."
            )

        database_url = get("DATABASE_URL", DEFAULT_DATABASE_URL)
        scheme = urlsplit(database_url).scheme
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise SettingsError(
                "DATABASE_URL must start with sqlite:/// (a file path) or postgresql:// "
                f"(got {database_url.split(':', 1)[0]!r})."
            )

        stripe_default_base = (
            "https://api.stripe.com" if production else f"http://127.0.0.1:{LOCALSTRIPE_PORT}"
        )
        stripe_default_js = (
            "https://js.stripe.com/v3/" if production else f"{stripe_default_base}/js.stripe.com/v3/"
        )
        return cls(
            app_env=app_env,
            secret_key=secret_key,
            public_url=public_url,
            database_url=database_url,
            media_root=Path(get("MEDIA_ROOT", str(PROJECT_ROOT / "data" / "media"))).resolve(),
            city=_city_from_env(get),
            stripe=StripeSettings(
                secret_key=get("STRIPE_SECRET_KEY", "" if production else "sk_test_cityloop_localstripe"),
                publishable_key=get(
                    "STRIPE_PUBLISHABLE_KEY", "" if production else "pk_test_cityloop_localstripe"
                ),
                api_base=get("STRIPE_API_BASE", stripe_default_base).rstrip("/"),
                js_url=get("STRIPE_JS_URL", stripe_default_js),
                webhook_secret=get(
                    "STRIPE_WEBHOOK_SECRET", "" if production else "whsec_cityloop_localstripe"
                ),
            ),
            session_days=_whole_number(get, "SESSION_DAYS", 14),
            login_max_failures=_whole_number(get, "LOGIN_MAX_FAILURES", 10),
            login_window_minutes=_whole_number(get, "LOGIN_WINDOW_MINUTES", 15),
            database_pool_size=_whole_number(get, "DATABASE_POOL_SIZE", 10, minimum=0),
            database_write_deadline_seconds=_whole_number(get, "DATABASE_WRITE_DEADLINE_SECONDS", 5),
            hold_minutes=_whole_number(get, "HOLD_MINUTES", 10),
            commission_basis_points=_percent_in_basis_points(get, "COMMISSION_PERCENT", "10"),
        )


def _city_from_env(get) -> CitySettings:
    timezone = get("CITY_TIMEZONE", "Europe/Madrid")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"CITY_TIMEZONE must be an IANA zone like Europe/Madrid (got {timezone!r})."
        ) from exc
    locale = get("CITY_LOCALE", "en_GB")
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError) as exc:
        raise SettingsError(f"CITY_LOCALE must be a locale like en_GB or es_ES (got {locale!r}).") from exc
    currency = get("CITY_CURRENCY", "EUR").upper()
    if currency not in list_currencies():
        raise SettingsError(f"CITY_CURRENCY must be an ISO 4217 code like EUR (got {currency!r}).")
    return CitySettings(
        name=get("CITY_NAME", "Valencia"), timezone=timezone, currency=currency, locale=locale
    )


def _whole_number(get, name: str, default: int, minimum: int = 1) -> int:
    raw = get(name, str(default))
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number (got {raw!r}).") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum} (got {value}).")
    return value


def _percent_in_basis_points(get, name: str, default: str) -> int:
    raw = get(name, default)
    try:
        percent = Decimal(raw)
    except InvalidOperation as exc:
        raise SettingsError(f"{name} must be a percentage like 10 or 12.5 (got {raw!r}).") from exc
    basis_points = percent * 100
    if not (percent.is_finite() and 0 <= percent <= 100) or basis_points != basis_points.to_integral_value():
        raise SettingsError(f"{name} must be between 0 and 100, with at most two decimals (got {raw!r}).")
    return int(basis_points)
