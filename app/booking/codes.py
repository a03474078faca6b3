"""Redemption codes: 8 characters a provider can read aloud or type without confusing any two.

The alphabet leaves out 0/O and 1/I/L. 31⁸ ≈ 8.5 × 10¹¹ codes; with attempts rate-limited per
provider, guessing someone else's code is hopeless.
"""

from __future__ import annotations

import random
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
_IGNORED = str.maketrans("", "", " -\t\u00a0")
_SYSTEM_RANDOM = secrets.SystemRandom()


def new_code(rng: random.Random = _SYSTEM_RANDOM) -> str:
    """A fresh code, as stored ("K7QX3M9P"); ``rng`` is a seeded Random in tests."""
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def grouped(code: str) -> str:
    """As shown to people: "K7QX-3M9P"."""
    return f"{code[:4]}-{code[4:]}"


def normalize(typed: str) -> str | None:
    """What a provider typed or scanned, as a stored code; None when it can't be a code.

    Case, spaces and dashes don't matter. A scanned QR holds the redeem address with the code in
    its ``code`` parameter, so that is accepted too.
    """
    text = typed.strip()
    if "code=" in text:
        text = text.rsplit("code=", 1)[1].split("&", 1)[0]
    candidate = text.translate(_IGNORED).upper()
    if len(candidate) != LENGTH or any(ch not in ALPHABET for ch in candidate):
        return None
    return candidate
