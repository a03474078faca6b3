"""The cancellation policy residents see before they pay, and that refunds follow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    free_until_hours: int
    late_refund_percent: int

    def describe(self) -> str:
        return (
            f"Free cancellation until {self.free_until_hours} hours before the visit. After that, "
            f"{self.late_refund_percent}% of the price is refunded, and nothing once the visit has started."
        )

    def free_until(self, starts_at: datetime) -> datetime:
        return starts_at - timedelta(hours=self.free_until_hours)

    def refund_percent(self, starts_at: datetime, now: datetime) -> int:
        """How much of the price a resident gets back for cancelling at ``now``."""
        if now >= starts_at:
            return 0
        return 100 if now <= self.free_until(starts_at) else self.late_refund_percent

    def may_reschedule(self, starts_at: datetime, now: datetime) -> bool:
        """Moving to another time is free, so it is allowed only while cancelling is free."""
        return now <= self.free_until(starts_at)


STANDARD_POLICY = CancellationPolicy(free_until_hours=24, late_refund_percent=50)
