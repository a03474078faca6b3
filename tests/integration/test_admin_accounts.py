"""Administrators suspend and reinstate accounts, on both engines."""

import asyncio
from datetime import timedelta

import pytest

from app.accounts import services
from app.accounts.identity import Role
from app.accounts.queries import accounts_find, session_load
from app.accounts.tables import UserSession
from app.audit.tables import AdminAction
from app.shared.errors import ConflictError, DomainError, NotFoundError
from tests.conftest import TEST_NOW
from tests.factories import make_account


async def test_suspending_ends_every_session_and_is_logged_once_when_two_admins_click(database_url):
    admins = [
        (await make_account(f"admin{n}@example.com", f"Admin {n}", role=Role.admin)).id for n in range(3)
    ]
    ana = await make_account("ana@example.com")
    bob = await make_account("bob@example.com", "Bob")
    life = timedelta(days=1)
    token = await services.session_create(account_id=ana.id, data={}, now=TEST_NOW, lifetime=life)
    await services.session_create(account_id=ana.id, data={}, now=TEST_NOW, lifetime=life)
    await services.session_create(account_id=bob.id, data={}, now=TEST_NOW, lifetime=life)

    results = await asyncio.gather(
        *(
            services.account_suspend(account_id=ana.id, admin_id=a, reason="Spam", now=TEST_NOW)
            for a in admins
        ),
        return_exceptions=True,
    )

    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(refused) == 2 and results.count(None) == 1, results
    assert await AdminAction.count().where(AdminAction.subject_kind == "account") == 1
    assert await UserSession.count().where(UserSession.account == ana.id) == 0
    assert await UserSession.count().where(UserSession.account == bob.id) == 1
    assert await session_load(services.session_token_hash(token), now=TEST_NOW) is None
    (row,) = (await accounts_find("ana@", page=1)).items
    assert (row.is_active, row.suspension_reason) == (False, "Spam")


async def test_the_rules_of_suspending_and_reinstating(database_url):
    marta = (await make_account("marta@example.com", "Marta", role=Role.admin)).id
    ana = (await make_account("ana@example.com")).id
    with pytest.raises(DomainError, match="your own account"):
        await services.account_suspend(account_id=marta, admin_id=marta, reason="x", now=TEST_NOW)
    with pytest.raises(DomainError, match="reason"):
        await services.account_suspend(account_id=ana, admin_id=marta, reason=" ", now=TEST_NOW)
    with pytest.raises(NotFoundError):
        await services.account_suspend(account_id=9999, admin_id=marta, reason="x", now=TEST_NOW)
    with pytest.raises(ConflictError, match="isn't suspended"):
        await services.account_reinstate(account_id=ana, admin_id=marta, note="", now=TEST_NOW)
    await services.account_suspend(account_id=ana, admin_id=marta, reason="Spam", now=TEST_NOW)
    await services.account_reinstate(account_id=ana, admin_id=marta, note="Apologised", now=TEST_NOW)
    assert (await accounts_find("ana@", page=1)).items[0].is_active
    logged = await AdminAction.select(AdminAction.action, AdminAction.note).order_by(AdminAction.id)
    assert logged == [{"action": "suspend", "note": "Spam"}, {"action": "reinstate", "note": "Apologised"}]
