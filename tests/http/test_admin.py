"""The administrators' lists of categories and neighbourhoods."""

import pytest

from app.accounts.identity import Role
from app.catalog.tables import Category, Neighbourhood
from tests.factories import category, make_account
from tests.http.conftest import log_in, post_form


async def as_admin(client) -> None:
    await make_account("marta@example.com", "Marta Ferrer", role=Role.admin)
    await log_in(client, "marta@example.com")


@pytest.mark.parametrize("role", [Role.resident, Role.provider])
async def test_only_administrators_reach_the_admin_pages(client, role):
    await make_account("someone@example.com", role=role)
    await log_in(client, "someone@example.com")
    assert (await client.get("/admin")).status_code == 403
    assert (await post_form(client, "/admin/categories", {"name": "Yoga"})).status_code == 403
    assert await Category.count() == 0


async def test_categories_are_added_renamed_and_reordered(client):
    await as_admin(client)
    assert (
        await post_form(client, "/admin/categories", {"name": "Cleaning", "description": "Limpieza"})
    ).status_code == 303
    assert (
        await post_form(client, "/admin/categories", {"name": "Plumbing", "description": ""})
    ).status_code == 303
    duplicate = await post_form(client, "/admin/categories", {"name": "Plumbing", "description": ""})
    assert duplicate.status_code == 422 and "That name is already in the list." in duplicate.text
    empty = await post_form(client, "/admin/categories", {"name": "  "})
    assert empty.status_code == 422 and "Enter a name." in empty.text
    plumbing = await category("Plumbing")
    assert (await post_form(client, f"/admin/categories/{plumbing['id']}/up", {})).status_code == 303
    assert (
        await post_form(client, f"/admin/categories/{plumbing['id']}/rename", {"name": "Plumbers"})
    ).status_code == 303
    rows = await Category.select(Category.name, Category.slug).order_by(Category.position)
    assert rows == [{"name": "Plumbers", "slug": "plumbing"}, {"name": "Cleaning", "slug": "cleaning"}]
    home = await client.get("/")
    assert home.text.index(">Plumbers<") < home.text.index(">Cleaning<")


async def test_neighbourhoods_need_a_centre_and_renames_are_checked(client):
    await as_admin(client)
    missing = await post_form(
        client, "/admin/neighbourhoods", {"name": "Russafa", "latitude": "", "longitude": "x"}
    )
    assert missing.status_code == 422
    assert "Enter the latitude of the centre." in missing.text
    assert 'value="Russafa"' in missing.text
    ok = await post_form(
        client, "/admin/neighbourhoods", {"name": "Russafa", "latitude": "39.46", "longitude": "-0.37"}
    )
    assert ok.status_code == 303
    await post_form(
        client, "/admin/neighbourhoods", {"name": "Benimaclet", "latitude": "39.48", "longitude": "-0.36"}
    )
    russafa = await Neighbourhood.select().where(Neighbourhood.name == "Russafa").first()
    clash = await post_form(client, f"/admin/neighbourhoods/{russafa['id']}/rename", {"name": "Benimaclet"})
    assert clash.status_code == 422 and "That name is already in the list." in clash.text
    assert (await client.get("/admin/nothing")).status_code == 404
    assert (await post_form(client, "/admin/neighbourhoods/999999/down", {})).status_code == 404


async def test_ids_too_large_for_the_database_get_the_400_page(client):
    await as_admin(client)
    for path in ("/admin/categories/9999999999/up", "/admin/categories/99999999999999999999/rename"):
        assert (await post_form(client, path, {"name": "x"})).status_code == 400
    assert (await post_form(client, "/admin/categories/9999/up", {})).status_code == 404
