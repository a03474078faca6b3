"""Paying for a held booking, and Stripe's webhook."""

from __future__ import annotations

import logging

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import requires_login
from app.booking.pages import own_booking, render_booking_page
from app.booking.state import Status
from app.payments import services as payment_services
from app.payments.gateway import GatewayUnavailable, InvalidWebhook
from app.payments.pages import PaymentsDep
from app.payments.rules import PaymentStatus
from app.shared.errors import DomainError
from app.web.context import ClockDep
from app.web.flash import flash
from app.web.htmx import wants_fragment
from app.web.route_options import PRIVATE, STATELESS_ROUTE_OPT

logger = logging.getLogger("cityloop.payments")

NEEDS_JAVASCRIPT = (
    "Paying by card needs JavaScript, so that your card details go straight to our payment provider. "
    "Turn JavaScript on for this site, or use another browser, and try again."
)
PAID = "Paid. Your booking is confirmed: show the code below at the visit."


def _after_payment(request: Request, view, outcome: payment_services.PaymentOutcome | None) -> Redirect:
    if outcome is not None and outcome.booking_status is Status.confirmed:
        flash(request, PAID)
    return Redirect(f"/bookings/{view.public_id}", status_code=303)


@post("/bookings/{public_id:str}/pay", guards=[requires_login])
async def pay(request: Request, public_id: FromPath[str], clock: ClockDep, payments: PaymentsDep) -> Response:
    """The card form's target: Stripe.js has turned the card into a payment method id."""
    view = await own_booking(request, public_id)
    method = (await request.form()).get("payment_method")
    now = clock.now()
    if not (isinstance(method, str) and method.isascii() and method.startswith("pm_") and len(method) < 100):
        return await render_booking_page(
            request, view, now, payments, payment_error=NEEDS_JAVASCRIPT, status_code=422
        )
    try:
        outcome = await payment_services.payment_submit(
            config=payments,
            resident_id=request.scope["user"].id,
            public_id=view.public_id,
            payment_method=method,
            now=now,
        )
    except DomainError as error:
        status = 409 if error.status_code == 409 else 402
        return await render_booking_page(
            request, view, now, payments, payment_error=error.message, status_code=status
        )
    return _after_payment(request, view, outcome)


@post("/bookings/{public_id:str}/payment/check", guards=[requires_login])
async def payment_check(
    request: Request, public_id: FromPath[str], clock: ClockDep, payments: PaymentsDep
) -> Redirect:
    """Back from the bank's 3-D Secure window: ask Stripe how it went, without waiting for the webhook."""
    view = await own_booking(request, public_id)
    outcome = await payment_services.payment_refresh(config=payments, booking_id=view.id, now=clock.now())
    if outcome is not None and outcome.status is PaymentStatus.failed:
        flash(request, outcome.message or payment_services.DECLINED_FALLBACK, "error")
    return _after_payment(request, view, outcome)


@get("/bookings/{public_id:str}/payment", guards=[requires_login])
async def payment_status(
    request: Request, public_id: FromPath[str], clock: ClockDep, payments: PaymentsDep
) -> Response:
    """Polled while a payment is processing; the page reloads once it is settled."""
    view = await own_booking(request, public_id)
    if not wants_fragment(request):
        return Redirect(f"/bookings/{view.public_id}", status_code=303)
    outcome = await payment_services.payment_refresh(config=payments, booking_id=view.id, now=clock.now())
    if outcome is not None and outcome.status is PaymentStatus.failed:
        flash(request, outcome.message or payment_services.DECLINED_FALLBACK, "error")
    if outcome is None or outcome.status in (PaymentStatus.succeeded, PaymentStatus.failed):
        return Response(b"", status_code=200, headers={"hx-refresh": "true", **PRIVATE})
    return Template("booking/_payment_processing.html", context={"booking": view}, headers=PRIVATE)


@post("/stripe/webhook", opt={**STATELESS_ROUTE_OPT, "exclude_from_csrf": True}, include_in_schema=False)
async def stripe_webhook(request: Request, clock: ClockDep, payments: PaymentsDep) -> Response:
    """Stripe's events: verified on the raw body, each handled once; 5xx asks Stripe to retry."""
    body = await request.body()
    try:
        result = await payment_services.webhook_receive(
            config=payments, payload=body, signature=request.headers.get("stripe-signature"), now=clock.now()
        )
    except InvalidWebhook:
        return Response({"error": "invalid signature"}, status_code=400)
    except GatewayUnavailable:
        logger.warning("webhook: Stripe unreachable while handling an event; Stripe will retry")
        return Response({"error": "try again"}, status_code=503)
    return Response({"received": result}, status_code=200)


ROUTES = [pay, payment_check, payment_status, stripe_webhook]
