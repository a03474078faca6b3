"""The public catalogue: the home page lists verified providers, with a search box in the header."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from app.catalog.queries import listed_providers
from app.web.htmx import render
from app.web.params import page_number

MAX_QUERY_LENGTH = 100


@get("/", name="home")
async def home(
    request: Request,
    q: Annotated[str | None, QueryParameter(name="q")] = None,
    page: Annotated[str | None, QueryParameter(name="page")] = None,
) -> Template:
    query = (q or "").strip()[:MAX_QUERY_LENGTH]
    results = await listed_providers(query=query, page=page_number(page))
    return render(request, "catalog/home.html", {"query": query, "results": results})


ROUTES = [home]
