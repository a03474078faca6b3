"""Text helpers shared by search and URLs."""

from __future__ import annotations

import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case and strip accents so "Fontanería" and "fontaneria" compare equal.

    Control characters become spaces: they never help a search and PostgreSQL refuses NUL.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch for ch in decomposed if not unicodedata.combining(ch)
    )
    return _SPACES.sub(" ", stripped).strip()


def slugify(text: str, max_length: int = 60) -> str:
    """A readable URL part: "Fontanería L'Eixample" -> "fontaneria-l-eixample"."""
    slug = _NON_SLUG.sub("-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-")


def is_slug(text: str, max_length: int = 80) -> bool:
    """True for text shaped like one of our slugs (anything else can't name a page)."""
    return len(text) <= max_length and _SLUG.fullmatch(text) is not None
