"""Catalogue writes on both engines: profiles, photos, the city's lists, views, daily jobs."""

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest
from PIL import Image

from app.analytics.services import views_add
from app.analytics.tables import ProviderViewDay
from app.catalog import services
from app.catalog.tables import (
    Category,
    Neighbourhood,
    Provider,
    ProviderPhoto,
    ProviderServiceArea,
)
from app.media.storage import MediaStore
from app.shared.errors import ConflictError, DomainError, NotFoundError
from tests.conftest import TEST_NOW
from tests.factories import make_listed_provider, neighbourhood


async def test_profiles_change_with_their_service_area_and_keep_slugs_unique(database_url):
    provider = await make_listed_provider("Casa Neta")
    await make_listed_provider("Aigua")
    home = await neighbourhood("Benimaclet")
    away = await neighbourhood("Patraix")
    changes = services.ProfileChanges(
        name="Casa Neta Benimaclet",
        slug="casa-neta-benimaclet",
        description="Eco cleaning since 2009.",
        neighbourhood_id=home["id"],
        service_area_ids=[away["id"]],
        address="Carrer de Sueca, 12",
        phone="+34 961 234 567",
    )
    await services.provider_profile_update(provider_id=provider, changes=changes, now=TEST_NOW)
    row = await Provider.select().where(Provider.id == provider).first()
    assert (row["slug"], row["neighbourhood"]) == ("casa-neta-benimaclet", home["id"])
    assert "eco cleaning" in row["search_text"]
    area = {
        r["neighbourhood"]
        for r in await ProviderServiceArea.select().where(ProviderServiceArea.provider == provider)
    }
    assert area == {home["id"], away["id"]}  # the home neighbourhood is always covered
    with pytest.raises(ConflictError, match="Another business already uses"):
        await services.provider_profile_update(
            provider_id=provider, changes=replace(changes, slug="aigua"), now=TEST_NOW
        )
    with pytest.raises(DomainError, match="lower-case letters"):
        await services.provider_profile_update(
            provider_id=provider, changes=replace(changes, slug="Not A Slug"), now=TEST_NOW
        )


async def test_a_gallery_can_be_reordered_given_a_new_cover_and_trimmed(database_url, tmp_path):
    provider = await make_listed_provider("Casa Neta")
    store = MediaStore(tmp_path)
    stored = [store.save(Image.new("RGB", (800, 600), colour)) for colour in ("red", "green", "blue")]
    await services.photos_add(provider_id=provider, stored=stored, alt_text="Our work", now=TEST_NOW)
    keys = [p.key for p in stored]

    async def order() -> list[str]:
        rows = (
            await ProviderPhoto.select(ProviderPhoto.image_key)
            .where(ProviderPhoto.provider == provider)
            .order_by(ProviderPhoto.position)
        )
        return [row["image_key"] for row in rows]

    assert await order() == keys
    await services.photo_make_cover(provider_id=provider, image_key=keys[2])
    assert await order() == [keys[2], keys[0], keys[1]]
    await services.photo_move(provider_id=provider, image_key=keys[2], steps=1)
    assert await order() == [keys[0], keys[2], keys[1]]
    await services.photo_move(provider_id=provider, image_key=keys[0], steps=-5)  # clamped at the start
    assert await order() == [keys[0], keys[2], keys[1]]
    await services.photo_delete(provider_id=provider, image_key=keys[2], store=store)
    assert await order() == [keys[0], keys[1]]
    assert not list(tmp_path.glob(f"{keys[2]}-*"))
    with pytest.raises(NotFoundError):
        await services.photo_make_cover(provider_id=provider, image_key="someone-elses-key")


async def test_a_gallery_holds_at_most_twenty_photos(database_url, tmp_path):
    provider = await make_listed_provider("Casa Neta")
    store = MediaStore(tmp_path)
    image = store.save(Image.new("RGB", (400, 300), "red"))
    many = [
        image.__class__(key=f"{image.key}{n}", width=400, height=300) for n in range(services.PHOTO_LIMIT + 1)
    ]
    with pytest.raises(DomainError, match="at most 20 photos"):
        await services.photos_add(provider_id=provider, stored=many, alt_text="", now=TEST_NOW)
    assert await ProviderPhoto.count() == 0


async def test_the_citys_lists_are_added_renamed_and_ordered(database_url):
    await services.category_add(name="Cleaning", description="Limpieza")
    await services.category_add(name="Plumbing", description="Fontanería")
    with pytest.raises(ConflictError):
        await services.category_add(name="Plumbing", description="")
    rows = await Category.select().order_by(Category.position)
    assert [r["slug"] for r in rows] == ["cleaning", "plumbing"]
    await services.category_move(category_id=rows[1]["id"], steps=-1)
    await services.category_rename(category_id=rows[1]["id"], name="Plumbers")
    rows = await Category.select().order_by(Category.position)
    assert [(r["name"], r["slug"]) for r in rows] == [("Plumbers", "plumbing"), ("Cleaning", "cleaning")]
    await services.neighbourhood_add(name="Russafa", latitude=39.46, longitude=-0.37)
    assert (await Neighbourhood.select().first())["slug"] == "russafa"
    with pytest.raises(DomainError):
        await services.neighbourhood_add(name="¡¡!!", latitude=0, longitude=0)


async def test_view_counts_add_up_across_flushes(database_url):
    provider = await make_listed_provider("Casa Neta")
    day = date(2026, 11, 22)
    await views_add({(provider, day): (3, 1)})
    await views_add({(provider, day): (2, 0), (provider, day + timedelta(days=1)): (1, 1)})
    rows = await ProviderViewDay.select().order_by(ProviderViewDay.day)
    assert [(r["day"], r["listing_views"], r["page_views"]) for r in rows] == [
        (day, 5, 1),
        (day + timedelta(days=1), 1, 1),
    ]


async def test_one_worker_a_day_claims_a_daily_job(database_url):

    from app.jobs.services import job_day_claim

    today = date(2026, 11, 22)
    claims = await asyncio.gather(
        *(job_day_claim(name="extend booking windows", today=today) for _ in range(6))
    )
    assert claims.count(True) == 1
    assert not await job_day_claim(name="extend booking windows", today=today)
    assert await job_day_claim(name="extend booking windows", today=today + timedelta(days=1))
    assert await job_day_claim(name="another job", today=today)


async def test_simultaneous_uploads_never_pass_the_photo_limit(database_url, tmp_path):

    provider = await make_listed_provider("Casa Neta")
    store = MediaStore(tmp_path)
    batches = [[store.save(Image.new("RGB", (400, 300), "red")) for _ in range(8)] for _ in range(5)]
    results = await asyncio.gather(
        *(
            services.photos_add(provider_id=provider, stored=batch, alt_text="", now=TEST_NOW)
            for batch in batches
        ),
        return_exceptions=True,
    )
    assert sum(result is None for result in results) == 2  # 16 photos; a third batch would make 24
    positions = [
        row["position"]
        for row in await ProviderPhoto.select(ProviderPhoto.position).order_by(ProviderPhoto.position)
    ]
    assert positions == list(range(16))  # one cover, no gaps
