from pathlib import Path

import pytest

from app.settings import DEFAULT_DATABASE_URL, DEV_SECRET_KEY, Settings, SettingsError

LONG_SECRET = "x" * 48


def test_development_defaults_run_the_demo_city_on_sqlite_and_localstripe():
    settings = Settings.from_env({})
    assert settings.app_env == "dev"
    assert settings.debug and not settings.is_production
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.city.name == "Valencia"
    assert settings.city.timezone == "Europe/Madrid"
    assert settings.city.currency == "EUR"
    assert settings.stripe.api_base == "http://127.0.0.1:8420"
    assert settings.stripe.js_url == "http://127.0.0.1:8420/js.stripe.com/v3/"


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(SettingsError, match="SECRET_KEY is missing"):
        Settings.from_env({"APP_ENV": "production"})


def test_production_refuses_the_development_secret_key():
    with pytest.raises(SettingsError, match="development default"):
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": DEV_SECRET_KEY})


def test_production_refuses_a_short_secret_key():
    with pytest.raises(SettingsError, match="at least 32 characters"):
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "short-secret"})


def test_production_talks_to_real_stripe_by_default():
    settings = Settings.from_env(
        {
            "APP_ENV": "production",
            "SECRET_KEY": LONG_SECRET,
            "PUBLIC_URL": "https://valencia.cityloop.example/",
        }
    )
    assert settings.is_production and not settings.debug
    assert settings.public_url == "https://valencia.cityloop.example"
    assert settings.stripe.api_base == "https://api.stripe.com"
    assert settings.stripe.js_url == "https://js.stripe.com/v3/"
    assert settings.stripe.secret_key == ""


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV must be one of"),
        ({"APP_ENV": "production", "SECRET_KEY": LONG_SECRET}, "PUBLIC_URL must be the site's address"),
        ({"PUBLIC_URL": "valencia.cityloop.example"}, "PUBLIC_URL must be the site's address"),
        ({"DATABASE_URL": "mysql://localhost/db"}, "DATABASE_URL must start with"),
        ({"CITY_TIMEZONE": "Mars/Olympus"}, "CITY_TIMEZONE must be an IANA zone"),
        ({"CITY_CURRENCY": "EURO"}, "CITY_CURRENCY must be an ISO 4217 code"),
        ({"CITY_LOCALE": "xx_YY_ZZ"}, "CITY_LOCALE must be a locale"),
        ({"LOGIN_MAX_FAILURES": "ten"}, "LOGIN_MAX_FAILURES must be a whole number"),
        ({"SESSION_DAYS": "0"}, "SESSION_DAYS must be at least 1"),
        ({"COMMISSION_PERCENT": "ten"}, "COMMISSION_PERCENT must be a percentage"),
        ({"COMMISSION_PERCENT": "101"}, "COMMISSION_PERCENT must be between 0 and 100"),
        ({"COMMISSION_PERCENT": "12.345"}, "at most two decimals"),
        ({"COMMISSION_PERCENT": "NaN"}, "COMMISSION_PERCENT must be between 0 and 100"),
    ],
)
def test_bad_settings_stop_start_up_with_a_message_naming_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_city_settings_come_from_the_environment():
    settings = Settings.from_env(
        {
            "CITY_NAME": "Lisboa",
            "CITY_TIMEZONE": "Europe/Lisbon",
            "CITY_CURRENCY": "eur",
            "CITY_LOCALE": "pt_PT",
        }
    )
    assert (settings.city.name, settings.city.currency, settings.city.locale) == ("Lisboa", "EUR", "pt_PT")
    assert settings.city.zone.key == "Europe/Lisbon"


def test_blank_values_fall_back_to_defaults_and_media_root_is_absolute(tmp_path):
    settings = Settings.from_env({"APP_ENV": "  ", "MEDIA_ROOT": str(tmp_path / "m")})
    assert settings.app_env == "dev"
    assert settings.media_root == Path(tmp_path / "m").resolve()


def test_postgres_urls_are_accepted():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://cityloop@127.0.0.1:5432/cityloop"})
    assert settings.database_url.startswith("postgresql://")


@pytest.mark.parametrize(
    ("percent", "basis_points"), [("10", 1000), ("12.5", 1250), ("0", 0), ("100", 10000)]
)
def test_the_commission_is_kept_in_basis_points(percent, basis_points):
    assert Settings.from_env({"COMMISSION_PERCENT": percent}).commission_basis_points == basis_points
    assert Settings.from_env({}).commission_basis_points == 1000
