"""Password hashing with Argon2id, off the event loop and with a cap on concurrent work.

Each hash or verification takes ~64 MiB and tens of milliseconds; the limiter keeps a flood of
sign-in attempts from exhausting memory or starving other requests.
"""

from __future__ import annotations

import contextlib
import functools

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# A hash no password matches, stored for accounts that cannot sign in with a password.
UNUSABLE_PASSWORD = "!"

_hasher = PasswordHasher()
_limiter = anyio.CapacityLimiter(4)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("cityloop-dummy-password-for-timing")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_limiter)


def _verify(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    if stored_hash is None or stored_hash == UNUSABLE_PASSWORD:
        # Spend the same time as a real check so response times don't reveal which emails exist.
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password + "\0")
        return False, False
    try:
        _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, _hasher.check_needs_rehash(stored_hash)


async def verify_password(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash). ``stored_hash`` None means "no such account"."""
    return await anyio.to_thread.run_sync(_verify, stored_hash, password, limiter=_limiter)
