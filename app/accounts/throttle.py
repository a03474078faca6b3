"""Rate limits on sign-in and sign-up: a rule counts attempts per bucket within a sliding window."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    limit: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        return now - self.window

    def is_exceeded(self, attempts_in_window: int) -> bool:
        return attempts_in_window >= self.limit

    def retry_after_seconds(self, oldest_attempt_in_window: datetime, now: datetime) -> int:
        """Seconds until the oldest counted attempt leaves the window and one more is allowed."""
        return max(1, math.ceil((oldest_attempt_in_window + self.window - now).total_seconds()))


def login_buckets(ip: str, email: str) -> tuple[str, str]:
    return f"login:ip:{ip}", f"login:account:{email}"


def signup_buckets(ip: str, email: str) -> tuple[str, str]:
    return f"signup:ip:{ip}", f"signup:account:{email}"
