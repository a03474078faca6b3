"""Administrators' decisions about a provider: verify it, suspend it, reinstate it.

Each change of standing is a conditional update (``... WHERE is_suspended = false``), so when two
administrators decide at the same moment one change is made and logged, and the other is told
it already happened. Every decision is logged in AdminAction with its note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app import database
from app.audit.rules import ActionKind, Subject
from app.audit.tables import AdminAction
from app.booking import services as booking_services
from app.booking import slot_services
from app.booking.state import Status
from app.booking.tables import Booking
from app.catalog.tables import Provider
from app.payments import services as payment_services
from app.payments.services import PaymentConfig
from app.shared.errors import ConflictError, DomainError, NotFoundError

logger = logging.getLogger("cityloop.catalog.admin")

NO_SUCH_PROVIDER = "There is no provider at that web address."
ALREADY_VERIFIED = "This business is already verified."
ALREADY_SUSPENDED = "This business is already suspended."
NOT_SUSPENDED = "This business isn't suspended, so there is nothing to reinstate."
NOTE_REQUIRED = "Write a note: it is kept in the business's history."
# What residents read on a booking cancelled by a suspension (the admin's reason stays internal).
SUSPENDED_BOOKING_REASON = "The business can't take this booking any more, so Cityloop cancelled it."
CLI_VERIFICATION_NOTE = "Verified from the command line."


@dataclass(frozen=True, slots=True)
class Suspension:
    """What suspending did to the provider's upcoming bookings."""

    cancelled: int = 0  # confirmed bookings cancelled with a full refund
    released: int = 0  # holds ended before they were paid
    not_cancelled: int = 0  # bookings that changed meanwhile (e.g. the resident cancelled first)

    def summary(self, provider_name: str, *, bookings_cancelled: bool) -> str:
        """What the administrator is told once the provider is suspended."""
        message = f"{provider_name} is suspended and hidden from residents."
        if not bookings_cancelled:
            return f"{message} Its upcoming bookings are kept."
        message += f" {_plural(self.cancelled, 'upcoming booking was', 'upcoming bookings were')}"
        message += " cancelled and refunded in full"
        if self.released:
            message += f"; {_plural(self.released, 'unpaid hold', 'unpaid holds')} ended"
        message += "."
        if self.not_cancelled:
            message += (
                f" {_plural(self.not_cancelled, 'booking', 'bookings')} changed meanwhile and"
                " could not be cancelled: check them under Bookings."
            )
        return message


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


async def _changed(provider_id: int, rows: list[dict], refusal: str) -> None:
    """After a conditional update: say whether nothing matched because the provider is gone."""
    if rows:
        return
    if not await Provider.exists().where(Provider.id == provider_id):
        raise NotFoundError(NO_SUCH_PROVIDER)
    raise ConflictError(refusal)


async def _log(admin_id: int, provider_id: int, action: ActionKind, note: str, now: datetime) -> None:
    await AdminAction.insert(
        AdminAction(
            admin=admin_id,
            subject_kind=Subject.provider.value,
            subject_id=provider_id,
            action=action.value,
            note=note,
            created_at=now,
        )
    )


def _require(note: str) -> str:
    note = note.strip()
    if not note:
        raise DomainError(NOTE_REQUIRED, field="note")
    return note


async def provider_verify(
    *, provider_id: int, note: str, now: datetime, zone: ZoneInfo, admin_id: int | None = None
) -> None:
    """Make a provider public with the verified badge, keeping what was checked.

    ``admin_id`` is None only from the command line (there is no administrator to log).
    """
    note = _require(note)
    async with database.transaction():
        rows = (
            await Provider.update(
                {Provider.is_verified: True, Provider.verified_at: now, Provider.verification_note: note}
            )
            .where(Provider.id == provider_id, Provider.is_verified.eq(False))
            .returning(Provider.id)
        )
        await _changed(provider_id, rows, ALREADY_VERIFIED)
        if admin_id is not None:
            await _log(admin_id, provider_id, ActionKind.verify, note, now)
    # Unverified providers' times are not kept up to date: open the booking window now.
    await slot_services.slots_refresh(provider_id=provider_id, now=now, zone=zone)


async def provider_suspend(
    *,
    provider_id: int,
    admin_id: int,
    reason: str,
    cancel_bookings: bool,
    config: PaymentConfig,
    now: datetime,
) -> Suspension:
    """Hide a provider from residents and stop new bookings; its upcoming bookings are kept, or
    (``cancel_bookings``) cancelled and refunded in full.

    The suspension and the end of the holds commit together. Confirmed bookings are then cancelled
    one by one through payments (each its own transaction, refund sent after it commits), so no
    database lock is held while Stripe is asked for refunds.
    """
    reason = _require(reason)
    action = ActionKind.suspend_and_cancel if cancel_bookings else ActionKind.suspend
    released = 0
    async with database.transaction():
        rows = (
            await Provider.update({Provider.is_suspended: True, Provider.suspended_at: now})
            .where(Provider.id == provider_id, Provider.is_suspended.eq(False))
            .returning(Provider.id)
        )
        await _changed(provider_id, rows, ALREADY_SUSPENDED)
        await _log(admin_id, provider_id, action, reason, now)
        if cancel_bookings:
            released = await booking_services.bookings_release_holds(provider_id=provider_id, now=now)
    if not cancel_bookings:
        return Suspension()
    # Read after the commit: a hold paid while we suspended is confirmed now, and is cancelled too.
    confirmed = await Booking.select(Booking.public_id).where(
        Booking.provider == provider_id,
        Booking.status == Status.confirmed.value,
        Booking.starts_at > now,
    )
    cancelled = not_cancelled = 0
    for booking in confirmed:
        try:
            await payment_services.booking_cancel_paid_by_provider(
                config=config,
                provider_id=provider_id,
                public_id=booking["public_id"],
                reason=SUSPENDED_BOOKING_REASON,
                now=now,
            )
        except DomainError as error:
            logger.info("booking %s not cancelled at suspension: %s", booking["public_id"], error.message)
            not_cancelled += 1
        else:
            cancelled += 1
    return Suspension(cancelled=cancelled, released=released, not_cancelled=not_cancelled)


async def provider_reinstate(*, provider_id: int, admin_id: int, note: str, now: datetime) -> None:
    """List a suspended provider again (if it is verified) and let residents book it."""
    note = _require(note)
    async with database.transaction():
        rows = (
            await Provider.update({Provider.is_suspended: False, Provider.suspended_at: None})
            .where(Provider.id == provider_id, Provider.is_suspended.eq(True))
            .returning(Provider.id)
        )
        await _changed(provider_id, rows, NOT_SUSPENDED)
        await _log(admin_id, provider_id, ActionKind.reinstate, note, now)
    await slot_services.next_free_refresh(now=now, provider_id=provider_id)
