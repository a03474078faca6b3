"""Once-a-day work shared by every worker: the first worker to claim the day does it."""

from __future__ import annotations

from datetime import date, timedelta

from app.jobs.tables import DailyJob


async def job_day_claim(*, name: str, today: date) -> bool:
    """True for exactly one caller per job and city day (a conditional update decides races)."""
    await DailyJob.insert(DailyJob(name=name, last_run_day=today - timedelta(days=1))).on_conflict(
        action="DO NOTHING"
    )
    claimed = (
        await DailyJob.update({DailyJob.last_run_day: today})
        .where(DailyJob.name == name, DailyJob.last_run_day < today)
        .returning(DailyJob.id)
    )
    return bool(claimed)
