"""Liveness for load balancers and uptime checks.

200 while the database answers reads, 503 when it doesn't. A database that answers reads but
can't take writes (SQLite locked by another program, a PostgreSQL replica) still gets 200, so a
load balancer keeps the site browsable, with ``"status": "degraded"`` for monitoring to alert on.
"""

from __future__ import annotations

from litestar import get
from litestar.response import Response

from app import database
from app.web.route_options import STATELESS_ROUTE_OPT


@get("/healthz", name="healthz", opt=STATELESS_ROUTE_OPT)
async def healthz() -> Response:
    if await database.database_is_reachable():
        if await database.database_takes_writes():
            body = {"status": "ok", "database": "ok", "writes": "ok"}
        else:
            body = {"status": "degraded", "database": "ok", "writes": "unavailable"}
        return Response(body, status_code=200, headers={"cache-control": "no-store"})
    return Response(
        {"status": "unavailable", "database": "unreachable", "writes": "unavailable"},
        status_code=503,
        headers={"cache-control": "no-store"},
    )


ROUTES = [healthz]
