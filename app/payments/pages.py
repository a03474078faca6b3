"""Payment pieces that pages of several domains share."""

from __future__ import annotations

from litestar.di import NamedDependency

from app.payments.services import PaymentConfig

# Handler parameter injected by name: Stripe's settings and the gateway the app was built with.
PaymentsDep = NamedDependency[PaymentConfig]
