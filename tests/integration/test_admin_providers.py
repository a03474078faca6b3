"""Administrators verify, suspend and reinstate providers, on both engines (refunds through localstripe)."""

import asyncio
from datetime import timedelta

import pytest

from app.accounts.identity import Role
from app.audit.rules import ActionKind
from app.audit.tables import AdminAction
from app.booking import queries as booking_queries
from app.booking import services as booking_services
from app.booking.tables import Booking, Slot
from app.catalog import queries as catalog_queries
from app.catalog.rules import ServiceLocation
from app.catalog.tables import Category, Neighbourhood, Provider, Service
from app.discovery import queries as discovery_queries
from app.discovery.filters import Filters
from app.payments.tables import Refund
from app.shared.errors import ConflictError, DomainError, NotFoundError
from app.standing import queries as standing_queries
from app.standing import services as standing
from tests.conftest import TEST_NOW
from tests.factories import MADRID, make_account, make_listed_provider
from tests.integration.test_booking import first_slot, hold, residents
from tests.stripe_helpers import pay

NOTE = "ID and insurance checked; phone call"
AT_PREMISES = ServiceLocation.provider_premises


async def admin(email: str = "marta@example.com", name: str = "Marta Ferrer") -> int:
    return (await make_account(email, name, role=Role.admin)).id


async def listed(**where) -> list[str]:
    """The names residents find on the results page (or a category/neighbourhood page)."""
    page = await discovery_queries.search_providers(Filters(), now=TEST_NOW, zone=MADRID, **where)
    return [card.name for card in page.items]


async def provider_row(provider_id: int) -> dict:
    return await Provider.select().where(Provider.id == provider_id).first()


async def actions(provider_id: int) -> list[dict]:
    return (
        await AdminAction.select()
        .where(AdminAction.subject_kind == "provider", AdminAction.subject_id == provider_id)
        .order_by(AdminAction.id)
    )


async def service_of(provider_id: int) -> str:
    return (await Service.select(Service.public_id).where(Service.provider == provider_id).first())[
        "public_id"
    ]


async def test_verifying_lists_the_provider_with_what_was_checked(database_url):
    marta = await admin()
    provider = await make_listed_provider("Sin Bichos", verified=False)
    assert await listed() == []
    assert await booking_queries.bookable_service("sin-bichos", await service_of(provider)) is None

    await standing.provider_verify(
        provider_id=provider, note=f"  {NOTE} ", now=TEST_NOW, zone=MADRID, admin_id=marta
    )

    assert await listed() == ["Sin Bichos"]
    row = await provider_row(provider)
    assert (row["is_verified"], row["verified_at"], row["verification_note"]) == (True, TEST_NOW, NOTE)
    (logged,) = await actions(provider)
    assert (logged["admin"], logged["action"], logged["note"]) == (marta, "verify", NOTE)
    assert (await discovery_queries.provider_profile("sin-bichos", now=TEST_NOW, zone=MADRID)).is_verified
    with pytest.raises(ConflictError, match="already verified"):
        await standing.provider_verify(
            provider_id=provider, note=NOTE, now=TEST_NOW, zone=MADRID, admin_id=marta
        )
    with pytest.raises(DomainError, match="Write a note"):
        await standing.provider_verify(
            provider_id=provider, note="  ", now=TEST_NOW, zone=MADRID, admin_id=marta
        )
    with pytest.raises(NotFoundError):
        await standing.provider_verify(provider_id=9999, note=NOTE, now=TEST_NOW, zone=MADRID, admin_id=marta)
    assert len(await actions(provider)) == 1


