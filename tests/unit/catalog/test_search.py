import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.catalog.search import MAX_TERMS, search_document, search_terms, words


@pytest.mark.parametrize(
    ("query", "document_word"),
    [
        ("fontanero", "fontaneria"),  # the trade finds the trade's business
        ("fontaneros", "fontaneria"),
        ("Peluquería", "peluqueria"),
        ("peluqueria", "peluqueria"),
        ("peluquera", "peluqueria"),
        ("plumber", "plumbing"),
        ("cleaner", "cleaning"),
        ("painter", "painting"),
        ("electricidad", "electricista"),
        ("jardinero", "jardineria"),
    ],
)
def test_a_query_word_matches_words_that_start_with_its_stem(query, document_word):
    (term,) = search_terms(query)
    assert document_word.startswith(term)


def test_documents_are_folded_words_each_preceded_by_a_space():
    assert (
        search_document("Fontanería Russafa", "", "L'Eixample, 24h") == " fontaneria russafa l eixample 24h"
    )


def test_queries_ignore_punctuation_repeat_words_and_stop_at_a_limit():
    assert search_terms("  ¡Fontanero! fontanero, 24h ") == ["fontaner", "24h"]
    assert search_terms("%_\\") == []
    assert len(search_terms(" ".join(f"w{n}ord" for n in range(20)))) == MAX_TERMS


def test_very_short_stems_are_not_used():
    assert search_terms("pie") == ["pie"]


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúñç", min_size=1, max_size=20))
def test_every_word_is_found_by_itself(word):
    for term in search_terms(word):
        assert any(found.startswith(term) for found in words(word))
