"""Account services against real databases: sign-up, sign-in, rate limits, passwords, sessions."""

import asyncio
import json
from datetime import timedelta

import pytest

from app.accounts import services
from app.accounts.identity import Role
from app.accounts.queries import account_by_email, session_load
from app.accounts.tables import ThrottleEvent, UserAccount, UserSession
from app.accounts.throttle import ThrottleRule, device_token
from app.catalog.services import ProviderSignUp, provider_sign_up
from app.catalog.tables import Provider
from app.shared.errors import ConflictError, DomainError, TooManyAttemptsError
from tests.conftest import TEST_NOW
from tests.factories import PASSWORD, make_account, neighbourhood

RULE = ThrottleRule(limit=3, window=timedelta(minutes=15))


async def test_sign_up_stores_an_argon2id_hash_never_the_password(database_url):
    user = await make_account("ana@example.com", "Ana García")
    row = await account_by_email("ana@example.com")
    assert user.role is Role.resident
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


async def test_one_account_per_email(database_url):
    await make_account("ana@example.com")
    with pytest.raises(ConflictError, match="already exists"):
        await make_account("ana@example.com", "Another Ana")


async def test_simultaneous_sign_ups_with_one_email_create_one_account(database_url):
    results = await asyncio.gather(
        *(make_account("race@example.com", f"Racer {i}") for i in range(8)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, ConflictError) for r in results if isinstance(r, Exception))
    assert await UserAccount.count().where(UserAccount.email == "race@example.com") == 1


async def test_provider_sign_up_creates_an_unverified_profile_with_a_unique_slug(database_url):
    first = await make_account("one@example.com", role=Role.provider, business_name="Casa Neta")
    second = await make_account("two@example.com", role=Role.provider, business_name="Casa  Neta")
    rows = await Provider.select(Provider.slug, Provider.is_verified, Provider.owner).order_by(Provider.id)
    assert [(r["slug"], r["is_verified"], r["owner"]) for r in rows] == [
        ("casa-neta", False, first.id),
        ("casa-neta-2", False, second.id),
    ]


async def test_a_failed_provider_sign_up_leaves_no_account_behind(database_url):
    home = await neighbourhood("Benimaclet")
    with pytest.raises(Exception):  # noqa: B017 - the neighbourhood id does not exist
        await provider_sign_up(
            email="x@example.com",
            display_name="X",
            password=PASSWORD,
            ip="1",
            rule=RULE,
            now=TEST_NOW,
            business=ProviderSignUp("X", home["id"] + 999),
        )
    assert await account_by_email("x@example.com") is None


async def test_sign_in_gives_the_same_answer_for_unknown_emails_and_wrong_passwords(database_url):
    await make_account("ana@example.com")
    with pytest.raises(DomainError) as unknown:
        await services.account_authenticate(
            email="nobody@example.com", password=PASSWORD, ip="1", rule=RULE, now=TEST_NOW
        )
    with pytest.raises(DomainError) as wrong:
        await services.account_authenticate(
            email="ana@example.com", password="wrong password", ip="2", rule=RULE, now=TEST_NOW
        )
    assert unknown.value.message == wrong.value.message == services.LOGIN_FAILED


async def test_sign_in_records_the_time_and_clears_the_account_failures(database_url):
    await make_account("ana@example.com")
    with pytest.raises(DomainError):
        await services.account_authenticate(
            email="ana@example.com", password="nope-nope-nope", ip="1", rule=RULE, now=TEST_NOW
        )
    user = await services.account_authenticate(
        email="ana@example.com", password=PASSWORD, ip="1", rule=RULE, now=TEST_NOW
    )
    assert user.email == "ana@example.com"
    assert (await account_by_email("ana@example.com"))["last_login_at"] == TEST_NOW
    assert await ThrottleEvent.count().where(ThrottleEvent.bucket == "login:account:ana@example.com") == 0


async def test_too_many_failures_block_even_the_right_password_until_the_window_passes(database_url):
    await make_account("ana@example.com")
    for _ in range(RULE.limit):
        with pytest.raises(DomainError):
            await services.account_authenticate(
                email="ana@example.com", password="wrong password", ip="9", rule=RULE, now=TEST_NOW
            )
    with pytest.raises(TooManyAttemptsError) as blocked:
        await services.account_authenticate(
            email="ana@example.com", password=PASSWORD, ip="9", rule=RULE, now=TEST_NOW + timedelta(minutes=1)
        )
    assert blocked.value.retry_after_seconds == 14 * 60
    assert "wait 14 minutes" in blocked.value.message
    later = TEST_NOW + RULE.window + timedelta(seconds=1)
    assert (
        await services.account_authenticate(
            email="ana@example.com", password=PASSWORD, ip="9", rule=RULE, now=later
        )
    ).email


async def test_failures_against_one_account_block_it_from_any_address(database_url):
    await make_account("ana@example.com")
    for ip in ("1", "2", "3"):
        with pytest.raises(DomainError):
            await services.account_authenticate(
                email="ana@example.com", password="wrong password", ip=ip, rule=RULE, now=TEST_NOW
            )
    with pytest.raises(TooManyAttemptsError):
        await services.account_authenticate(
            email="ana@example.com", password=PASSWORD, ip="4", rule=RULE, now=TEST_NOW
        )


async def test_suspended_accounts_cannot_sign_in(database_url):
    await make_account("ana@example.com")
    await UserAccount.update({UserAccount.is_active: False}).where(UserAccount.email == "ana@example.com")
    with pytest.raises(DomainError, match="suspended"):
        await services.account_authenticate(
            email="ana@example.com", password=PASSWORD, ip="1", rule=RULE, now=TEST_NOW
        )


