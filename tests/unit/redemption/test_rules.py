from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.redemption.rules import may_redeem_now, may_undo, redeemable_from

MADRID = ZoneInfo("Europe/Madrid")


def test_codes_work_from_the_start_of_the_visit_day_in_the_city():
    visit = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Valencia
    assert redeemable_from(visit, MADRID) == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert not may_redeem_now(visit, datetime(2026, 11, 24, 22, 59, tzinfo=UTC), MADRID)
    assert may_redeem_now(visit, datetime(2026, 11, 24, 23, 0, tzinfo=UTC), MADRID)
    assert may_redeem_now(visit, visit + timedelta(days=3), MADRID)  # a provider who forgot


def test_a_redemption_can_be_undone_for_ten_minutes():
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert may_undo(at, at + timedelta(minutes=10))
    assert not may_undo(at, at + timedelta(minutes=10, seconds=1))