async def test_suspending_hides_the_provider_everywhere_and_refuses_holds(database_url, config):
    marta = await admin()
    provider = await make_listed_provider("Casa Neta", neighbourhood_name="Russafa", location=AT_PREMISES)
    await make_listed_provider("Fontaneria Turia", neighbourhood_name="Russafa", location=AT_PREMISES)
    (resident, late_comer) = await residents(2)
    service = await service_of(provider)
    kept = await hold(resident, service, await first_slot(provider))
    plumbing = await Category.select().where(Category.name == "Plumbing").first()
    russafa = await Neighbourhood.select().where(Neighbourhood.name == "Russafa").first()
    assert await listed() == ["Casa Neta", "Fontaneria Turia"]

    outcome = await standing.provider_suspend(
        provider_id=provider, admin_id=marta, reason="Complaints about no-shows", cancel_bookings=False,
        config=config, now=TEST_NOW,
    )  # fmt: skip

    assert outcome == standing.Suspension()
    assert await listed() == ["Fontaneria Turia"]
    assert await listed(category_id=plumbing["id"]) == ["Fontaneria Turia"]
    assert await listed(neighbourhood_id=russafa["id"]) == ["Fontaneria Turia"]
    row = await provider_row(provider)
    assert (row["is_suspended"], row["suspended_at"], row["is_verified"]) == (True, TEST_NOW, True)
    profile = await discovery_queries.provider_profile("casa-neta", now=TEST_NOW, zone=MADRID)
    assert profile.is_suspended  # the owner's view; the route hides it from everyone else
    assert await booking_queries.bookable_service("casa-neta", service) is None
    with pytest.raises(DomainError) as refused:
        await hold(late_comer, service, await first_slot(provider, nth=3))
    assert refused.value.message == booking_services.PROVIDER_PAUSED
    assert (await Booking.select(Booking.status).where(Booking.public_id == kept).first())["status"] == "held"
    assert await catalog_queries.provider_suspension_reason(provider) == "Complaints about no-shows"
    (logged,) = await actions(provider)
    assert (logged["action"], logged["note"]) == ("suspend", "Complaints about no-shows")


async def test_suspending_with_refunds_cancels_and_refunds_every_upcoming_paid_booking(database_url, config):
    marta = await admin()
    provider = await make_listed_provider("Casa Neta", location=AT_PREMISES)
    service = await service_of(provider)
    first, second, unpaid = await residents(3)
    in_progress_slot, later_slot = await first_slot(provider), await first_slot(provider, nth=4)
    in_progress = await hold(first, service, in_progress_slot)
    later = await hold(second, service, later_slot)
    await pay(config, first, in_progress, TEST_NOW)
    await pay(config, second, later, TEST_NOW)
    # The moment of the suspension: the first visit has started; someone is holding a time, unpaid.
    now = in_progress_slot["starts_at"] + timedelta(minutes=30)
    held_slot = await first_slot(provider, nth=6)
    held = await hold(unpaid, service, held_slot, now=now - timedelta(minutes=1))

    outcome = await standing.provider_suspend(
        provider_id=provider,
        admin_id=marta,
        reason="Insurance expired",
        cancel_bookings=True,
        config=config,
        now=now,
    )

    assert outcome == standing.Suspension(cancelled=1, released=1, not_cancelled=0)
    bookings = {row["public_id"]: row for row in await Booking.select()}
    assert bookings[in_progress]["status"] == "confirmed"  # under way: not upcoming
    cancelled = bookings[later]
    assert (cancelled["status"], cancelled["cancelled_by"]) == ("cancelled", "provider")
    assert cancelled["cancel_reason"] == standing.SUSPENDED_BOOKING_REASON
    assert bookings[held]["status"] == "expired"
    (refund,) = await Refund.select()
    assert (refund["booking"], refund["amount_cents"], refund["status"]) == (
        cancelled["id"],
        6800,
        "succeeded",
    )
    seats = {row["id"]: row["booked"] for row in await Slot.select(Slot.id, Slot.booked)}
    assert (seats[in_progress_slot["id"]], seats[later_slot["id"]], seats[held_slot["id"]]) == (1, 0, 0)
    (logged,) = await actions(provider)
    assert (logged["action"], logged["note"]) == (ActionKind.suspend_and_cancel.value, "Insurance expired")
    assert await standing_queries.upcoming_bookings(provider, now=now) == 0


