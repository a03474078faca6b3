"""Catalogue pieces that pages of several domains share: the business a signed-in provider runs."""

from __future__ import annotations

from litestar import Request
from litestar.di import NamedDependency

from app.accounts.guards import signed_in_user
from app.catalog.queries import Business, business_of
from app.web.exceptions import PageMissing

NO_BUSINESS = "This account has no business profile."


async def provide_business(request: Request) -> Business:
    """The business of the signed-in account, for handlers behind a provider guard."""
    business = await business_of(signed_in_user(request).id)
    if business is None:
        raise PageMissing(NO_BUSINESS)
    return business


# Handler parameter injected by name (create_app registers provide_business as "business").
BusinessDep = NamedDependency[Business]
