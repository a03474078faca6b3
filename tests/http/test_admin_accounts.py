"""The admins' users page over HTTP: find accounts, suspend them (signed out at once), reinstate them."""

import re
from datetime import timedelta

import pytest

from app.accounts.forms import SUSPEND_REASON_REQUIRED
from app.accounts.identity import Role
from app.accounts.services import (
    ACCOUNT_SUSPENDED,
    CANT_SUSPEND_YOURSELF,
    LOGIN_FAILED,
)
from app.accounts.tables import UserAccount, UserSession
from app.audit.tables import AdminAction
from tests.conftest import TEST_NOW
from tests.factories import make_account
from tests.http.conftest import browser, log_in, post_form


def escaped(message: str) -> str:
    return message.replace("'", "&#39;")


async def as_admin(client) -> int:
    marta = await make_account("marta@example.com", "Marta Ferrer", role=Role.admin)
    await log_in(client, "marta@example.com")
    return marta.id


async def active(account_id: int) -> bool:
    row = await UserAccount.select(UserAccount.is_active).where(UserAccount.id == account_id).first()
    return bool(row["is_active"])


@pytest.mark.parametrize("role", [Role.resident, Role.provider])
async def test_only_administrators_reach_the_users_page(client, role):
    ana = await make_account("ana@example.com")
    await make_account("someone@example.com", role=role)
    await log_in(client, "someone@example.com")
    assert (await client.get("/admin/users")).status_code == 403
    refused = await post_form(client, f"/admin/users/{ana.id}/suspend", {"reason": "Spam"})
    assert refused.status_code == 403
    assert await active(ana.id) and await AdminAction.count() == 0


async def test_accounts_are_found_by_part_of_the_email_newest_first_with_role_and_status(client):
    for n in range(27):
        await make_account(f"vecino{n:02}@example.com", f"Vecino {n:02}", now=TEST_NOW + timedelta(minutes=n))
    await make_account("casa@neta.es", "Neta", role=Role.provider, now=TEST_NOW - timedelta(days=1))
    await as_admin(client)
    page = await client.get("/admin/users", params={"email": "VECINO"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    shown = re.findall(r'<p class="row-email">vecino(\d\d)@example.com</p>', page.text)
    assert len(shown) == 25 and shown[:2] == ["26", "25"]
    assert (
        'value="VECINO"' in page.text
        and 'href="/admin/users?email=VECINO&amp;page=2" rel="next"' in page.text
    )
    second = await client.get("/admin/users", params={"email": "VECINO", "page": "2"})
    assert re.findall(r'<p class="row-email">vecino(\d\d)@example.com</p>', second.text) == ["01", "00"]
    provider = await client.get("/admin/users", params={"email": "neta"})
    assert "casa@neta.es" in provider.text and '<p class="status-chip">Provider</p>' in provider.text
    assert '<p class="status-chip account-active">Active</p>' in provider.text
    nobody = await client.get("/admin/users", params={"email": "nobody-here"})
    assert "No account's email contains “nobody-here”" in nobody.text


async def test_a_suspension_needs_a_reason_and_keeps_the_search(client):
    ana = await make_account("ana@example.com")
    await as_admin(client)
    response = await post_form(client, f"/admin/users/{ana.id}/suspend?email=ana&page=1", {"reason": "  "})
    assert response.status_code == 422 and SUSPEND_REASON_REQUIRED in response.text
    assert 'value="ana"' in response.text  # the search box, as it was
    assert f'action="/admin/users/{ana.id}/suspend?email=ana&amp;page=1#account-{ana.id}"' in response.text
    assert '<details class="row-details" open>' in response.text  # the form stays open on its error
    assert await active(ana.id) and await AdminAction.count() == 0


async def test_a_suspended_account_is_signed_out_at_once_and_cannot_log_in(app, client):
    ana = await make_account("ana@example.com")
    async with browser(app) as phone, browser(app) as laptop:
        await log_in(phone, "ana@example.com")
        await log_in(laptop, "ana@example.com")
        assert (await phone.get("/account")).status_code == 200
        await as_admin(client)
        done = await post_form(
            client,
            f"/admin/users/{ana.id}/suspend?email=ana",
            {"reason": "Fake reviews from several accounts"},
        )
        assert done.status_code == 303 and done.headers["location"] == "/admin/users?email=ana"
        listing = await client.get(done.headers["location"])
        assert "ana@example.com is suspended and signed out everywhere." in listing.text
        assert "account-suspended" in listing.text and "Fake reviews from several accounts" in listing.text

        assert await UserSession.count().where(UserSession.account == ana.id) == 0
        for device in (phone, laptop):
            assert (await device.get("/account")).headers["location"] == "/login?next=%2Faccount"
        suspended = await log_in(phone, "ana@example.com")
        assert suspended.status_code == 422 and escaped(ACCOUNT_SUSPENDED) in suspended.text
        # A wrong password gets the usual answer: the form doesn't tell who is suspended.
        wrong = await log_in(laptop, "ana@example.com", password="not her password")
        assert wrong.status_code == 422 and escaped(LOGIN_FAILED) in wrong.text
        assert "suspended" not in wrong.text

        again = await post_form(client, f"/admin/users/{ana.id}/suspend", {"reason": "Twice"})
        assert again.status_code == 409 and "This account is already suspended." in again.text
        back = await post_form(client, f"/admin/users/{ana.id}/reinstate", {"note": ""})
        assert back.status_code == 303
        assert (await log_in(phone, "ana@example.com")).status_code == 303
    actions = await AdminAction.select().order_by(AdminAction.id)
    assert [(a["subject_kind"], a["subject_id"], a["action"]) for a in actions] == [
        ("account", ana.id, "suspend"),
        ("account", ana.id, "reinstate"),
    ]


async def test_administrators_cannot_suspend_themselves(client):
    marta = await as_admin(client)
    page = await client.get("/admin/users")
    assert "This is your account." in page.text
    assert f'action="/admin/users/{marta}/suspend' not in page.text
    response = await post_form(client, f"/admin/users/{marta}/suspend", {"reason": "Testing"})
    assert response.status_code == 422 and escaped(CANT_SUSPEND_YOURSELF) in response.text
    assert await active(marta) and (await client.get("/admin/users")).status_code == 200


async def test_unknown_accounts_are_404(client):
    await as_admin(client)
    for account_id, status in (("9999", 404), (str(2**40), 400), ("0", 400)):  # 400: no id is out there
        suspend = await post_form(client, f"/admin/users/{account_id}/suspend", {"reason": "x"})
        reinstate = await post_form(client, f"/admin/users/{account_id}/reinstate", {})
        assert (suspend.status_code, reinstate.status_code) == (status, status), account_id
    assert (await post_form(client, "/admin/users/abc/suspend", {"reason": "x"})).status_code in (400, 404)
