"""What a provider is found by, and how a query's words become the prefixes it is matched on.

Both sides are folded (no case, no accents). A query word matches a document word that starts
with the word's stem, taking the shorter of the Spanish and English Snowball stems: "fontanero"
(stem "fontaner") finds "Fontanería", "plumber" (stem "plumb") finds "plumbing", "peluquera"
finds "peluquería".
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from app.shared.text import fold

MIN_PREFIX = 3  # shorter stems match too much ("pl" would find plumbing and plants)
MAX_TERMS = 8
_WORD = re.compile(r"[a-z0-9]+")
_STEMMERS = (snowballstemmer.stemmer("spanish"), snowballstemmer.stemmer("english"))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def search_document(*parts: str) -> str:
    """The folded words of every part, space-separated with a leading space so that a
    ``LIKE '% prefix%'`` matches at the start of any word."""
    return " " + " ".join(word for part in parts if part for word in words(part))


@lru_cache(maxsize=4096)
def _prefix(word: str) -> str:
    stems = [stemmer.stemWord(word) for stemmer in _STEMMERS]
    candidates = [stem for stem in stems if len(stem) >= MIN_PREFIX and word.startswith(stem)]
    return min(candidates, key=len, default=word)


def search_terms(query: str) -> list[str]:
    """The distinct prefixes a query's words are matched on, in order (at most MAX_TERMS)."""
    terms: list[str] = []
    for word in words(query):
        term = _prefix(word)
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]
