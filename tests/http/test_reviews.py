"""Reviews over HTTP: residents write them after a redeemed visit, admins moderate, providers reply."""

import re
from datetime import timedelta

import pytest

from app.accounts.identity import Role
from app.catalog.tables import Provider
from app.payments.gateway import StripeGateway
from app.redemption.services import booking_redeem
from app.reviews.tables import Review, ReviewPhoto
from tests.factories import MADRID, make_account
from tests.http.conftest import browser, csrf_token, log_in, post_form
from tests.http.test_dashboard import files
from tests.http.test_payments import HTMX, paid_booking
from tests.unit.media.test_uploads import jpeg_with_gps, png_header_only

BODY = "Came on time, unblocked the drain and cleaned up after. Would book again."


@pytest.fixture
def gateway(settings) -> StripeGateway:
    return StripeGateway(settings.stripe)


async def redeemed(app, gateway, clock) -> dict:
    """Lucía's paid visit to Casa Neta, redeemed; the clock stands an hour after it."""
    booking = await paid_booking(app, gateway)
    provider = (
        await Provider.select(Provider.id, Provider.owner).where(Provider.id == booking["provider"]).first()
    )
    await booking_redeem(
        provider_id=provider["id"],
        account_id=provider["owner"],
        typed=booking["redemption_code"],
        now=booking["starts_at"] - timedelta(minutes=5),
        zone=MADRID,
        locale="en_GB",
    )
    clock.set(booking["ends_at"] + timedelta(hours=1))
    return booking


async def send_review(client, booking: dict, data: dict, photos=()):
    return await client.post(
        f"/bookings/{booking['public_id']}/review",
        data={**data, "_csrf_token": await csrf_token(client)},
        files=files(*photos) if photos else None,
    )


async def approved_review(app, gateway, clock, client) -> dict:
    """Lucía's review of her visit, approved by an admin; the client is left logged in as Lucía."""
    booking = await redeemed(app, gateway, clock)
    await log_in(client, "lucia@example.com")
    await send_review(client, booking, {"stars": "4", "body": BODY})
    await make_account("admin@example.com", "Marta", role=Role.admin)
    async with browser(app) as admin:
        await log_in(admin, "admin@example.com")
        (review,) = await Review.select(Review.id)
        assert (await post_form(admin, f"/admin/reviews/{review['id']}/approve", {})).status_code == 303
    return booking | {"review_id": review["id"]}