async def test_changing_the_password_ends_every_session_of_the_account(database_url):
    user = await make_account("ana@example.com")
    other = await make_account("bob@example.com", "Bob")
    life = timedelta(days=14)
    await services.session_create(account_id=user.id, data={}, now=TEST_NOW, lifetime=life)
    await services.session_create(account_id=user.id, data={}, now=TEST_NOW, lifetime=life)
    bobs = await services.session_create(account_id=other.id, data={}, now=TEST_NOW, lifetime=life)
    await services.account_change_password(
        account_id=user.id,
        current_password=PASSWORD,
        new_password="a brand new sentence",
        rule=RULE,
        now=TEST_NOW,
    )
    assert await UserSession.count().where(UserSession.account == user.id) == 0
    assert await session_load(services.session_token_hash(bobs), now=TEST_NOW) is not None
    assert (
        await services.account_authenticate(
            email="ana@example.com", password="a brand new sentence", ip="1", rule=RULE, now=TEST_NOW
        )
    ).id == user.id


async def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(database_url):
    user = await make_account("ana@example.com")
    for _ in range(RULE.limit):
        with pytest.raises(DomainError, match="current password"):
            await services.account_change_password(
                account_id=user.id,
                current_password="not it at all",
                new_password="a brand new sentence",
                rule=RULE,
                now=TEST_NOW,
            )
    with pytest.raises(TooManyAttemptsError):
        await services.account_change_password(
            account_id=user.id,
            current_password=PASSWORD,
            new_password="a brand new sentence",
            rule=RULE,
            now=TEST_NOW,
        )


async def test_sessions_store_only_a_hash_and_expire(database_url):
    user = await make_account("ana@example.com")
    token = await services.session_create(
        account_id=user.id, data={"_flash": []}, now=TEST_NOW, lifetime=timedelta(days=14)
    )
    row = await UserSession.select().first()
    assert row["token_hash"] != token and len(row["token_hash"]) == 64
    assert json.loads(row["data"]) == {"_flash": []}
    loaded = await session_load(services.session_token_hash(token), now=TEST_NOW + timedelta(days=13))
    assert loaded.user.email == "ana@example.com"
    assert await session_load(services.session_token_hash(token), now=TEST_NOW + timedelta(days=14)) is None
    await services.sessions_purge_expired(now=TEST_NOW + timedelta(days=15))
    assert await UserSession.count() == 0


async def test_a_session_of_a_suspended_account_is_not_loaded(database_url):
    user = await make_account("ana@example.com")
    token = await services.session_create(
        account_id=user.id, data={}, now=TEST_NOW, lifetime=timedelta(days=1)
    )
    await UserAccount.update({UserAccount.is_active: False}).where(UserAccount.id == user.id)
    assert await session_load(services.session_token_hash(token), now=TEST_NOW) is None


async def test_old_rate_limit_attempts_are_purged(database_url):
    await services.throttle_attempt(("login:ip:1",), rule=RULE, now=TEST_NOW - timedelta(hours=1))
    await services.throttle_attempt(("login:ip:1",), rule=RULE, now=TEST_NOW)
    await services.throttle_purge(before=TEST_NOW - timedelta(minutes=15))
    assert await ThrottleEvent.count() == 1


async def test_simultaneous_wrong_passwords_cannot_slip_past_the_limit(database_url):
    """Attempts are counted before the slow password check, so a burst sees itself."""
    await make_account("ana@example.com")
    results = await asyncio.gather(
        *(
            services.account_authenticate(
                email="ana@example.com", password="wrong guess!", ip="6", rule=RULE, now=TEST_NOW
            )
            for _ in range(20)
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, TooManyAttemptsError)]
    checked = [r for r in results if type(r) is DomainError]
    # Never more password checks than the limit (a burst may even be refused entirely).
    assert len(checked) <= RULE.limit
    assert len(checked) + len(refused) == 20


async def test_a_browser_that_signed_in_before_is_not_locked_out_by_strangers(database_url):
    user = await make_account("ana@example.com")
    secret = "s" * 40
    for ip in ("6.6.6.1", "6.6.6.2", "6.6.6.3"):
        with pytest.raises(DomainError):
            await services.account_authenticate(
                email="ana@example.com", password="guess guess", ip=ip, rule=RULE, now=TEST_NOW, secret=secret
            )
    with pytest.raises(TooManyAttemptsError):  # a new browser is held back by the per-account count
        await services.account_authenticate(
            email="ana@example.com", password=PASSWORD, ip="9.9.9.9", rule=RULE, now=TEST_NOW, secret=secret
        )
    trusted = device_token(user.id, TEST_NOW - timedelta(days=3), secret)
    signed_in = await services.account_authenticate(
        email="ana@example.com",
        password=PASSWORD,
        ip="9.9.9.9",
        rule=RULE,
        now=TEST_NOW,
        device=trusted,
        secret=secret,
    )
    assert signed_in.id == user.id


async def test_simultaneous_new_businesses_with_one_name_get_distinct_slugs(database_url):
    await neighbourhood("L'Eixample")
    results = await asyncio.gather(
        *(
            make_account(f"owner{i}@example.com", role=Role.provider, business_name="Same Name")
            for i in range(10)
        ),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, Exception)]
    slugs = sorted(row["slug"] for row in await Provider.select(Provider.slug))
    assert slugs == sorted(["same-name", *(f"same-name-{n}" for n in range(2, 11))])
