"""Per-request helpers handlers share: the settings, the clock and the caller's address."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from app.settings import Settings
from app.shared.clock import Clock

# Handler parameters injected by name from the app's dependencies.
SettingsDep = NamedDependency[Settings]
ClockDep = NamedDependency[Clock]


def client_ip(connection: ASGIConnection) -> str:
    # Behind a proxy, uvicorn's --proxy-headers puts the forwarded address here.
    return connection.client.host if connection.client else "unknown"
