from app.catalog.rules import Price, lowest_price, search_document


def test_the_saving_is_the_gap_between_in_store_and_online_prices():
    assert Price(online_cents=6800, list_cents=8000).saving_cents == 1200
    assert Price(online_cents=8000, list_cents=8000).saving_cents == 0


def test_from_price_is_the_cheapest_online_price():
    prices = [Price(9000, 10000), Price(4500, 5000), Price(4500, 6000)]
    assert lowest_price(prices) == Price(4500, 6000)  # ties show the bigger saving
    assert lowest_price([]) is None


def test_the_search_document_is_folded_text_of_every_part():
    assert search_document("Fontanería Russafa", "Plumbing", "", "L'Eixample") == (
        "fontaneria russafa plumbing l'eixample"
    )
