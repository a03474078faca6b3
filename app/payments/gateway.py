"""The only module that talks to Stripe (the official SDK, asynchronously).

Production points it at api.stripe.com; ``make run`` and the tests at localstripe on 127.0.0.1.
Everything else sees plain dataclasses and three exceptions: CardDeclined (the resident's bank
said no: show the message), GatewayUnavailable (try again later: nothing is known to have
happened) and GatewayRefused (Stripe refused the request itself).
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

import stripe

from app.settings import StripeSettings

TIMEOUT_SECONDS = 20
NETWORK_RETRIES = 2  # the SDK retries connection errors and 5xx with the same idempotency key


@dataclass(frozen=True, slots=True)
class Intent:
    """What we need of a PaymentIntent."""

    id: str
    status: str
    amount: int
    currency: str
    client_secret: str
    booking_public_id: str
    payment_id: int | None
    error_message: str


@dataclass(frozen=True, slots=True)
class StripeRefund:
    id: str
    status: str  # pending | succeeded | failed | canceled | requires_action
    amount: int


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    id: str
    type: str
    object_type: str
    object_id: str


class GatewayError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CardDeclined(GatewayError):
    """The card or its authentication failed; ``message`` is Stripe's text for the cardholder."""


class GatewayUnavailable(GatewayError):
    """Stripe could not be reached or failed (after retries); the outcome is unknown."""


class GatewayRefused(GatewayError):
    """Stripe refused the request (invalid, not found, not allowed)."""


class InvalidWebhook(Exception):
    """The body is not a Stripe event signed with our secret."""


def _translate(error: stripe.StripeError) -> GatewayError:
    if isinstance(error, stripe.CardError):
        return CardDeclined(error.user_message or "Your card was declined.")
    if (
        isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError))
        or (error.http_status or 500) >= 500
    ):
        return GatewayUnavailable(str(error))
    return GatewayRefused(error.user_message or str(error))


def _intent(obj) -> Intent:
    metadata = obj.metadata.to_dict() if obj.metadata else {}
    error = obj.last_payment_error
    payment_id = metadata.get("payment_id", "")
    return Intent(
        id=obj.id,
        status=obj.status,
        amount=obj.amount,
        currency=obj.currency,
        client_secret=obj.client_secret or "",
        booking_public_id=metadata.get("booking", ""),
        payment_id=int(payment_id) if payment_id.isdigit() else None,
        error_message=(error.message or "") if error else "",
    )


def _refund(obj) -> StripeRefund:
    return StripeRefund(id=obj.id, status=obj.status or "pending", amount=obj.amount)


class StripeGateway:
    def __init__(self, settings: StripeSettings) -> None:
        self.settings = settings
        # httpx connection pools belong to one event loop; the site has one, tests several.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, stripe.StripeClient] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def _v1(self):
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = stripe.StripeClient(
                self.settings.secret_key,
                base_addresses={"api": self.settings.api_base},
                max_network_retries=NETWORK_RETRIES,
                http_client=stripe.HTTPXClient(timeout=TIMEOUT_SECONDS),
            )
            self._clients[loop] = client
        return client.v1

    async def _call(self, operation, *args, **kwargs):
        try:
            return await operation(*args, **kwargs)
        except stripe.StripeError as error:
            raise _translate(error) from error

    async def card_setup_secret(self, booking_public_id: str) -> str:
        """A SetupIntent's client secret: Stripe.js turns the card typed on the page into a
        payment method with it (and runs 3-D Secure for cards that need it)."""
        setup = await self._call(
            self._v1.setup_intents.create_async,
            params={
                "usage": "on_session",
                "payment_method_types": ["card"],
                "metadata": {"booking": booking_public_id},
            },
        )
        return setup.client_secret

    async def create_intent(
        self,
        *,
        amount_cents: int,
        currency: str,
        payment_method: str,
        booking_public_id: str,
        payment_id: int,
        idempotency_key: str,
    ) -> Intent:
        obj = await self._call(
            self._v1.payment_intents.create_async,
            params={
                "amount": amount_cents,
                "currency": currency.lower(),
                "payment_method": payment_method,
                "payment_method_types": ["card"],
                "metadata": {"booking": booking_public_id, "payment_id": str(payment_id)},
            },
            options={"idempotency_key": idempotency_key},
        )
        return _intent(obj)

    async def confirm_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        obj = await self._call(
            self._v1.payment_intents.confirm_async, intent_id, options={"idempotency_key": idempotency_key}
        )
        return _intent(obj)

    async def cancel_intent(self, intent_id: str) -> Intent:
        return _intent(await self._call(self._v1.payment_intents.cancel_async, intent_id))

    async def fetch_intent(self, intent_id: str) -> Intent:
        return _intent(await self._call(self._v1.payment_intents.retrieve_async, intent_id))

    async def create_refund(
        self, *, intent_id: str, amount_cents: int, refund_id: int, idempotency_key: str
    ) -> StripeRefund:
        obj = await self._call(
            self._v1.refunds.create_async,
            params={
                "payment_intent": intent_id,
                "amount": amount_cents,
                "metadata": {"refund_id": str(refund_id)},
            },
            options={"idempotency_key": idempotency_key},
        )
        return _refund(obj)

    async def find_refund(self, *, intent_id: str, refund_id: int) -> StripeRefund | None:
        """Our refund at Stripe, found by the id we put in its metadata (after a crash)."""
        listing = await self._call(
            self._v1.refunds.list_async, params={"payment_intent": intent_id, "limit": 100}
        )
        for obj in listing.data:
            if (obj.metadata.to_dict() if obj.metadata else {}).get("refund_id") == str(refund_id):
                return _refund(obj)
        return None

    async def reachable(self) -> bool:
        """Whether Stripe answers with our key (the demo city checks before paying for bookings)."""
        try:
            await self._call(self._v1.balance.retrieve_async)
        except GatewayError:
            return False
        return True

    def parse_event(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify the signature on the raw body and read the event (raises InvalidWebhook)."""
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.settings.webhook_secret)
            obj = event.data.object
            return WebhookEvent(id=event.id, type=event.type, object_type=obj.object, object_id=obj.id)
        except (ValueError, KeyError, AttributeError, stripe.SignatureVerificationError) as error:
            raise InvalidWebhook(str(error)) from error

    async def test_card(self, number: str) -> str:
        """A payment method for a test card number, made on the server: test mode only (the demo
        city and the tests; real card numbers are only ever typed into Stripe.js)."""
        if not self.settings.secret_key.startswith("sk_test"):
            raise GatewayRefused("Test cards work only with a test-mode Stripe key.")
        obj = await self._call(
            self._v1.payment_methods.create_async,
            params={
                "type": "card",
                "card": {"number": number, "exp_month": "12", "exp_year": "34", "cvc": "123"},
            },
        )
        return obj.id
