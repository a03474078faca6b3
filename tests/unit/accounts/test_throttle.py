from datetime import UTC, datetime, timedelta

from app.accounts.throttle import (
    DEVICE_TOKEN_LIFETIME,
    ThrottleRule,
    device_token,
    device_token_is_valid,
    login_buckets,
    signup_buckets,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
RULE = ThrottleRule(limit=10, window=timedelta(minutes=15))
SECRET = "s" * 40


def test_the_tenth_attempt_in_the_window_is_allowed_and_the_eleventh_is_not():
    assert RULE.allows(10)
    assert not RULE.allows(11)


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


def test_a_device_token_vouches_for_one_account_for_a_limited_time():
    token = device_token(7, NOW, SECRET)
    assert device_token_is_valid(token, 7, NOW + timedelta(days=30), SECRET)
    assert not device_token_is_valid(token, 8, NOW, SECRET)  # another account
    assert not device_token_is_valid(token, 7, NOW + DEVICE_TOKEN_LIFETIME, SECRET)  # too old
    assert not device_token_is_valid(token, 7, NOW, "another secret" * 3)


def test_forged_or_garbled_device_tokens_are_not_trusted():
    account, issued, signature = device_token(7, NOW, SECRET).split(".")
    for forged in [
        None,
        "",
        "garbage",
        f"{account}.{issued}",
        f"{account}.{int(issued) + 1}.{signature}",
        f"{account}.{issued}.{'0' * len(signature)}",
        f"x.{issued}.{signature}",
        f"{account}.{issued}.{signature}.extra",
        f"{account}.{'9' * 4000}.{signature}",  # overflowed a float: a 500 at login
        f"{account}.².{signature}",
    ]:
        assert not device_token_is_valid(forged, 7, NOW, SECRET), forged
