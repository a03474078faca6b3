"""Reads for redemption: the audit trail of a booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.redemption.tables import RedemptionLog


@dataclass(frozen=True, slots=True)
class RedemptionEvent:
    action: str  # redeem | undo
    actor: str
    at: datetime


async def booking_redemption(booking_id: int) -> list[RedemptionEvent]:
    rows = await (
        RedemptionLog.select(RedemptionLog.action, RedemptionLog.actor.display_name, RedemptionLog.at)
        .where(RedemptionLog.booking == booking_id)
        .order_by(RedemptionLog.id)
    )
    return [RedemptionEvent(row["action"], row["actor.display_name"], row["at"]) for row in rows]
