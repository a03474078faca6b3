"""Reads for accounts, sessions and rate limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from app.accounts.identity import CurrentUser, Role
from app.accounts.tables import ThrottleEvent, UserAccount, UserSession
from app.database import instant_from_db


@dataclass(frozen=True, slots=True)
class LoadedSession:
    token_hash: str
    data: dict
    expires_at: datetime
    last_seen_at: datetime
    user: CurrentUser | None


async def account_by_email(email: str) -> dict | None:
    return await UserAccount.select().where(UserAccount.email == email).first()


async def account_by_id(account_id: int) -> dict | None:
    return await UserAccount.select().where(UserAccount.id == account_id).first()


def current_user_from_row(row: dict) -> CurrentUser:
    return CurrentUser(
        id=row["id"], email=row["email"], display_name=row["display_name"], role=Role(row["role"])
    )


async def session_load(token_hash: str, *, now: datetime) -> LoadedSession | None:
    """The live session behind ``token_hash`` with its signed-in user, if the account is active."""
    account = UserSession.account
    row = (
        await UserSession.select(
            UserSession.token_hash,
            UserSession.data,
            UserSession.expires_at,
            UserSession.last_seen_at,
            account.id,
            account.email,
            account.display_name,
            account.role,
            account.is_active,
        )
        .where(UserSession.token_hash == token_hash, UserSession.expires_at > now)
        .first()
        .output(nested=True)
    )
    if row is None:
        return None
    linked = row["account"]
    if linked["id"] is not None and not linked["is_active"]:
        return None
    return LoadedSession(
        token_hash=row["token_hash"],
        data=json.loads(row["data"] or "{}"),
        expires_at=row["expires_at"],
        last_seen_at=row["last_seen_at"],
        user=current_user_from_row(linked) if linked["id"] is not None else None,
    )


async def throttle_attempts(buckets: tuple[str, ...], *, since: datetime) -> dict[str, tuple[int, datetime]]:
    """For each bucket with attempts after ``since``: (how many, the oldest one)."""
    placeholders = ", ".join("{}" for _ in buckets)  # values are bound as parameters, never inlined
    rows = await ThrottleEvent.raw(
        "SELECT bucket, COUNT(*) AS attempts, MIN(created_at) AS oldest FROM throttle_event "
        f"WHERE bucket IN ({placeholders}) AND created_at > {{}} GROUP BY bucket",
        *buckets,
        since,
    )
    return {row["bucket"]: (row["attempts"], instant_from_db(row["oldest"])) for row in rows}
