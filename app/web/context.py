"""Per-request helpers handlers share: the caller's address and the rate-limit rule from settings."""

from __future__ import annotations

from datetime import timedelta

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from app.accounts.throttle import ThrottleRule
from app.payments.services import PaymentConfig
from app.settings import Settings
from app.shared.clock import Clock

# Handler parameters injected by name from the app's dependencies.
SettingsDep = NamedDependency[Settings]
ClockDep = NamedDependency[Clock]
PaymentsDep = NamedDependency[PaymentConfig]


def client_ip(connection: ASGIConnection) -> str:
    # Behind a proxy, uvicorn's --proxy-headers puts the forwarded address here.
    return connection.client.host if connection.client else "unknown"


def attempts_rule(settings: Settings) -> ThrottleRule:
    return ThrottleRule(
        limit=settings.login_max_failures, window=timedelta(minutes=settings.login_window_minutes)
    )
