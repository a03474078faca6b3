"""The demo provider's bookings, made through the real services and paid through the Stripe
emulator: two months of history (redeemed visits, a late cancellation, a missed visit) and
paid visits coming up, so "Redeem", "Today" and "Earnings" have something to show."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from app.accounts.tables import UserAccount
from app.booking import services as booking_services
from app.booking import slot_services
from app.booking.policy import STANDARD_POLICY
from app.booking.state import Status
from app.booking.tables import Booking, Slot
from app.catalog.tables import Provider, ProviderServiceArea, Service
from app.payments import services as payments
from app.redemption.services import booking_redeem
from app.reviews import services as reviews
from app.reviews.rules import Decision, ModerationReason
from app.settings import Settings

ADDRESSES = (
    "Carrer de Cuba 12, 3º",
    "Carrer del Sueca 40, 1º",
    "Carrer de Dénia 7, bajo",
    "Gran Via de les Germanies 21, 5º",
)
# Days ago each past booking was made, and what happened at the visit.
HISTORY = (
    (58, "redeemed"), (51, "redeemed"), (44, "redeemed"), (37, "late_cancel"), (33, "redeemed"),
    (26, "redeemed"), (20, "no_show"), (15, "redeemed"), (9, "redeemed"), (4, "redeemed"),
)  # fmt: skip
UPCOMING = 4
TEST_CARD = "4242424242424242"


async def load_demo_bookings(
    settings: Settings,
    *,
    provider_name: str,
    resident_emails: list[str],
    moderator_id: int,
    now: datetime,
    rng: random.Random,
) -> int:
    """Book, pay and settle the demo provider's visits, and review some of them; returns how many
    bookings were made. The first resident's visits are left unreviewed, for the demo to try."""
    config = payments.PaymentConfig.from_settings(settings)
    zone = settings.city.zone
    provider = (
        await Provider.select(Provider.id, Provider.owner, Provider.slug)
        .where(Provider.name == provider_name)
        .first()
    )
    service = await (
        Service.select(Service.id, Service.public_id)
        .where(Service.provider == provider["id"], Service.is_archived.eq(False))
        .order_by(Service.position)
        .first()
    )
    area = await ProviderServiceArea.select(ProviderServiceArea.neighbourhood).where(
        ProviderServiceArea.provider == provider["id"]
    )
    by_email = {
        row["email"]: row["id"]
        for row in await UserAccount.select(UserAccount.id, UserAccount.email).where(
            UserAccount.email.is_in(resident_emails)
        )
    }
    residents = [by_email[email] for email in resident_emails]

    async def book(at: datetime, nth_free: int) -> dict:
        """Hold the ``nth_free`` time still bookable at ``at``, as a resident would, and pay for it."""
        slot = await (
            Slot.select(Slot.starts_at)
            .where(Slot.service == service["id"], Slot.book_by >= at, Slot.booked < Slot.capacity)
            .order_by(Slot.starts_at)
            .offset(nth_free)
            .first()
        )
        resident = rng.choice(residents)
        public_id = await booking_services.booking_hold(
            resident_id=resident,
            request=booking_services.HoldRequest(
                provider_slug=provider["slug"],
                service_public_id=service["public_id"],
                starts_at=slot["starts_at"],
                address=rng.choice(ADDRESSES),
                neighbourhood_id=rng.choice(area)["neighbourhood"],
            ),
            now=at,
            zone=zone,
            hold_minutes=settings.hold_minutes,
        )
        await payments.payment_submit(
            config=config,
            resident_id=resident,
            public_id=public_id,
            payment_method=await config.gateway.test_card(TEST_CARD),
            now=at,
        )
        return await Booking.select().where(Booking.public_id == public_id).first()

    made = 0
    redeemed: list[dict] = []
    for days_ago, outcome in HISTORY:
        booked_at = now - timedelta(days=days_ago, hours=rng.randint(1, 10))
        await slot_services.slots_refresh(provider_id=provider["id"], now=booked_at, zone=zone)
        booking = await book(booked_at, nth_free=rng.randint(3, 12))
        if outcome == "redeemed":
            await booking_redeem(
                provider_id=provider["id"],
                account_id=provider["owner"],
                typed=booking["redemption_code"],
                now=booking["starts_at"] + timedelta(minutes=rng.randint(0, 10)),
                zone=zone,
                locale=settings.city.locale,
            )
            redeemed.append(booking)
        elif outcome == "no_show":
            await booking_services.booking_mark_no_show(
                provider_id=provider["id"],
                public_id=booking["public_id"],
                now=booking["ends_at"] + timedelta(hours=2),
            )
        else:
            await payments.booking_cancel_paid_by_resident(
                config=config,
                resident_id=booking["resident"],
                public_id=booking["public_id"],
                now=booking["starts_at"] - timedelta(hours=5),
                policy=STANDARD_POLICY,
            )
        made += 1
    await slot_services.slots_refresh(provider_id=provider["id"], now=now, zone=zone)
    # The history's unbooked past times were never offered at today's date: tidy them away.
    kept = [
        row["slot"] for row in await Booking.select(Booking.slot).where(Booking.provider == provider["id"])
    ]
    await Slot.delete().where(
        Slot.provider == provider["id"], Slot.starts_at < now, Slot.booked == 0, Slot.id.not_in(kept)
    )
    await _review_visits(
        redeemed, skip_resident=residents[0], provider=provider, moderator_id=moderator_id, rng=rng
    )
    for nth in range(UPCOMING):
        booking = await book(now, nth_free=nth * 3)
        assert booking["status"] == Status.confirmed.value
        made += 1
    await slot_services.next_free_refresh(now=now, provider_id=provider["id"])
    return made


# What residents wrote after their visits, and what happened next.
VISIT_REVIEWS = (
    (
        5,
        "Came on time, found the leak behind the washing machine in minutes and left everything clean.",
        "approved",
    ),
    (4, "Good work on the kitchen drain. Arrived a little late but called ahead to say so.", "approved"),
    (5, "Friendly and quick. Explained what was wrong with the pipes and what to watch for.", "approved"),
    (2, "Expensive for such a short visit, and he never answered my messages afterwards.", "reported"),
    (4, "Sorted out the dripping tap and checked the boiler pressure while he was here.", "pending"),
)


async def _review_visits(
    redeemed: list[dict], *, skip_resident: int, provider: dict, moderator_id: int, rng: random.Random
) -> None:
    """Reviews of real visits through the review services: approved ones, one the provider
    reported, and one still waiting, so the moderation queue has work in it."""
    visits = [b for b in redeemed if b["resident"] != skip_resident]
    for booking, (stars, body, fate) in zip(visits, VISIT_REVIEWS, strict=False):
        written = booking["ends_at"] + timedelta(hours=rng.randint(2, 30))
        review_id = await reviews.review_submit(
            booking_id=booking["id"],
            author_id=booking["resident"],
            stars=stars,
            body=body,
            photos=[],
            now=written,
        )
        if fate == "pending":
            continue
        await reviews.review_moderate(
            review_id=review_id,
            moderator_id=moderator_id,
            decision=Decision.approve,
            now=written + timedelta(hours=5),
        )
        if fate == "reported":
            await reviews.review_report(
                review_id=review_id,
                provider_id=provider["id"],
                reporter_id=provider["owner"],
                reason=ModerationReason.other,
                note="The customer had our phone and email; we answered within a day.",
                now=written + timedelta(days=1),
            )
