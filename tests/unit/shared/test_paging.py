import pytest

from app.shared.paging import MAX_PAGE, Page, PageWindow, page_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 1), ("", 1), ("3", 3), ("0", 1), ("-4", 1), ("x", 1), (str(MAX_PAGE + 1), MAX_PAGE)],
)
def test_a_hand_edited_page_number_falls_back_to_a_page_that_exists(raw, expected):
    assert page_number(raw) == expected


def test_a_page_asks_for_one_row_more_than_it_shows_to_know_whether_another_follows():
    window = PageWindow(3, 20)
    assert (window.limit, window.offset) == (21, 40)
    assert window.page(list(range(21)), str) == Page(items=[str(n) for n in range(20)], page=3, has_next=True)
    assert window.page(list(range(20)), str) == Page(
        items=[str(n) for n in range(20)], page=3, has_next=False
    )
    assert window.page([], str) == Page(items=[], page=3, has_next=False)
