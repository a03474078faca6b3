from datetime import UTC, datetime, timedelta

from app.accounts.throttle import ThrottleRule, login_buckets, signup_buckets

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
RULE = ThrottleRule(limit=10, window=timedelta(minutes=15))


def test_the_tenth_failure_in_the_window_blocks_the_next_attempt():
    assert not RULE.is_exceeded(9)
    assert RULE.is_exceeded(10)


def test_the_window_slides_back_from_now():
    assert RULE.window_start(NOW) == NOW - timedelta(minutes=15)


def test_retry_after_counts_down_to_when_the_oldest_attempt_leaves_the_window():
    oldest = NOW - timedelta(minutes=14, seconds=30)
    assert RULE.retry_after_seconds(oldest, NOW) == 30
    assert RULE.retry_after_seconds(NOW - timedelta(hours=1), NOW) == 1


def test_attempts_are_counted_per_address_and_per_account():
    assert login_buckets("203.0.113.9", "ana@example.com") == (
        "login:ip:203.0.113.9",
        "login:account:ana@example.com",
    )
    assert signup_buckets("203.0.113.9", "ana@example.com")[0] == "signup:ip:203.0.113.9"