async def test_two_administrators_suspending_at_once_record_one_suspension(database_url, config):
    admins = [await admin(f"admin{n}@example.com") for n in range(4)]
    provider = await make_listed_provider("Casa Neta")
    results = await asyncio.gather(
        *(
            standing.provider_suspend(
                provider_id=provider,
                admin_id=a,
                reason=f"Reason {a}",
                cancel_bookings=False,
                config=config,
                now=TEST_NOW,
            )
            for a in admins
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(refused) == 3 and {r.message for r in refused} == {standing.ALREADY_SUSPENDED}, results
    assert len(await actions(provider)) == 1


async def test_reinstating_lists_the_provider_again_and_keeps_the_history(database_url, config):
    marta, pablo = await admin(), await admin("pablo@example.com", "Pablo Ruiz")
    provider = await make_listed_provider("Casa Neta")
    with pytest.raises(ConflictError, match="isn't suspended"):
        await standing.provider_reinstate(
            provider_id=provider, admin_id=marta, note="Nothing to do", now=TEST_NOW
        )
    await standing.provider_suspend(
        provider_id=provider,
        admin_id=marta,
        reason="Unpaid invoices",
        cancel_bookings=False,
        config=config,
        now=TEST_NOW,
    )
    later = TEST_NOW + timedelta(days=1)
    await standing.provider_reinstate(provider_id=provider, admin_id=pablo, note="Invoices paid", now=later)

    assert await listed() == ["Casa Neta"]
    row = await provider_row(provider)
    assert (row["is_suspended"], row["suspended_at"]) == (False, None)
    assert await booking_queries.bookable_service("casa-neta", await service_of(provider)) is not None
    detail = await standing_queries.admin_provider("casa-neta", now=later)
    assert [(item.label, item.note, item.admin_name) for item in detail.history] == [
        ("Reinstated", "Invoices paid", "Pablo Ruiz"),
        ("Suspended", "Unpaid invoices", "Marta Ferrer"),
    ]
    assert detail.standing.value == "verified" and detail.suspension_reason == "Unpaid invoices"
    with pytest.raises(ConflictError):
        await standing.provider_reinstate(provider_id=provider, admin_id=pablo, note="Again", now=later)
    assert len(await actions(provider)) == 2


async def test_the_admin_list_filters_counts_searches_and_pages(database_url):
    await make_listed_provider("Zeta Fontanería", verified=False, now=TEST_NOW - timedelta(days=1))
    await make_listed_provider("Alfa Limpiezas", verified=False, now=TEST_NOW)
    await make_listed_provider("Luz Eléctrica", verified=True)
    hidden = await make_listed_provider("Beta Jardines", verified=True)
    await Provider.update({Provider.is_suspended: True, Provider.suspended_at: TEST_NOW}).where(
        Provider.id == hidden
    )

    queue = await standing_queries.admin_providers("unverified")
    assert [row.name for row in queue.items] == ["Zeta Fontanería", "Alfa Limpiezas"]  # oldest sign-up first
    assert queue.counts == {"unverified": 2, "verified": 1, "suspended": 1, "all": 4}
    assert [row.name for row in (await standing_queries.admin_providers("suspended")).items] == [
        "Beta Jardines"
    ]
    everyone = await standing_queries.admin_providers("all")
    assert [(row.name, row.standing.value) for row in everyone.items] == [
        ("Alfa Limpiezas", "unverified"),
        ("Beta Jardines", "suspended"),
        ("Luz Eléctrica", "verified"),
        ("Zeta Fontanería", "unverified"),
    ]
    assert everyone.items[0].owner_email == "owner-alfa-limpiezas@example.com"
    # Part of the name, in any case, with or without its accents.
    found = await standing_queries.admin_providers("all", search="fontaneria")
    assert [row.name for row in found.items] == ["Zeta Fontanería"]
    assert found.counts == {"unverified": 1, "verified": 0, "suspended": 0, "all": 1}
    assert [r.name for r in (await standing_queries.admin_providers("all", search="ELECTRICA")).items] == [
        "Luz Eléctrica"
    ]
    assert (await standing_queries.admin_providers("all", search="jardinería 100")).items == []
    first = await standing_queries.admin_providers("all", page=1, per_page=3)
    second = await standing_queries.admin_providers("all", page=2, per_page=3)
    assert (len(first.items), first.has_next, len(second.items), second.has_next) == (3, True, 1, False)


async def test_holds_racing_a_suspension_that_cancels_never_outlive_it(database_url, config):
    marta = await admin()
    provider = await make_listed_provider("Casa Neta", location=AT_PREMISES)
    people = await residents(10)
    service = await service_of(provider)
    slots = [await first_slot(provider, nth=n) for n in range(10)]
    results = await asyncio.gather(
        standing.provider_suspend(
            provider_id=provider,
            admin_id=marta,
            reason="Safety check",
            cancel_bookings=True,
            config=config,
            now=TEST_NOW,
        ),
        *(hold(person, service, slot) for person, slot in zip(people, slots, strict=True)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)], results
    refused = [r for r in results[1:] if isinstance(r, DomainError)]
    assert all(r.message == booking_services.PROVIDER_PAUSED for r in refused)
    still_held = await Booking.count().where(Booking.provider == provider, Booking.status == "held")
    assert still_held == 0  # each hold was either refused or ended by the suspension
