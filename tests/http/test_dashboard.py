"""The provider dashboard over HTTP: profile, hours, services, photos, and who may use it."""

from datetime import timedelta

from PIL import Image

from app.accounts.identity import Role
from app.booking.services import HoldRequest, booking_hold, bookings_expire_lapsed
from app.booking.tables import Booking, Slot
from app.catalog.services import PHOTO_LIMIT, PHOTO_LIMIT_REACHED
from app.catalog.tables import Provider, ProviderPhoto, Service
from app.media.uploads import MAX_UPLOAD_BYTES
from tests.conftest import TEST_NOW
from tests.factories import MADRID, category, make_account, make_listed_provider, neighbourhood
from tests.http.conftest import browser, csrf_token, log_in, post_form
from tests.unit.media.test_uploads import (
    jpeg_with_gps,
    jpeg_with_malformed_exif,
    png_header_only,
    webp_header_only,
)

HTMX = {"hx-request": "true", "hx-request-type": "partial"}


async def provider_client(client, name="Fontanería Russafa"):
    provider_id = await make_listed_provider(name, owner_email="javier@example.com")
    await log_in(client, "javier@example.com")
    return provider_id


async def test_only_providers_reach_the_dashboard(client):
    await make_account("ana@example.com")
    await log_in(client, "ana@example.com")
    for path in ("/dashboard", "/dashboard/profile", "/dashboard/photos", "/dashboard/services/new"):
        assert (await client.get(path)).status_code == 403


async def test_the_overview_shows_what_is_missing_and_the_views(client):
    await make_account("new@example.com", "Nora", role=Role.provider, business_name="Nora Cleans")
    await log_in(client, "new@example.com")
    page = await client.get("/dashboard")
    assert "Waiting for verification" in page.text
    assert "not set: residents can't see free times" in page.text
    assert "Shown in search results" in page.text


async def test_the_profile_saves_and_errors_keep_what_was_typed(client):
    provider = await provider_client(client)
    await make_listed_provider("Aigua Fontaners")
    home = await neighbourhood("Benimaclet")
    form = {
        "name": "Fontanería Russafa",
        "slug": "aigua-fontaners",
        "description": "Family plumbers since 1998.",
        "neighbourhood": str(home["id"]),
        "address": "Carrer de Sueca, 12",
        "phone": "+34 961 234 567",
    }
    taken = await post_form(client, "/dashboard/profile", form)
    assert taken.status_code == 422
    assert "Another business already uses this web address" in taken.text
    assert "Family plumbers since 1998." in taken.text
    bad = await post_form(client, "/dashboard/profile", {**form, "slug": "Not OK!", "neighbourhood": "x"})
    assert bad.status_code == 422
    assert "Use lower-case letters, digits and dashes" in bad.text
    assert "Choose the neighbourhood your business is based in." in bad.text
    ok = await post_form(client, "/dashboard/profile", {**form, "slug": "fontaneria-russafa-1998"})
    assert ok.status_code == 303
    row = await Provider.select(Provider.slug, Provider.description).where(Provider.id == provider).first()
    assert row == {"slug": "fontaneria-russafa-1998", "description": "Family plumbers since 1998."}
    assert (await client.get("/providers/fontaneria-russafa-1998")).status_code == 200


async def test_opening_hours_change_the_free_times(client):
    provider = await provider_client(client)
    form = {
        "min_notice_minutes": "60",
        "horizon_days": "7",
        "buffer_minutes": "30",
        "d5_opens_1": "10:00",
        "d5_closes_1": "13:00",
    }
    response = await post_form(client, "/dashboard/hours", form)
    assert response.status_code == 303
    slots = await Slot.select(Slot.starts_at).where(Slot.provider == provider)
    assert {row["starts_at"].astimezone().weekday() for row in slots} == {5}  # Saturdays only
    assert len(slots) == 2  # one Saturday in the next 7 days: 10:00 and, after 30 minutes' travel, 11:30
    page = await client.get("/dashboard/hours")
    assert (
        'name="d5_opens_1"\n                     value="10:00"' in page.text or 'value="10:00"' in page.text
    )


