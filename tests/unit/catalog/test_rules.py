from app.catalog.rules import PRICE_ABOVE_LIST, PRICE_NOT_POSITIVE, Price, price_problem


def test_the_saving_is_the_gap_between_in_store_and_online_prices():
    assert Price(online_cents=6800, list_cents=8000).saving_cents == 1200
    assert Price(online_cents=8000, list_cents=8000).saving_cents == 0


def test_online_prices_are_positive_and_never_above_the_in_store_price():
    assert price_problem(0, 5000) == ("online_price", PRICE_NOT_POSITIVE)
    assert price_problem(5001, 5000) == ("online_price", PRICE_ABOVE_LIST)
    assert price_problem(5000, 5000) is None
    assert price_problem(4500, 5000) is None
