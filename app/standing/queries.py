"""Reads for administrators: the providers list by standing, and one provider with its log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.query.functions.aggregate import Count

from app import database
from app.audit.rules import SUSPENDING_ACTIONS, Subject, action_label
from app.audit.tables import AdminAction
from app.booking.state import Status
from app.booking.tables import Booking
from app.catalog.rules import PROVIDER_FILTERS, Standing
from app.catalog.tables import (
    Provider,
    Service,
)
from app.shared.paging import Page, PageWindow
from app.shared.text import slugify

# --- administration ----------------------------------------------------------------------------

ADMIN_PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class AdminProviderRow:
    slug: str
    name: str
    owner_name: str
    owner_email: str
    neighbourhood: str | None
    created_at: datetime
    standing: Standing


@dataclass(frozen=True, slots=True)
class AdminProvidersPage(Page[AdminProviderRow]):
    counts: dict[str, int]  # providers per filter ("unverified", ..., "all") matching the search


@dataclass(frozen=True, slots=True)
class AdminActionView:
    label: str
    note: str
    admin_name: str
    created_at: datetime
    suspends: bool = False


@dataclass(frozen=True, slots=True)
class AdminProviderDetail:
    id: int
    slug: str
    name: str
    owner_name: str
    owner_email: str
    neighbourhood: str | None
    phone: str
    address: str
    services: int
    created_at: datetime
    is_verified: bool
    verified_at: datetime | None
    verification_note: str
    suspended_at: datetime | None
    standing: Standing
    upcoming_bookings: int
    history: list[AdminActionView]

    @property
    def suspension_reason(self) -> str:
        return next((item.note for item in self.history if item.suspends), "")


def _name_matches(search: str):
    """Providers whose name contains ``search`` (or, ignoring accents, whose web address does).

    A typed % or _ keeps its LIKE meaning: the results only ever widen.
    """
    typed = search.strip()
    if not typed:
        return None
    # SQLite's LIKE already ignores ASCII case (and Piccolo warns when asked for ILIKE there).
    contains = Provider.name.like if database.is_sqlite() else Provider.name.ilike
    condition = contains(f"%{typed}%")
    if folded := slugify(typed):
        condition = condition | Provider.slug.like(f"%{folded}%")
    return condition


_STANDING_WHERE = {
    "unverified": lambda: (Provider.is_verified.eq(False)) & (Provider.is_suspended.eq(False)),
    "verified": lambda: (Provider.is_verified.eq(True)) & (Provider.is_suspended.eq(False)),
    "suspended": lambda: Provider.is_suspended.eq(True),
}


async def admin_providers(
    status: str, *, search: str = "", page: int = 1, per_page: int = ADMIN_PER_PAGE
) -> AdminProvidersPage:
    """One page of providers in a standing (``status`` from PROVIDER_FILTERS), with every filter's count.

    Unverified ones come oldest sign-up first (the queue of checks to do); suspended ones, latest first.
    """
    matches = _name_matches(search)
    tally = Provider.select(Provider.is_verified, Provider.is_suspended, Count(alias="providers"))
    if matches is not None:
        tally = tally.where(matches)
    counts = dict.fromkeys(PROVIDER_FILTERS, 0)
    for row in await tally.group_by(Provider.is_verified, Provider.is_suspended):
        standing = Standing.of(is_verified=bool(row["is_verified"]), is_suspended=bool(row["is_suspended"]))
        counts[standing.value] += row["providers"]
        counts["all"] += row["providers"]
    query = Provider.select(
        Provider.slug,
        Provider.name,
        Provider.owner.display_name,
        Provider.owner.email,
        Provider.neighbourhood.name,
        Provider.created_at,
        Provider.is_verified,
        Provider.is_suspended,
    )
    if status in _STANDING_WHERE:
        query = query.where(_STANDING_WHERE[status]())
    if matches is not None:
        query = query.where(matches)
    if status == "unverified":
        query = query.order_by(Provider.created_at).order_by(Provider.id)
    elif status == "suspended":
        query = query.order_by(Provider.suspended_at, ascending=False).order_by(Provider.id)
    else:
        query = query.order_by(Provider.name).order_by(Provider.id)
    window = PageWindow(page, per_page)
    rows = await query.limit(window.limit).offset(window.offset)
    return AdminProvidersPage(
        items=[
            AdminProviderRow(
                slug=row["slug"],
                name=row["name"],
                owner_name=row["owner.display_name"],
                owner_email=row["owner.email"],
                neighbourhood=row["neighbourhood.name"],
                created_at=row["created_at"],
                standing=Standing.of(
                    is_verified=bool(row["is_verified"]), is_suspended=bool(row["is_suspended"])
                ),
            )
            for row in window.shown(rows)
        ],
        counts=counts,
        page=page,
        has_next=window.has_next(rows),
    )


async def admin_history(subject: Subject, subject_id: int) -> list[AdminActionView]:
    """What administrators did to a provider or an account, newest first."""
    rows = (
        await AdminAction.select(
            AdminAction.action, AdminAction.note, AdminAction.created_at, AdminAction.admin.display_name
        )
        .where(AdminAction.subject_kind == subject.value, AdminAction.subject_id == subject_id)
        .order_by(AdminAction.created_at, ascending=False)
        .order_by(AdminAction.id, ascending=False)
    )
    return [
        AdminActionView(
            label=action_label(row["action"]),
            note=row["note"],
            admin_name=row["admin.display_name"],
            created_at=row["created_at"],
            suspends=row["action"] in SUSPENDING_ACTIONS,
        )
        for row in rows
    ]


async def admin_provider(slug: str, *, now: datetime) -> AdminProviderDetail | None:
    """A provider as the administrators' page shows it: facts, standing, bookings ahead, history."""
    row = (
        await Provider.select(
            Provider.id,
            Provider.slug,
            Provider.name,
            Provider.owner.display_name,
            Provider.owner.email,
            Provider.neighbourhood.name,
            Provider.phone,
            Provider.address,
            Provider.created_at,
            Provider.is_verified,
            Provider.verified_at,
            Provider.verification_note,
            Provider.is_suspended,
            Provider.suspended_at,
        )
        .where(Provider.slug == slug)
        .first()
    )
    if row is None:
        return None
    provider_id = row["id"]
    return AdminProviderDetail(
        id=provider_id,
        slug=row["slug"],
        name=row["name"],
        owner_name=row["owner.display_name"],
        owner_email=row["owner.email"],
        neighbourhood=row["neighbourhood.name"],
        phone=row["phone"],
        address=row["address"],
        services=await Service.count().where(Service.provider == provider_id, Service.is_archived.eq(False)),
        created_at=row["created_at"],
        is_verified=bool(row["is_verified"]),
        verified_at=row["verified_at"],
        verification_note=row["verification_note"],
        suspended_at=row["suspended_at"],
        standing=Standing.of(is_verified=bool(row["is_verified"]), is_suspended=bool(row["is_suspended"])),
        upcoming_bookings=await upcoming_bookings(provider_id, now=now),
        history=await admin_history(Subject.provider, provider_id),
    )


async def upcoming_bookings(provider_id: int, *, now: datetime) -> int:
    """Confirmed bookings and live holds on the provider's times still to come."""
    return await Booking.count().where(
        Booking.provider == provider_id,
        Booking.starts_at > now,
        (Booking.status == Status.confirmed.value)
        | ((Booking.status == Status.held.value) & (Booking.held_until > now)),
    )
