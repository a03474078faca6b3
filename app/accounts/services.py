"""Writes for accounts: sign-up, sign-in, password changes, sessions and rate-limit counters.

Each public function owns its transaction.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from app import database
from app.accounts import passwords
from app.accounts.identity import CurrentUser, Role
from app.accounts.queries import account_by_email, account_by_id, current_user_from_row, throttle_attempts
from app.accounts.rules import password_problem
from app.accounts.tables import ThrottleEvent, UserAccount, UserSession
from app.accounts.throttle import ThrottleRule, device_token_is_valid, login_buckets, signup_buckets
from app.audit.rules import ActionKind, Subject
from app.audit.tables import AdminAction
from app.shared.errors import ConflictError, DomainError, NotFoundError, TooManyAttemptsError

EMAIL_TAKEN = "An account with this email already exists. Log in instead, or use another email."
LOGIN_FAILED = "That email and password don't match an account. Check them and try again."
ACCOUNT_SUSPENDED = "This account is suspended, so it can't sign in. Contact Cityloop support for help."
CURRENT_PASSWORD_WRONG = "That isn't your current password."
NO_SUCH_ACCOUNT = "That account doesn't exist."
CANT_SUSPEND_YOURSELF = "You can't suspend your own account. Ask another administrator."
ACCOUNT_ALREADY_SUSPENDED = "This account is already suspended."
ACCOUNT_NOT_SUSPENDED = "This account isn't suspended."
SUSPEND_REASON_REQUIRED = "Give the reason for the suspension."
TOO_MANY_ATTEMPTS = "Too many attempts from here. For your security, wait {minutes} and try again."


# --- rate limits -------------------------------------------------------------------------------


def _wait_words(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return "a minute" if minutes == 1 else f"{minutes} minutes"


async def throttle_attempt(
    buckets: tuple[str, ...], *, rule: ThrottleRule, now: datetime, exempt: frozenset[str] = frozenset()
) -> list[int]:
    """Count one attempt against every bucket, then refuse it if a bucket is over the rule's limit.

    Recording first means simultaneous attempts see each other. A refused attempt is forgotten
    again, so hammering a blocked form doesn't extend the block. Returns the recorded rows, which
    the caller forgets when the attempt succeeds.
    """
    rows = await ThrottleEvent.insert(
        *(ThrottleEvent(bucket=bucket, created_at=now) for bucket in buckets)
    ).returning(ThrottleEvent.id)
    recorded = [row["id"] for row in rows]
    attempts = await throttle_attempts(buckets, since=rule.window_start(now))
    blocked = [
        oldest
        for bucket, (count, oldest) in attempts.items()
        if bucket not in exempt and not rule.allows(count)
    ]
    if blocked:
        await throttle_forget(recorded)
        retry_after = max(rule.retry_after_seconds(oldest, now) for oldest in blocked)
        raise TooManyAttemptsError(
            TOO_MANY_ATTEMPTS.format(minutes=_wait_words(retry_after)), retry_after_seconds=retry_after
        )
    return recorded


async def throttle_forget(recorded: list[int]) -> None:
    if recorded:
        await ThrottleEvent.delete().where(ThrottleEvent.id.is_in(recorded))


async def throttle_clear(bucket: str) -> None:
    await ThrottleEvent.delete().where(ThrottleEvent.bucket == bucket)


async def throttle_purge(*, before: datetime) -> None:
    await ThrottleEvent.delete().where(ThrottleEvent.created_at < before)


# --- accounts ----------------------------------------------------------------------------------


async def account_sign_up(
    *,
    email: str,
    display_name: str,
    password: str,
    ip: str,
    rule: ThrottleRule,
    now: datetime,
    role: Role = Role.resident,
    with_account: Callable[[int], Awaitable[object]] | None = None,
) -> CurrentUser:
    """Create an account. ``with_account`` runs in the same transaction with the new account's id,
    so what a higher domain creates with it (a provider's profile) exists with the account or not
    at all.

    ``email`` is already normalised. Every attempt counts against the sign-up rate limit.
    """
    await throttle_attempt(signup_buckets(ip, email), rule=rule, now=now)
    if problem := password_problem(password, email=email):
        raise DomainError(problem, field="password")
    password_hash = await passwords.hash_password(password)
    try:
        account_id = await _insert_account(email, display_name, password_hash, role, with_account, now)
    except Exception as exc:
        # The unique index decides the race the check can't see: one email signing up twice at once.
        if database.is_unique_violation(exc) and await account_by_email(email):
            raise ConflictError(EMAIL_TAKEN, field="email") from exc
        raise
    return CurrentUser(id=account_id, email=email, display_name=display_name, role=role)


async def _insert_account(
    email: str,
    display_name: str,
    password_hash: str,
    role: Role,
    with_account: Callable[[int], Awaitable[object]] | None,
    now: datetime,
) -> int:
    async with database.transaction():
        if await account_by_email(email):
            raise ConflictError(EMAIL_TAKEN, field="email")
        rows = await UserAccount.insert(
            UserAccount(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                role=role.value,
                is_active=True,
                created_at=now,
            )
        ).returning(UserAccount.id)
        account_id = rows[0]["id"]
        if with_account is not None:
            await with_account(account_id)
    return account_id


async def account_authenticate(
    *,
    email: str,
    password: str,
    ip: str,
    rule: ThrottleRule,
    now: datetime,
    device: str | None = None,
    secret: str = "",
) -> CurrentUser:
    """The account behind ``email`` and ``password``; the same error whether the email exists or not.

    ``device`` is the browser's device token; with ``secret`` it exempts a browser that signed in
    to this account before from the per-account failure count.
    """
    row = await account_by_email(email)
    buckets = login_buckets(ip, email)
    trusted = row is not None and device_token_is_valid(device, row["id"], now, secret)
    recorded = await throttle_attempt(
        buckets, rule=rule, now=now, exempt=frozenset({buckets[1]}) if trusted else frozenset()
    )
    matches, needs_rehash = await passwords.verify_password(row["password_hash"] if row else None, password)
    if not matches or row is None:
        raise DomainError(LOGIN_FAILED)  # the attempt stays counted
    if not row["is_active"]:
        # Said only to someone who knows the password: a wrong one gets LOGIN_FAILED like any other,
        # so the form never reveals which addresses have (suspended) accounts.
        raise DomainError(ACCOUNT_SUSPENDED)
    changes: dict = {UserAccount.last_login_at: now}
    if needs_rehash:
        changes[UserAccount.password_hash] = await passwords.hash_password(password)
    await UserAccount.update(changes).where(UserAccount.id == row["id"])
    await throttle_forget(recorded)
    await throttle_clear(buckets[1])
    return current_user_from_row(row)


async def account_change_password(
    *,
    account_id: int,
    current_password: str,
    new_password: str,
    rule: ThrottleRule,
    now: datetime,
) -> None:
    """Replace the password and end every session of the account (the caller starts a fresh one).

    Wrong current passwords count like failed sign-ins, so a borrowed session can't guess it.
    """
    recorded = await throttle_attempt((f"password:account:{account_id}",), rule=rule, now=now)
    row = await account_by_id(account_id)
    matches, _ = await passwords.verify_password(row["password_hash"] if row else None, current_password)
    if not matches or row is None:
        raise DomainError(CURRENT_PASSWORD_WRONG, field="current_password")  # the attempt stays counted
    await throttle_forget(recorded)
    if problem := password_problem(new_password, email=row["email"]):
        raise DomainError(problem, field="new_password")
    new_hash = await passwords.hash_password(new_password)
    async with database.transaction():
        await UserAccount.update({UserAccount.password_hash: new_hash}).where(UserAccount.id == account_id)
        await sessions_revoke_for_account(account_id=account_id)


# --- suspension (administrators) ---------------------------------------------------------------


async def _account_set_active(
    *,
    account_id: int,
    admin_id: int,
    active: bool,
    action: ActionKind,
    note: str,
    now: datetime,
    refusal: str,
) -> None:
    """Flip ``is_active`` only if it isn't already (two admins at once: one change, one log line)."""
    async with database.transaction():
        rows = (
            await UserAccount.update({UserAccount.is_active: active})
            .where(UserAccount.id == account_id, UserAccount.is_active.eq(not active))
            .returning(UserAccount.id)
        )
        if not rows:
            if await account_by_id(account_id) is None:
                raise NotFoundError(NO_SUCH_ACCOUNT)
            raise ConflictError(refusal)
        await AdminAction.insert(
            AdminAction(
                admin=admin_id,
                subject_kind=Subject.account.value,
                subject_id=account_id,
                action=action.value,
                note=note,
                created_at=now,
            )
        )
        if not active:
            await sessions_revoke_for_account(account_id=account_id)


async def account_suspend(*, account_id: int, admin_id: int, reason: str, now: datetime) -> None:
    """Stop an account from signing in and end every session it has, at once."""
    if account_id == admin_id:
        raise DomainError(CANT_SUSPEND_YOURSELF)
    if not reason.strip():
        raise DomainError(SUSPEND_REASON_REQUIRED, field="reason")
    await _account_set_active(
        account_id=account_id,
        admin_id=admin_id,
        active=False,
        action=ActionKind.suspend,
        note=reason.strip(),
        now=now,
        refusal=ACCOUNT_ALREADY_SUSPENDED,
    )


async def account_reinstate(*, account_id: int, admin_id: int, note: str, now: datetime) -> None:
    """Let a suspended account sign in again."""
    await _account_set_active(
        account_id=account_id,
        admin_id=admin_id,
        active=True,
        action=ActionKind.reinstate,
        note=note.strip(),
        now=now,
        refusal=ACCOUNT_NOT_SUSPENDED,
    )


# --- sessions ----------------------------------------------------------------------------------


def session_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def session_create(*, account_id: int | None, data: dict, now: datetime, lifetime: timedelta) -> str:
    """A new session; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    await UserSession.insert(
        UserSession(
            token_hash=session_token_hash(token),
            account=account_id,
            data=json.dumps(data),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


async def session_save(*, token_hash: str, data: dict, now: datetime, lifetime: timedelta) -> None:
    await UserSession.update(
        {
            UserSession.data: json.dumps(data),
            UserSession.last_seen_at: now,
            UserSession.expires_at: now + lifetime,
        }
    ).where(UserSession.token_hash == token_hash)


async def session_delete(token_hash: str) -> None:
    await UserSession.delete().where(UserSession.token_hash == token_hash)


async def sessions_revoke_for_account(*, account_id: int) -> None:
    await UserSession.delete().where(UserSession.account == account_id)


async def sessions_purge_expired(*, now: datetime) -> None:
    await UserSession.delete().where(UserSession.expires_at <= now)
