"""The cancellation policy residents see before they pay, and that refunds will follow."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    free_until_hours: int
    late_refund_percent: int

    def describe(self) -> str:
        return (
            f"Free cancellation until {self.free_until_hours} hours before the visit. After that, "
            f"{self.late_refund_percent}% of the price is refunded, and nothing once the visit has started."
        )


STANDARD_POLICY = CancellationPolicy(free_until_hours=24, late_refund_percent=50)
