"""Booking page pieces that pages of several domains share: a resident's own booking, the page
that shows it (checkout while held, the code once paid), and a visit as a calendar entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar import Request
from litestar.response import Template

from app.accounts.guards import signed_in_user
from app.booking import queries
from app.booking import services as booking
from app.booking.calendar import CalendarEntry
from app.booking.policy import STANDARD_POLICY
from app.booking.state import Status
from app.payments import services as payment_services
from app.payments.queries import booking_money
from app.payments.rules import PaymentStatus
from app.payments.services import PaymentConfig
from app.reviews.queries import review_of_booking
from app.settings import Settings
from app.shared.errors import DomainError
from app.shared.text import is_slug
from app.web.exceptions import PageMissing
from app.web.htmx import render
from app.web.route_options import PRIVATE


async def own_booking(request: Request, public_id: str) -> queries.BookingView:
    """The signed-in resident's booking, or the "not yours" page (also for other people's ids)."""
    view = (
        await queries.resident_booking(signed_in_user(request).id, public_id) if is_slug(public_id) else None
    )
    if view is None:
        raise PageMissing(booking.NOT_YOURS)
    return view


@dataclass(slots=True)
class Checkout:
    """What the checkout of a held booking shows: the card form, the bank's check, or a wait."""

    setup_secret: str = ""  # Stripe.js turns the card into a payment method with it
    authentication_secret: str = ""  # 3-D Secure for the payment itself
    processing: bool = False
    unavailable: str = ""  # Stripe can't be reached: say so instead of a card form


async def render_booking_page(
    request: Request,
    view: queries.BookingView,
    now: datetime,
    payments: PaymentConfig,
    *,
    payment_error: str = "",
    status_code: int = 200,
) -> Template:
    """The resident's booking: checkout while it is held, the code once paid, money throughout."""
    money = await booking_money(view.id)
    checkout = Checkout()
    if view.status is Status.held and view.held_until > now:
        if money.in_flight:  # a payment is under way: ask Stripe how it went (the webhook may be late)
            outcome = await payment_services.payment_refresh(config=payments, booking_id=view.id, now=now)
            if outcome is not None and outcome.booking_status is not Status.held:
                view, money = await own_booking(request, view.public_id), await booking_money(view.id)
            elif outcome is not None and outcome.status is PaymentStatus.requires_action:
                checkout.authentication_secret = outcome.client_secret
            elif outcome is not None and outcome.status is not PaymentStatus.failed:
                checkout.processing = True
            elif outcome is not None:
                payment_error = payment_error or outcome.message
        if view.status is Status.held and not (checkout.authentication_secret or checkout.processing):
            try:
                checkout.setup_secret = await payment_services.card_setup_start(
                    config=payments, booking_public_id=view.public_id
                )
            except DomainError as error:
                checkout.unavailable = error.message
    return render(
        request,
        "booking/booking.html",
        {
            "booking": view,
            "money": money,
            "checkout": checkout,
            "payment_error": payment_error,
            "now": now,
            "policy": STANDARD_POLICY,
            "hold_active": view.status is Status.held and view.held_until > now,
            "refund_percent": STANDARD_POLICY.refund_percent(view.starts_at, now),
            "may_reschedule": view.status is Status.confirmed
            and STANDARD_POLICY.may_reschedule(view.starts_at, now),
            "review": await review_of_booking(view.id, signed_in_user(request).id)
            if view.status is Status.redeemed
            else None,
        },
        status_code=status_code,
        headers=PRIVATE,
    )


def calendar_entry(view: queries.BookingView, settings: Settings, *, for_provider: bool) -> CalendarEntry:
    where = view.address if view.at_home else view.provider_address
    who = view.member_name or "not assigned yet"
    if for_provider:
        title = f"{view.service_name}: {view.resident_name} ({who})"
        details = f"{view.note}\n\n{settings.public_url}/dashboard/bookings/{view.public_id}".strip()
    else:
        title = f"{view.service_name} with {view.provider_name}"
        details = f"{settings.public_url}/bookings/{view.public_id}"
        if view.member_name:
            details = f"With {view.member_name}.\n{details}"
    return CalendarEntry(
        uid=f"{view.public_id}@{settings.public_url.split('://', 1)[-1]}",
        title=title,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        location=where,
        description=details,
        cancelled=view.status is Status.cancelled,
    )
