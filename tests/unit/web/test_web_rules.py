import pytest

from app.settings import Settings
from app.shared.paging import MAX_PAGE, page_number
from app.web.security import content_security_policy


@pytest.mark.parametrize(
    ("raw", "page"), [(None, 1), ("", 1), ("3", 3), ("0", 1), ("-4", 1), ("abc", 1), ("9" * 30, MAX_PAGE)]
)
def test_hand_edited_page_numbers_never_fail(raw, page):
    assert page_number(raw) == page


def test_the_content_security_policy_allows_no_inline_code_and_no_framing():
    policy = content_security_policy(Settings.from_env({"APP_ENV": "dev"}).stripe)
    assert "script-src 'self' http://127.0.0.1:8420;" in policy
    assert "style-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_in_production_the_policy_lets_stripe_js_its_api_and_3d_secure_frames_in():
    production = Settings.from_env(
        {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "PUBLIC_URL": "https://valencia.cityloop.example"}
    )
    policy = content_security_policy(production.stripe)
    assert "script-src 'self' https://js.stripe.com;" in policy
    assert "connect-src 'self' https://api.stripe.com https://js.stripe.com;" in policy
    assert "frame-src https://js.stripe.com https://hooks.stripe.com;" in policy
