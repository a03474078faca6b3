"""Reads for accounts, sessions and rate limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from app.accounts.identity import CurrentUser, Role
from app.accounts.rules import AccountState
from app.accounts.tables import ThrottleEvent, UserAccount, UserSession
from app.audit.rules import SUSPENDING_ACTIONS, Subject
from app.audit.tables import AdminAction
from app.database import instant_from_db
from app.shared.paging import Page, PageWindow

ACCOUNTS_PER_PAGE = 25


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    email: str
    display_name: str
    role: Role
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    suspension_reason: str  # the latest, while suspended

    @property
    def state(self) -> AccountState:
        return AccountState.of(is_active=self.is_active)


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


async def account_email(account_id: int) -> str | None:
    row = await UserAccount.select(UserAccount.email).where(UserAccount.id == account_id).first()
    return row["email"] if row else None


def current_user_from_row(row: dict) -> CurrentUser:
    return CurrentUser(
        id=row["id"], email=row["email"], display_name=row["display_name"], role=Role(row["role"])
    )


async def session_load(token_hash: str, *, now: datetime) -> LoadedSession | None:
    """The live session behind ``token_hash`` with its signed-in user, if the account is active."""
    rows = await UserSession.raw(
        "SELECT s.token_hash, s.data, s.expires_at, s.last_seen_at, a.id, a.email, a.display_name, "
        "a.role, a.is_active FROM user_session s LEFT JOIN user_account a ON a.id = s.account "
        "WHERE s.token_hash = {} AND s.expires_at > {}",
        token_hash,
        now,
    )
    if not rows:
        return None
    row = rows[0]
    if row["id"] is not None and not row["is_active"]:
        return None
    return LoadedSession(
        token_hash=row["token_hash"],
        data=json.loads(row["data"] or "{}"),
        expires_at=row["expires_at"],
        last_seen_at=row["last_seen_at"],
        user=current_user_from_row(row) if row["id"] is not None else None,
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


async def accounts_find(email_part: str, *, page: int, per_page: int = ACCOUNTS_PER_PAGE) -> Page[AccountRow]:
    """Accounts whose email contains ``email_part`` (all of them when empty), newest first."""
    query = UserAccount.select(
        UserAccount.id,
        UserAccount.email,
        UserAccount.display_name,
        UserAccount.role,
        UserAccount.is_active,
        UserAccount.created_at,
        UserAccount.last_login_at,
    )
    # Stored lower-case. A typed % or _ keeps its LIKE meaning: the results only ever widen.
    if typed := email_part.strip().lower():
        query = query.where(UserAccount.email.like(f"%{typed}%"))
    window = PageWindow(page, per_page)
    rows = (
        await query.order_by(UserAccount.created_at, ascending=False)
        .order_by(UserAccount.id, ascending=False)
        .limit(window.limit)
        .offset(window.offset)
    )
    reasons = await _suspension_reasons([row["id"] for row in window.shown(rows) if not row["is_active"]])
    return window.page(
        rows,
        lambda row: AccountRow(
            id=row["id"],
            email=row["email"],
            display_name=row["display_name"],
            role=Role(row["role"]),
            is_active=bool(row["is_active"]),
            created_at=row["created_at"],
            last_login_at=row["last_login_at"],
            suspension_reason=reasons.get(row["id"], ""),
        ),
    )


async def _suspension_reasons(account_ids: list[int]) -> dict[int, str]:
    """The latest suspension reason of each account (one query)."""
    if not account_ids:
        return {}
    rows = (
        await AdminAction.select(AdminAction.subject_id, AdminAction.note)
        .where(
            AdminAction.subject_kind == Subject.account.value,
            AdminAction.subject_id.is_in(account_ids),
            AdminAction.action.is_in(list(SUSPENDING_ACTIONS)),
        )
        .order_by(AdminAction.created_at)
        .order_by(AdminAction.id)
    )
    return {row["subject_id"]: row["note"] for row in rows}  # later rows win