async def test_hours_errors_point_at_the_day_and_keep_the_times(client):
    await provider_client(client)
    form = {
        "min_notice_minutes": "60",
        "horizon_days": "30",
        "buffer_minutes": "0",
        "d0_opens_1": "09:00",
        "d0_closes_1": "14:00",
        "d0_opens_2": "13:00",
        "d0_closes_2": "18:00",
        "d1_opens_1": "09:00",
        "d2_opens_1": "9 o'clock",
        "d2_closes_1": "12:00",
    }
    response = await post_form(client, "/dashboard/hours", form)
    assert response.status_code == 422
    assert "The afternoon hours must start after the morning hours end." in response.text
    assert "Give both an opening and a closing time, or neither." in response.text
    assert "Use a time like 09:00 or 17:30." in response.text
    assert 'value="9 o&#39;clock"' in response.text


async def test_new_hours_after_a_lapsed_hold_take_its_time_off_sale(app, client, clock):
    provider = await provider_client(client)
    service = await Service.select(Service.public_id).where(Service.provider == provider).first()
    monday_9 = await Slot.select().where(Slot.provider == provider).order_by(Slot.starts_at).first()
    await make_account("ana@example.com")
    home = str((await neighbourhood("L'Eixample"))["id"])
    book = f"/providers/fontaneria-russafa/book/{service['public_id']}"
    hold = {"starts_at": monday_9["starts_at"].isoformat(), "address": "Carrer 1", "neighbourhood": home}
    async with browser(app) as resident:
        await log_in(resident, "ana@example.com")
        assert (await post_form(resident, book, hold)).status_code == 303
        clock.advance(timedelta(minutes=30))  # the ten-minute hold lapses, unswept

        saturdays = {"min_notice_minutes": "120", "horizon_days": "30", "buffer_minutes": "0"}
        saturdays |= {"d5_opens_1": "10:00", "d5_closes_1": "12:00"}
        response = await post_form(client, "/dashboard/hours", saturdays)
        assert response.status_code == 303

        await bookings_expire_lapsed(now=clock.now())
        again = await post_form(resident, book, hold)
        assert again.status_code == 409 and "That time is no longer offered" in again.text
    lapsed = await Booking.select(Booking.status, Booking.slot).first()
    assert lapsed == {"status": "expired", "slot": monday_9["id"]}
    offered = await client.get(book, params={"day": "2026-11-23"})
    assert offered.status_code == 200 and 'class="time-option"' not in offered.text
    saturday = await client.get(book, params={"day": "2026-11-28"})
    assert saturday.text.count('class="time-option"') == 2


async def test_services_are_added_validated_edited_and_archived(client):
    provider = await provider_client(client)
    plumbing = await category("Plumbing")
    form = {
        "name": "Water heater service",
        "category": str(plumbing["id"]),
        "duration_minutes": "90",
        "online_price": "120",
        "list_price": "110,50",
        "location": "customer_address",
        "capacity": "1",
    }
    too_dear = await post_form(client, "/dashboard/services/new", form)
    assert too_dear.status_code == 422
    assert "The online price can&#39;t be higher than the in-store price." in too_dear.text
    assert 'value="Water heater service"' in too_dear.text
    unreadable = await post_form(
        client, "/dashboard/services/new", {**form, "online_price": "cheap", "duration_minutes": "5"}
    )
    assert "Enter an amount like 45 or 45.50." in unreadable.text
    assert "Between 15 minutes and 12 hours." in unreadable.text
    created = await post_form(client, "/dashboard/services/new", {**form, "online_price": "99,90"})
    assert created.status_code == 303
    service = await Service.select().where(Service.name == "Water heater service").first()
    assert (service["online_price_cents"], service["list_price_cents"]) == (9990, 11050)
    edit_page = await client.get(f"/dashboard/services/{service['public_id']}")
    assert 'value="99.90"' in edit_page.text
    edited = await post_form(
        client, f"/dashboard/services/{service['public_id']}", {**form, "online_price": "95"}
    )
    assert edited.status_code == 303
    archived = await post_form(client, f"/dashboard/services/{service['public_id']}/archive", {})
    assert archived.status_code == 303
    assert (await Service.select(Service.is_archived).where(Service.id == service["id"]).first())[
        "is_archived"
    ]
    public = await client.get("/providers/fontaneria-russafa")
    assert "Water heater service" not in public.text.split('id="services-title"')[1]
    assert provider


