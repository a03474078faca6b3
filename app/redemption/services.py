"""The offline moment: a provider checks a resident's code, redeems it, and may undo that briefly.

Lookups are rate-limited per provider account, so guessing codes is useless. Redeeming is one
conditional write (confirmed -> redeemed, for this provider), so two taps or two devices redeem
once; every redemption and undo is written to the audit trail in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app import database
from app.accounts.services import throttle_attempt, throttle_forget
from app.accounts.throttle import ThrottleRule
from app.booking.codes import grouped, normalize
from app.booking.state import Action, IllegalTransition, Status, allowed_from, next_status
from app.booking.tables import Booking
from app.redemption.rules import UNDO_WINDOW, may_redeem_now, may_undo
from app.redemption.tables import RedemptionLog
from app.shared.citytime import format_city_time
from app.shared.errors import ConflictError, DomainError, NotFoundError

# Ten wrong codes in 15 minutes, then a pause: an honest provider never gets there; a guesser
# gets through 10 of 31⁸ codes per quarter hour.
LOOKUP_RULE = ThrottleRule(limit=10, window=timedelta(minutes=15))

NOT_A_CODE = "That isn't a booking code. Codes have 8 letters and digits, like K7QX-3M9P."
UNKNOWN_CODE = "No booking has this code. Check it with the customer, letter by letter."
CANCELLED = "This booking was cancelled on {when}. Don't provide the service for this code."
ALREADY_REDEEMED = "This code was already redeemed on {when}."
MISSED = "This booking was marked as missed, so its code can't be redeemed any more."
TOO_EARLY = "This booking is for {when}. Codes can be redeemed from the day of the visit."
UNDO_TOO_LATE = f"A redemption can be undone only within {int(UNDO_WINDOW.total_seconds() // 60)} minutes."
NOT_REDEEMED = "This booking isn't redeemed, so there is nothing to undo."

_WHEN = "EEE d MMM 'at' HH:mm"


@dataclass(frozen=True, slots=True)
class Redeemable:
    """A booking found by its code, shown to the provider before they confirm."""

    booking_id: int
    public_id: str
    code: str
    customer: str
    service: str
    starts_at: datetime
    ends_at: datetime
    member: str | None  # who on the team has the visit (None: nobody assigned yet)

    @property
    def code_display(self) -> str:
        return grouped(self.code)


async def code_lookup(
    *, provider_id: int, account_id: int, typed: str, now: datetime, zone: ZoneInfo, locale: str
) -> Redeemable:
    """The booking a typed or scanned code belongs to, if this provider may redeem it now.

    Each refusal names its reason, except that another business's code is as unknown as one
    nobody has. Every lookup counts against the account's limit; a good code is forgotten
    again, so only failures add up.
    """
    recorded = await throttle_attempt((f"redeem:account:{account_id}",), rule=LOOKUP_RULE, now=now)
    code = normalize(typed)
    if code is None:
        raise DomainError(NOT_A_CODE, field="code")
    row = await (
        Booking.select(
            Booking.id,
            Booking.public_id,
            Booking.provider,
            Booking.status,
            Booking.starts_at,
            Booking.ends_at,
            Booking.cancelled_at,
            Booking.redeemed_at,
            Booking.resident.display_name,
            Booking.service.name,
            Booking.member.name,
        )
        .where(Booking.redemption_code == code)
        .first()
    )
    if row is None or row["provider"] != provider_id:
        # Another business's code gets the same answer as a code nobody has: a provider can't
        # probe which codes exist (and the attempt counts against the limit all the same).
        raise NotFoundError(UNKNOWN_CODE, field="code")
    status = Status(row["status"])

    def when(instant: datetime) -> str:
        return format_city_time(instant, zone, locale, _WHEN)

    if status is Status.cancelled:
        raise ConflictError(CANCELLED.format(when=when(row["cancelled_at"])), field="code")
    if status is Status.redeemed:
        raise ConflictError(ALREADY_REDEEMED.format(when=when(row["redeemed_at"])), field="code")
    if status is Status.no_show:
        raise ConflictError(MISSED, field="code")
    if not may_redeem_now(row["starts_at"], now, zone):
        raise DomainError(TOO_EARLY.format(when=when(row["starts_at"])), field="code")
    await throttle_forget(recorded)
    return Redeemable(
        booking_id=row["id"],
        public_id=row["public_id"],
        code=code,
        customer=row["resident.display_name"],
        service=row["service.name"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        member=row["member.name"],
    )


async def booking_redeem(
    *, provider_id: int, account_id: int, typed: str, now: datetime, zone: ZoneInfo, locale: str
) -> Redeemable:
    """Redeem a code: the booking becomes redeemed and the provider's earning is released."""
    found = await code_lookup(
        provider_id=provider_id, account_id=account_id, typed=typed, now=now, zone=zone, locale=locale
    )
    async with database.transaction():
        changed = await _change(
            found.booking_id,
            provider_id,
            Action.redeem,
            {Booking.redeemed_at: now, Booking.earning_released_at: now, Booking.updated_at: now},
        )
        if not changed:  # another tap or device got there first: say what it did
            await code_lookup(
                provider_id=provider_id,
                account_id=account_id,
                typed=typed,
                now=now,
                zone=zone,
                locale=locale,
            )
            raise ConflictError(ALREADY_REDEEMED.format(when="just now"), field="code")
        await RedemptionLog.insert(
            RedemptionLog(booking=found.booking_id, action="redeem", actor=account_id, at=now)
        )
    return found


async def booking_redeem_undo(*, provider_id: int, account_id: int, public_id: str, now: datetime) -> None:
    """Set a redeemed booking back to confirmed, within minutes of redeeming it (a wrong tap)."""
    row = (
        await Booking.select(Booking.id, Booking.status, Booking.redeemed_at)
        .where(Booking.public_id == public_id, Booking.provider == provider_id)
        .first()
    )
    if row is None:
        raise NotFoundError("That booking isn't one of yours.")
    if row["status"] != Status.redeemed.value:
        raise ConflictError(NOT_REDEEMED)
    if not may_undo(row["redeemed_at"], now):
        raise DomainError(UNDO_TOO_LATE)
    async with database.transaction():
        changed = await _change(
            row["id"],
            provider_id,
            Action.undo_redeem,
            {Booking.redeemed_at: None, Booking.earning_released_at: None, Booking.updated_at: now},
            extra=Booking.redeemed_at >= now - UNDO_WINDOW,
        )
        if not changed:
            raise ConflictError(NOT_REDEEMED)
        await RedemptionLog.insert(RedemptionLog(booking=row["id"], action="undo", actor=account_id, at=now))


async def _change(booking_id: int, provider_id: int, action: Action, changes: dict, extra=None) -> bool:
    """The compare-and-set: only from the statuses the transition table allows, only for this provider."""
    statuses = [status.value for status in allowed_from(action)]
    target = {next_status(Status(s), action) for s in statuses}
    if len(target) != 1:  # pragma: no cover - the table maps each of these actions to one status
        raise IllegalTransition(action.value)
    query = Booking.update({Booking.status: target.pop().value, **changes}).where(
        Booking.id == booking_id, Booking.provider == provider_id, Booking.status.is_in(statuses)
    )
    if extra is not None:
        query = query.where(extra)
    return bool(await query.returning(Booking.id))
