"""The site with its clock moved to TEST_CLOCK_AT and running on from there.

Browser tests use it for what happens on a given day, such as a provider redeeming a code on the
day of the visit, while the rest of the journey runs on the real clock.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from litestar import Litestar

from app.main import create_app
from app.settings import Settings


class ShiftedClock:
    def __init__(self, at: datetime) -> None:
        self._offset = at - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def create() -> Litestar:
    return create_app(
        Settings.from_env(), clock=ShiftedClock(datetime.fromisoformat(os.environ["TEST_CLOCK_AT"]))
    )
