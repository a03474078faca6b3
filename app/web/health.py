"""Liveness for load balancers and uptime checks: 200 when the database answers, 503 otherwise."""

from __future__ import annotations

from litestar import get
from litestar.response import Response

from app import database
from app.web.sessions import STATELESS_ROUTE_OPT


@get("/healthz", name="healthz", opt=STATELESS_ROUTE_OPT)
async def healthz() -> Response:
    if await database.database_is_reachable():
        return Response(
            {"status": "ok", "database": "ok"}, status_code=200, headers={"cache-control": "no-store"}
        )
    return Response(
        {"status": "unavailable", "database": "unreachable"},
        status_code=503,
        headers={"cache-control": "no-store"},
    )


ROUTES = [healthz]
