import dataclasses
import random

import pytest

from app.payments import services as payments


@pytest.fixture
def config(settings) -> payments.PaymentConfig:
    """Payments against the test run's localstripe, with repeatable redemption codes."""
    return dataclasses.replace(payments.PaymentConfig.from_settings(settings), rng=random.Random(7))
