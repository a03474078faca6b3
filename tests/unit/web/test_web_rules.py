import pytest

from app.shared.paging import MAX_PAGE, page_number
from app.web.security import content_security_policy


@pytest.mark.parametrize(
    ("raw", "page"), [(None, 1), ("", 1), ("3", 3), ("0", 1), ("-4", 1), ("abc", 1), ("9" * 30, MAX_PAGE)]
)
def test_hand_edited_page_numbers_never_fail(raw, page):
    assert page_number(raw) == page


def test_the_content_security_policy_allows_no_inline_code_and_no_framing():
    policy = content_security_policy()
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