async def test_a_resident_reviews_a_redeemed_visit_and_sees_it_wait_for_moderation(
    app, client, gateway, clock, settings
):
    booking = await redeemed(app, gateway, clock)
    await log_in(client, "lucia@example.com")
    page = await client.get(f"/bookings/{booking['public_id']}")
    assert "How was it?" in page.text and f"/bookings/{booking['public_id']}/review" in page.text
    mine = await client.get("/account/bookings")
    assert "Rate this visit" in mine.text
    form = await client.get(f"/bookings/{booking['public_id']}/review")
    assert form.status_code == 200 and 'maxlength="1500"' in form.text and "data-counter-for" in form.text
    bad = await send_review(client, booking, {"stars": "9", "body": "Too short"})
    assert bad.status_code == 422
    assert "Choose from 1 to 5 stars." in bad.text
    assert "Write between 20 and 1500 characters (9 now)." in bad.text
    assert "Too short</textarea>" in bad.text  # nothing typed is lost
    sent = await send_review(
        client, booking, {"stars": "5", "body": BODY}, photos=[("drain.jpg", jpeg_with_gps(), "image/jpeg")]
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/bookings/{booking['public_id']}"
    (review,) = await Review.select()
    assert (review["stars"], review["body"], review["status"], review["booking"]) == (
        5,
        BODY,
        "pending",
        booking["id"],
    )
    (photo,) = await ReviewPhoto.select()
    assert list(settings.media_root.glob(f"{photo['image_key']}-*.webp"))
    page = await client.get(f"/bookings/{booking['public_id']}")
    assert "Waiting for moderation" in page.text and "Edit your review" in page.text
    assert "Your review is waiting for moderation." in (await client.get("/account/bookings")).text
    edited = await send_review(client, booking, {"stars": "4", "body": BODY + " Edited."})
    assert edited.status_code == 303
    assert (await Review.select(Review.stars).first())["stars"] == 4 and await Review.count() == 1
    public = await client.get("/providers/casa-neta")
    assert BODY not in public.text  # not until a moderator approves it


async def test_an_unusable_photo_keeps_the_text_and_saves_nothing(app, client, gateway, clock):
    booking = await redeemed(app, gateway, clock)
    await log_in(client, "lucia@example.com")
    response = await send_review(
        client, booking, {"stars": "4", "body": BODY}, photos=[("notes.txt", b"not a picture", "text/plain")]
    )
    assert response.status_code == 422
    assert "notes.txt isn&#39;t a JPEG, PNG or WebP picture." in response.text
    assert BODY in response.text
    assert '<input checked id="stars-1" name="stars" required type="radio" value="4">' in response.text
    assert await Review.count() == 0
    four = [(f"p{n}.jpg", jpeg_with_gps(), "image/jpeg") for n in range(4)]
    too_many = await send_review(client, booking, {"stars": "4", "body": BODY}, photos=four)
    assert too_many.status_code == 422 and "Choose at most 3 photos." in too_many.text


async def test_a_photo_over_the_pixel_limit_is_refused_next_to_the_photo_field(app, client, gateway, clock):
    booking = await redeemed(app, gateway, clock)
    await log_in(client, "lucia@example.com")
    bomb = ("sink.png", png_header_only(7000, 6000), "image/png")  # 42 megapixels
    response = await send_review(client, booking, {"stars": "4", "body": BODY}, photos=[bomb])
    assert response.status_code == 422
    assert (
        '<p class="field-error" id="photos-error">sink.png has too many pixels. '
        "Choose a picture of at most 40 megapixels.</p>"
    ) in response.text
    assert BODY in response.text and await Review.count() == 0


async def test_only_the_resident_of_a_redeemed_visit_may_review_it(app, client, gateway, clock):
    booking = await paid_booking(app, gateway)
    await log_in(client, "lucia@example.com")
    early = await client.get(f"/bookings/{booking['public_id']}/review")
    assert early.status_code == 303  # back to the booking, with the reason
    early_post = await send_review(client, booking, {"stars": "5", "body": BODY})
    assert early_post.status_code == 409 and "once the provider has confirmed" in early_post.text
    async with browser(app) as stranger:
        await make_account("pablo@example.com", "Pablo")
        await log_in(stranger, "pablo@example.com")
        assert (await stranger.get(f"/bookings/{booking['public_id']}/review")).status_code == 404
        assert (await send_review(stranger, booking, {"stars": "1", "body": BODY})).status_code == 404
    async with browser(app) as owner:  # the provider can't review their own business's booking either
        await log_in(owner, "owner@example.com")
        assert (await send_review(owner, booking, {"stars": "5", "body": BODY})).status_code in (403, 404)
    assert await Review.count() == 0


async def test_nobody_edits_or_deletes_another_residents_review(app, client, gateway, clock):
    booking = await redeemed(app, gateway, clock)
    await log_in(client, "lucia@example.com")
    await send_review(
        client, booking, {"stars": "4", "body": BODY}, photos=[("a.jpg", jpeg_with_gps(), "image/jpeg")]
    )
    key = (await ReviewPhoto.select(ReviewPhoto.image_key).first())["image_key"]
    async with browser(app) as stranger:
        await make_account("pablo@example.com", "Pablo")
        await log_in(stranger, "pablo@example.com")
        base = f"/bookings/{booking['public_id']}/review"
        assert (await post_form(stranger, f"{base}/delete", {})).status_code == 404
        assert (await post_form(stranger, f"{base}/photos/{key}/delete", {})).status_code == 404
    assert await Review.count().where(Review.status == "pending") == 1 and await ReviewPhoto.count() == 1


async def test_residents_and_providers_cannot_moderate(app, client, gateway, clock):
    booking = await redeemed(app, gateway, clock)
    await log_in(client, "lucia@example.com")
    await send_review(client, booking, {"stars": "5", "body": BODY})
    (review,) = await Review.select(Review.id)
    assert (await client.get("/admin/reviews")).status_code == 403
    assert (await post_form(client, f"/admin/reviews/{review['id']}/approve", {})).status_code == 403
    async with browser(app) as owner:
        await log_in(owner, "owner@example.com")
        assert (await post_form(owner, f"/admin/reviews/{review['id']}/approve", {})).status_code == 403
        assert (
            await post_form(owner, "/admin/reviews/approve", {"review": str(review["id"])})
        ).status_code == 403
    assert (await Review.select(Review.status).first())["status"] == "pending"


async def test_admins_approve_in_one_tap_and_the_rating_follows(app, client, gateway, clock):
    booking = await redeemed(app, gateway, clock)
    await log_in(client, "lucia@example.com")
    await send_review(
        client, booking, {"stars": "4", "body": "<a href='https://spam.example'>Great!</a> " + BODY}
    )
    (review,) = await Review.select(Review.id)
    await make_account("admin@example.com", "Marta", role=Role.admin)
    async with browser(app) as admin:
        await log_in(admin, "admin@example.com")
        assert "1 waiting" in (await admin.get("/admin")).text
        queue = await admin.get("/admin/reviews")
        assert queue.status_code == 200 and "Lucía Navarro" in queue.text and "Casa Neta" in queue.text
        assert f"/admin/bookings/{booking['public_id']}" in queue.text  # the context: which visit
        row = await post_form(admin, f"/admin/reviews/{review['id']}/approve", {}, headers=HTMX)
        assert row.status_code == 200 and row.text.lstrip().startswith('<li class="card moderation-row"')
        assert "Approved: the review is published" in row.text
        again = await post_form(admin, f"/admin/reviews/{review['id']}/approve", {}, headers=HTMX)
        assert again.status_code == 409 and "doesn&#39;t apply to a review that is approved" in again.text
        assert "Approved" in (await admin.get("/admin/reviews")).text  # the decision log
    public = await client.get("/providers/casa-neta")
    assert "Booked and visited" in public.text
    assert (
        "&lt;a href=&#39;https://spam.example&#39;&gt;Great!&lt;/a&gt;" in public.text
    )  # escaped, not a link
    assert (
        'href="https://spam.example"' not in public.text and "href='https://spam.example'" not in public.text
    )
    assert re.search(r"<strong>4\.\d</strong>", public.text)
    provider = await Provider.select(Provider.rating_count).where(Provider.slug == "casa-neta").first()
    assert provider["rating_count"] == 1


async def test_rejecting_needs_a_reason_and_the_author_sees_it(app, client, gateway, clock):
    booking = await redeemed(app, gateway, clock)
    await log_in(client, "lucia@example.com")
    await send_review(
        client, booking, {"stars": "1", "body": "Call me on 600 123 456 to hear the whole story!"}
    )
    (review,) = await Review.select(Review.id)
    await make_account("admin@example.com", "Marta", role=Role.admin)
    async with browser(app) as admin:
        await log_in(admin, "admin@example.com")
        url = f"/admin/reviews/{review['id']}/reject"
        prefix = f"reject-{review['id']}-"
        missing = await post_form(admin, url, {f"{prefix}reason": "", f"{prefix}note": "kept"})
        assert (
            missing.status_code == 422
            and "Choose a reason." in missing.text
            and "kept</textarea>" in missing.text
        )
        other = await post_form(admin, url, {f"{prefix}reason": "other"})
        assert other.status_code == 400 and "when you choose “Other”" in other.text
        done = await post_form(
            admin, url, {f"{prefix}reason": "personal_data", f"{prefix}note": "A phone number"}
        )
        assert done.status_code == 303
    page = await client.get(f"/bookings/{booking['public_id']}")
    assert (
        "Not published" in page.text
        and "Contains personal data" in page.text
        and "A phone number" in page.text
    )


async def test_bulk_approval_skips_what_was_decided_meanwhile(app, client, gateway, clock):
    review = await approved_review(app, gateway, clock, client)
    async with browser(app) as admin:
        await log_in(admin, "admin@example.com")
        response = await post_form(
            admin, "/admin/reviews/approve", {"review": [str(review["review_id"]), "999", "x"]}
        )
        assert response.status_code == 303
        listing = await admin.get("/admin/reviews")
        assert "0 reviews approved. 2 had already been decided or deleted." in listing.text
        empty = await post_form(admin, "/admin/reviews/approve", {})
        assert empty.status_code == 303 and "Tick the reviews" in (await admin.get("/admin/reviews")).text


async def test_the_provider_replies_once_edits_the_reply_and_reports(app, client, gateway, clock):
    review = await approved_review(app, gateway, clock, client)
    review_id = review["review_id"]
    async with browser(app) as owner:
        await log_in(owner, "owner@example.com")
        listing = await owner.get("/dashboard/reviews")
        assert listing.status_code == 200 and BODY in listing.text
        field = f"reply-{review_id}-text"
        empty = await post_form(owner, f"/dashboard/reviews/{review_id}/reply", {field: "  "})
        assert empty.status_code == 422 and "Write your reply." in empty.text
        first = await post_form(owner, f"/dashboard/reviews/{review_id}/reply", {field: "Thank you, Lucía!"})
        assert first.status_code == 303
        twice = await post_form(
            owner, f"/dashboard/reviews/{review_id}/reply", {field: "Another reply"}, headers=HTMX
        )
        assert twice.status_code == 409 and "already replied" in twice.text
        assert "Another reply" in twice.text  # the typed text comes back in the form
        edited = await post_form(
            owner,
            f"/dashboard/reviews/{review_id}/reply/edit",
            {field: "Thank you, Lucía! See you soon."},
            headers=HTMX,
        )
        assert edited.status_code == 200 and "Your reply is updated." in edited.text
        prefix = f"report-{review_id}-"
        bad = await post_form(
            owner, f"/dashboard/reviews/{review_id}/report", {f"{prefix}reason": "nonsense"}
        )
        assert bad.status_code == 422 and "Choose a reason from the list." in bad.text
        reported = await post_form(
            owner, f"/dashboard/reviews/{review_id}/report", {f"{prefix}reason": "abusive"}
        )
        assert reported.status_code == 303
        assert "You reported this review" in (await owner.get("/dashboard/reviews")).text
    public = await client.get("/providers/casa-neta")
    assert "Thank you, Lucía! See you soon." in public.text
    async with browser(app) as admin:
        await log_in(admin, "admin@example.com")
        assert "Reported by the provider" in (await admin.get("/admin/reviews")).text


async def test_another_provider_cannot_reply_to_or_report_a_review(app, client, gateway, clock):
    review = await approved_review(app, gateway, clock, client)
    await make_account("rival@example.com", "Rival", role=Role.provider, business_name="Rival")
    async with browser(app) as rival:
        await log_in(rival, "rival@example.com")
        url = f"/dashboard/reviews/{review['review_id']}"
        field = f"reply-{review['review_id']}-text"
        assert (await post_form(rival, f"{url}/reply", {field: "Ours is better"})).status_code == 404
        prefix = f"report-{review['review_id']}-"
        assert (await post_form(rival, f"{url}/report", {f"{prefix}reason": "abusive"})).status_code == 404
    assert (await Review.select(Review.reply).first())["reply"] == ""