async def test_a_provider_cannot_open_another_providers_service(client):
    await provider_client(client)
    other = await make_listed_provider("Aigua Fontaners")
    theirs = await Service.select(Service.public_id).where(Service.provider == other).first()
    assert (await client.get(f"/dashboard/services/{theirs['public_id']}")).status_code == 404
    archive = await post_form(client, f"/dashboard/services/{theirs['public_id']}/archive", {})
    assert archive.status_code == 404


async def test_a_service_never_booked_can_be_deleted_and_a_booked_one_only_archived(client, clock):
    provider = await provider_client(client)
    await Service.insert(
        Service(
            public_id="typo00000001",
            provider=provider,
            category=(await category("Plumbing"))["id"],
            name="Unblok a drian",
            location="customer_address",
            duration_minutes=60,
            online_price_cents=5000,
            list_price_cents=6000,
        )
    )
    booked = (
        await Service.select().where(Service.provider == provider, Service.name == "Unblock a drain").first()
    )
    slot = await Slot.select().where(Slot.service == booked["id"]).order_by(Slot.starts_at).first()
    resident = await make_account("ana@example.com")
    await booking_hold(
        resident_id=resident.id,
        request=HoldRequest(
            "fontaneria-russafa",
            booked["public_id"],
            slot["starts_at"],
            address="Carrer 1",
            neighbourhood_id=(await neighbourhood("L'Eixample"))["id"],
        ),
        now=clock.now(),
        zone=MADRID,
        hold_minutes=10,
    )
    listing = await client.get("/dashboard/services")
    assert 'href="/dashboard/services/typo00000001/delete"' in listing.text
    assert f'href="/dashboard/services/{booked["public_id"]}/delete"' not in listing.text

    confirm = await client.get("/dashboard/services/typo00000001/delete")
    assert confirm.status_code == 200 and "Delete “Unblok a drian”?" in confirm.text
    deleted = await post_form(client, "/dashboard/services/typo00000001/delete", {})
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/dashboard/services")
    assert "“Unblok a drian” is deleted." in (await client.get("/dashboard/services")).text
    assert not await Service.exists().where(Service.public_id == "typo00000001")

    refused = await post_form(client, f"/dashboard/services/{booked['public_id']}/delete", {})
    assert refused.status_code == 303
    assert (
        "This service has been booked, so it stays in your records."
        in (await client.get("/dashboard/services")).text
    )
    assert await Service.exists().where(Service.id == booked["id"])

    other = await make_listed_provider("Aigua Fontaners")
    theirs = await Service.select(Service.public_id).where(Service.provider == other).first()
    assert (await client.get(f"/dashboard/services/{theirs['public_id']}/delete")).status_code == 404
    assert (
        await post_form(client, f"/dashboard/services/{theirs['public_id']}/delete", {})
    ).status_code == 404
    assert await Service.exists().where(Service.public_id == theirs["public_id"])


def files(*named: tuple[str, bytes, str]) -> list:
    return [("photos", item) for item in named]


async def test_uploaded_photos_lose_their_location_and_appear_on_the_public_page(client, settings):
    await provider_client(client)
    token = await csrf_token(client)
    response = await client.post(
        "/dashboard/photos",
        data={"_csrf_token": token, "alt_text": "Our van"},
        files=files(
            ("van.jpg", jpeg_with_gps((1200, 800)), "image/jpeg"), ("team.jpg", jpeg_with_gps(), "image/jpeg")
        ),
    )
    assert response.status_code == 303
    photos = await ProviderPhoto.select().order_by(ProviderPhoto.position)
    assert [(p["width"], p["alt_text"]) for p in photos] == [(1200, "Our van"), (400, "Our van")]
    for stored in settings.media_root.glob(f"{photos[0]['image_key']}-*.webp"):
        image = Image.open(stored)
        assert not image.getexif() and "exif" not in image.info
    public = await client.get("/providers/fontaneria-russafa")
    assert f"/media/{photos[0]['image_key']}-640.webp" in public.text
    served = await client.get(f"/media/{photos[0]['image_key']}-320.webp")
    assert served.status_code == 200 and "max-age=31536000" in served.headers["cache-control"]


