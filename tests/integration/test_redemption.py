"""Redeeming codes on both engines: the right provider, once, with an audit trail and a brief undo."""

import asyncio
import random
from datetime import timedelta

import pytest

from app.accounts.tables import ThrottleEvent, UserAccount
from app.booking.codes import grouped
from app.booking.tables import Booking
from app.catalog.tables import Provider
from app.payments import services as payments
from app.redemption import services as redemption
from app.redemption.tables import RedemptionLog
from app.shared.errors import DomainError, NotFoundError, TooManyAttemptsError
from tests.conftest import TEST_NOW
from tests.factories import MADRID, make_listed_provider
from tests.integration.test_booking import hold, residents, setup_provider
from tests.stripe_helpers import pay


async def paid_booking(config, capacity: int = 1) -> tuple[int, int, dict]:
    """A paid booking; returns (provider id, its owner's account id, the booking row)."""
    provider, slot, service = await setup_provider(capacity)
    (resident,) = await residents(1)
    public_id = await hold(resident, service, slot)
    await pay(config, resident, public_id, TEST_NOW)
    owner = (await Provider.select(Provider.owner).where(Provider.id == provider).first())["owner"]
    return provider, owner, await Booking.select().where(Booking.public_id == public_id).first()


def on_the_day(booking: dict):
    return booking["starts_at"] - timedelta(minutes=30)


async def redeem(provider: int, owner: int, typed: str, now):
    return await redemption.booking_redeem(
        provider_id=provider, account_id=owner, typed=typed, now=now, zone=MADRID, locale="en_GB"
    )


async def test_redeeming_releases_the_earning_and_is_audited(database_url, config):
    provider, owner, booking = await paid_booking(config)
    now = on_the_day(booking)
    found = await redeem(provider, owner, grouped(booking["redemption_code"]).lower(), now)
    assert (found.public_id, found.customer, found.service) == (
        booking["public_id"],
        "Resident 0",
        "Unblock a drain",
    )
    row = await Booking.select().where(Booking.id == booking["id"]).first()
    assert (row["status"], row["redeemed_at"], row["earning_released_at"]) == ("redeemed", now, now)
    (log,) = await RedemptionLog.select().where(RedemptionLog.booking == booking["id"])
    assert (log["action"], log["actor"], log["at"]) == ("redeem", owner, now)
    with pytest.raises(DomainError, match="already redeemed on"):
        await redeem(provider, owner, booking["redemption_code"], now)


async def test_two_devices_redeeming_one_code_redeem_it_once(database_url, config):
    provider, owner, booking = await paid_booking(config)
    results = await asyncio.gather(
        *(redeem(provider, owner, booking["redemption_code"], on_the_day(booking)) for _ in range(8)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, redemption.Redeemable) for r in results) == 1
    assert all(
        isinstance(r, DomainError) and "already redeemed" in r.message
        for r in results
        if isinstance(r, Exception)
    )
    assert await RedemptionLog.count().where(RedemptionLog.booking == booking["id"]) == 1


async def test_another_providers_code_is_refused_exactly_like_a_code_nobody_has(database_url, config):
    _, _, booking = await paid_booking(config)
    other = await make_listed_provider("Someone Else", owner_email="else@example.com")
    else_owner = (
        await UserAccount.select(UserAccount.id).where(UserAccount.email == "else@example.com").first()
    )["id"]
    code = booking["redemption_code"]
    nobodys = "ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY"
    answers = []
    for typed in (code, nobodys):
        with pytest.raises(DomainError) as refused:
            await redeem(other, else_owner, typed, on_the_day(booking))
        answers.append(
            (type(refused.value), refused.value.status_code, refused.value.message, refused.value.field)
        )
    assert answers[0] == answers[1] == (NotFoundError, 404, redemption.UNKNOWN_CODE, "code")
    # Both count against the guessing limit alike.
    assert await ThrottleEvent.count().where(ThrottleEvent.bucket == f"redeem:account:{else_owner}") == 2
    assert (await Booking.select(Booking.status).where(Booking.id == booking["id"]).first())[
        "status"
    ] == "confirmed"


async def test_wrong_early_cancelled_and_malformed_codes_get_their_own_message(database_url, config):
    provider, owner, booking = await paid_booking(config)
    code = booking["redemption_code"]
    with pytest.raises(DomainError, match="Codes can be redeemed from the day of the visit"):
        await redeem(provider, owner, code, on_the_day(booking) - timedelta(days=2))
    with pytest.raises(DomainError, match="isn't a booking code"):
        await redeem(provider, owner, "K7QX-3M0P", on_the_day(booking))
    unknown = "".join(reversed(code)) if "".join(reversed(code)) != code else "ZZZZZZZZ"
    with pytest.raises(DomainError, match="No booking has this code"):
        await redeem(provider, owner, unknown, on_the_day(booking))
    await payments.booking_cancel_paid_by_provider(
        config=config, provider_id=provider, public_id=booking["public_id"], reason="Ill", now=TEST_NOW
    )
    with pytest.raises(DomainError, match="was cancelled on"):
        await redeem(provider, owner, code, on_the_day(booking))


async def test_guessing_codes_is_stopped_after_ten_wrong_tries(database_url, config):
    provider, owner, booking = await paid_booking(config)
    rng = random.Random(5)
    for _ in range(10):
        guess = "".join(rng.choice("ABCDEFGH") for _ in range(8))
        with pytest.raises(DomainError, match="No booking has this code"):
            await redeem(provider, owner, guess, on_the_day(booking))
    with pytest.raises(TooManyAttemptsError, match="Too many attempts"):
        await redeem(provider, owner, booking["redemption_code"], on_the_day(booking))
    later = on_the_day(booking) + timedelta(minutes=16)
    assert (await redeem(provider, owner, booking["redemption_code"], later)).booking_id == booking["id"]


async def test_an_undo_within_ten_minutes_puts_the_booking_back(database_url, config):
    provider, owner, booking = await paid_booking(config)
    now = on_the_day(booking)
    await redeem(provider, owner, booking["redemption_code"], now)
    await redemption.booking_redeem_undo(
        provider_id=provider, account_id=owner, public_id=booking["public_id"], now=now + timedelta(minutes=9)
    )
    row = await Booking.select().where(Booking.id == booking["id"]).first()
    assert (row["status"], row["redeemed_at"], row["earning_released_at"]) == ("confirmed", None, None)
    await redeem(provider, owner, booking["redemption_code"], now + timedelta(minutes=20))
    with pytest.raises(DomainError, match="only within 10 minutes"):
        await redemption.booking_redeem_undo(
            provider_id=provider,
            account_id=owner,
            public_id=booking["public_id"],
            now=now + timedelta(minutes=31),
        )
    actions = (
        await RedemptionLog.select(RedemptionLog.action)
        .where(RedemptionLog.booking == booking["id"])
        .order_by(RedemptionLog.id)
    )
    assert [a["action"] for a in actions] == ["redeem", "undo", "redeem"]
