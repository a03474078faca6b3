"""Rate limits on sign-in and sign-up, and the trusted-device exemption from the per-account limit.

An attempt is counted before it is checked, so simultaneous attempts cannot all slip under the
limit. Failures also count per account, which stops guessing spread over many addresses; so that
a stranger cannot lock an owner out that way, a browser that signed in to the account before
carries a signed device token and is exempt from the per-account count (OWASP "device cookies").
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.settings import Settings

DEVICE_TOKEN_LIFETIME = timedelta(days=180)


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    limit: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        return now - self.window

    def allows(self, attempts_including_this_one: int) -> bool:
        return attempts_including_this_one <= self.limit

    def retry_after_seconds(self, oldest_attempt_in_window: datetime, now: datetime) -> int:
        """Seconds until the oldest counted attempt leaves the window and one more is allowed."""
        return max(1, math.ceil((oldest_attempt_in_window + self.window - now).total_seconds()))


def login_buckets(ip: str, email: str) -> tuple[str, str]:
    """(per address, per account); the second is the one a trusted device skips."""
    return f"login:ip:{ip}", f"login:account:{email}"


def signup_buckets(ip: str, email: str) -> tuple[str, str]:
    return f"signup:ip:{ip}", f"signup:account:{email}"


def _device_signature(account_id: int, issued: int, secret: str) -> str:
    return hmac.new(secret.encode(), f"device:{account_id}:{issued}".encode(), hashlib.sha256).hexdigest()


def device_token(account_id: int, now: datetime, secret: str) -> str:
    issued = int(now.timestamp())
    return f"{account_id}.{issued}.{_device_signature(account_id, issued, secret)}"


def device_token_is_valid(token: str | None, account_id: int, now: datetime, secret: str) -> bool:
    """True when ``token`` was issued by us to this browser at a sign-in to ``account_id``, recently."""
    try:
        owner, issued, signature = (token or "").split(".")
        owner_id, issued_at = int(owner), int(issued)
    except ValueError:
        return False
    # Compared, not subtracted: a cookie's thousand-digit "issued" would overflow a float.
    if owner_id != account_id or not issued_at > now.timestamp() - DEVICE_TOKEN_LIFETIME.total_seconds():
        return False
    return hmac.compare_digest(signature, _device_signature(account_id, issued_at, secret))


def attempts_rule(settings: Settings) -> ThrottleRule:
    return ThrottleRule(
        limit=settings.login_max_failures, window=timedelta(minutes=settings.login_window_minutes)
    )