async def test_bad_uploads_get_clear_messages_and_good_ones_in_the_same_batch_are_kept(client):
    await provider_client(client)
    token = await csrf_token(client)
    response = await client.post(
        "/dashboard/photos",
        data={"_csrf_token": token},
        files=files(
            ("notes.txt", b"not a picture", "text/plain"),
            ("bomb.png", png_header_only(60_000, 60_000), "image/png"),
            ("huge.jpg", b"\xff\xd8" + b"0" * MAX_UPLOAD_BYTES, "image/jpeg"),
            ("fine.jpg", jpeg_with_gps(), "image/jpeg"),
        ),
    )
    assert response.status_code == 200
    assert "notes.txt isn&#39;t a JPEG, PNG or WebP picture." in response.text
    assert "bomb.png has too many pixels. Choose a picture of at most 40 megapixels." in response.text
    assert "huge.jpg is larger than 10 MB." in response.text
    assert await ProviderPhoto.count() == 1
    only_bad = await client.post(
        "/dashboard/photos",
        data={"_csrf_token": token},
        files=files(("notes.txt", b"plain text", "text/plain")),
    )
    assert only_bad.status_code == 422
    assert "notes.txt isn&#39;t a JPEG, PNG or WebP picture." in only_bad.text


async def test_a_full_gallery_refuses_an_upload_before_decoding_any_of_it(client):
    provider_id = await provider_client(client)
    await ProviderPhoto.insert(
        *(
            ProviderPhoto(
                provider=provider_id,
                image_key=f"key{n}",
                width=640,
                height=480,
                position=n,
                created_at=TEST_NOW,
            )
            for n in range(PHOTO_LIMIT)
        )
    )
    token = await csrf_token(client)
    # 39.7-megapixel headers without pixels: decoding one would say that it seems damaged.
    hostile = [(f"p{n}.png", png_header_only(7716, 5145), "image/png") for n in range(8)]
    full = await client.post("/dashboard/photos", data={"_csrf_token": token}, files=files(*hostile))
    assert full.status_code == 422 and PHOTO_LIMIT_REACHED in full.text
    assert "seems damaged" not in full.text
    await ProviderPhoto.delete().where(ProviderPhoto.image_key == "key0")
    over = await client.post("/dashboard/photos", data={"_csrf_token": token}, files=files(*hostile[:2]))
    assert over.status_code == 422 and PHOTO_LIMIT_REACHED in over.text  # one place, two posted
    room = await client.post("/dashboard/photos", data={"_csrf_token": token}, files=files(*hostile[:1]))
    assert room.status_code == 422 and "p0.png seems damaged or incomplete." in room.text  # decoded
    assert await ProviderPhoto.count() == PHOTO_LIMIT - 1


async def test_a_picture_over_its_pixel_limit_is_refused_next_to_the_upload_field(client):
    await provider_client(client)
    response = await client.post(
        "/dashboard/photos",
        data={"_csrf_token": await csrf_token(client)},
        files=files(
            ("shop.png", png_header_only(7000, 6000), "image/png"),
            ("van.webp", webp_header_only(4000, 3000), "image/webp"),
        ),
    )
    assert response.status_code == 422
    assert "shop.png has too many pixels. Choose a picture of at most 40 megapixels." in response.text
    assert "van.webp has too many pixels. Choose a picture of at most 10 megapixels." in response.text
    between_hint_and_input = response.text.split('id="photos-hint"', 1)[1].split('id="photos"', 1)[0]
    assert "shop.png has too many pixels" in between_hint_and_input
    assert 'aria-describedby="photos-hint photos-error" aria-invalid="true"' in response.text
    assert await ProviderPhoto.count() == 0


