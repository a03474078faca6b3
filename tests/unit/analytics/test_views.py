from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.analytics.views import ViewCounter


def test_views_are_added_up_per_provider_and_city_day_until_taken():
    counter = ViewCounter(ZoneInfo("Europe/Madrid"))
    evening = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # 23:30 on the 22nd in Valencia
    night = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # 00:30 on the 23rd in Valencia
    counter.listed([1, 2], evening)
    counter.listed([1], evening)
    counter.page_viewed(1, evening)
    counter.page_viewed(1, night)
    assert counter.take() == {
        (1, date(2026, 11, 22)): (2, 1),
        (2, date(2026, 11, 22)): (1, 0),
        (1, date(2026, 11, 23)): (0, 1),
    }
    assert counter.take() == {}