async def test_a_photo_whose_exif_pillow_cannot_rewrite_is_stored_upright(client):
    await provider_client(client)
    response = await client.post(
        "/dashboard/photos",
        data={"_csrf_token": await csrf_token(client)},
        files=files(("van.jpg", jpeg_with_malformed_exif(), "image/jpeg")),
    )
    assert response.status_code == 303
    assert (await ProviderPhoto.select(ProviderPhoto.width, ProviderPhoto.height).first()) == {
        "width": 200,
        "height": 400,
    }


async def test_an_upload_without_photos_or_with_too_many_is_refused(client):
    await provider_client(client)
    token = await csrf_token(client)
    empty = await client.post(
        "/dashboard/photos", data={"_csrf_token": token}, files={"other": ("x", b"", "text/plain")}
    )
    assert empty.status_code == 422 and "Choose one or more photos to upload." in empty.text
    nine = files(*((f"p{n}.jpg", jpeg_with_gps(), "image/jpeg") for n in range(9)))
    crowded = await client.post("/dashboard/photos", data={"_csrf_token": token}, files=nine)
    assert crowded.status_code == 422 and "Upload at most 8 photos at a time." in crowded.text
    assert await ProviderPhoto.count() == 0


async def test_gallery_changes_swap_the_gallery_for_htmx(client):
    await provider_client(client)
    token = await csrf_token(client)
    await client.post(
        "/dashboard/photos",
        data={"_csrf_token": token},
        files=files(*((f"p{n}.jpg", jpeg_with_gps(), "image/jpeg") for n in range(3))),
    )
    keys = [p["image_key"] for p in await ProviderPhoto.select().order_by(ProviderPhoto.position)]
    cover = await client.post(f"/dashboard/photos/{keys[2]}/cover", headers={**HTMX, "x-csrftoken": token})
    assert cover.status_code == 200 and "<html" not in cover.text and "Cover photo" in cover.text
    deleted = await client.post(f"/dashboard/photos/{keys[0]}/delete", data={"_csrf_token": token})
    assert deleted.status_code == 303
    assert [p["image_key"] for p in await ProviderPhoto.select().order_by(ProviderPhoto.position)] == [
        keys[2],
        keys[1],
    ]
    assert (
        await client.post(f"/dashboard/photos/{keys[0]}/later", data={"_csrf_token": token})
    ).status_code == 404


async def test_an_oversized_upload_request_is_refused_before_it_is_read(client):
    await provider_client(client)
    token = await csrf_token(client)
    blob = ("big.jpg", b"0" * (8 * MAX_UPLOAD_BYTES + 2 * 1024 * 1024), "image/jpeg")
    response = await client.post("/dashboard/photos", data={"_csrf_token": token}, files=files(blob))
    assert response.status_code == 413
    assert "That upload is too large" in response.text


async def test_a_nul_in_the_photo_description_is_dropped(client):
    await provider_client(client)
    token = await csrf_token(client)
    response = await client.post(
        "/dashboard/photos",
        data={"_csrf_token": token, "alt_text": "Our\x00 van"},
        files=files(("van.jpg", jpeg_with_gps(), "image/jpeg")),
    )
    assert response.status_code == 303
    assert (await ProviderPhoto.select(ProviderPhoto.alt_text).first())["alt_text"] == "Our van"


async def test_an_htmx_upload_says_what_it_added_in_place_and_leaves_no_message_for_later(client):
    await provider_client(client)
    token = await csrf_token(client)
    response = await client.post(
        "/dashboard/photos",
        data={"_csrf_token": token},
        files=files(("van.jpg", jpeg_with_gps(), "image/jpeg")),
        headers={**HTMX, "x-csrftoken": token},
    )
    assert response.status_code == 200 and "1 photo added." in response.text
    assert "1 photo added." not in (await client.get("/dashboard/hours")).text
