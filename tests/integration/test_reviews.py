"""Reviews on both engines: only real visits, one each, and ratings that always equal the approved reviews."""

import asyncio
from datetime import timedelta

import pytest

from app.accounts.identity import Role
from app.booking.tables import Booking
from app.catalog.tables import Provider, Service
from app.media.storage import StoredImage
from app.reviews import services as reviews
from app.reviews.queries import (
    moderation_queue,
    provider_published_reviews,
    recent_decisions,
    review_of_booking,
)
from app.reviews.rules import Decision, ModerationReason, ReviewStatus
from app.reviews.tables import ModerationDecision, Review, ReviewPhoto, ReviewReport
from app.shared.errors import ConflictError, DomainError, NotFoundError
from tests.factories import make_account
from tests.integration.test_redemption import on_the_day, paid_booking, redeem

BODY = "Came on time and fixed the leak under the sink in twenty minutes."


async def redeemed_booking(config) -> tuple[int, int, dict]:
    """A paid booking whose code the provider redeemed: (provider id, owner id, booking row)."""
    provider, owner, booking = await paid_booking(config)
    await redeem(provider, owner, booking["redemption_code"], on_the_day(booking))
    return provider, owner, await Booking.select().where(Booking.id == booking["id"]).first()


async def moderator() -> int:
    return (await make_account("moderator@example.com", "Mod", role=Role.admin)).id


async def write(booking: dict, stars: int = 4, **changes) -> int:
    facts = dict(
        booking_id=booking["id"],
        author_id=booking["resident"],
        stars=stars,
        body=BODY,
        photos=[],
        now=booking["ends_at"] + timedelta(hours=2),
    )
    return await reviews.review_submit(**(facts | changes))


async def decide(review_id: int, moderator_id: int, decision: Decision, **changes):
    return await reviews.review_moderate(
        review_id=review_id,
        moderator_id=moderator_id,
        decision=decision,
        now=changes.pop("now", None) or (await Review.select(Review.created_at).first())["created_at"],
        **changes,
    )


async def aggregates(provider_id: int) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(provider's stored count and sum, service's stored count and sum, recomputed from approved reviews)."""
    provider = (
        await Provider.select(Provider.rating_count, Provider.rating_sum)
        .where(Provider.id == provider_id)
        .first()
    )
    service = (
        await Service.select(Service.rating_count, Service.rating_sum)
        .where(Service.provider == provider_id)
        .first()
    )
    approved = await Review.select(Review.stars).where(
        Review.provider == provider_id, Review.status == "approved"
    )
    return (
        (provider["rating_count"], provider["rating_sum"]),
        (service["rating_count"], service["rating_sum"]),
        (len(approved), sum(r["stars"] for r in approved)),
    )


async def test_only_a_redeemed_booking_can_be_reviewed_by_its_resident_once(database_url, config):
    provider, owner, booking = await paid_booking(config)
    with pytest.raises(ConflictError, match="once the provider has confirmed"):
        await write(booking)
    await redeem(provider, owner, booking["redemption_code"], on_the_day(booking))
    stranger = (await make_account("stranger@example.com", "Stranger")).id
    with pytest.raises(ConflictError, match="Only the resident who booked"):
        await write(booking, author_id=stranger)
    review_id = await write(booking, stars=5)
    with pytest.raises(ConflictError, match="already reviewed"):
        await write(booking)
    own = await review_of_booking(booking["id"], booking["resident"])
    assert (own.id, own.stars, own.status, own.editable) == (review_id, 5, ReviewStatus.pending, True)
    assert await review_of_booking(booking["id"], stranger) is None


async def test_two_tabs_sending_a_review_at_once_make_one(database_url, config):
    _, _, booking = await redeemed_booking(config)
    results = await asyncio.gather(*(write(booking) for _ in range(4)), return_exceptions=True)
    assert sum(isinstance(r, int) for r in results) == 1
    assert {str(r) for r in results if not isinstance(r, int)} == {"You have already reviewed this visit."}
    assert await Review.count() == 1


async def test_ratings_stay_right_through_approve_reject_and_delete(database_url, config):
    provider, _, booking = await redeemed_booking(config)
    admin = await moderator()
    review_id = await write(booking, stars=4)
    pending_row = await Review.select().where(Review.id == review_id).first()
    assert await aggregates(provider) == ((0, 0),) * 3  # pending reviews don't count
    assert (
        await decide(review_id, admin, Decision.approve, now=pending_row["created_at"])
        is ReviewStatus.approved
    )
    assert await aggregates(provider) == ((1, 4),) * 3
    with pytest.raises(ConflictError, match="doesn't apply to a review that is approved"):
        await decide(review_id, admin, Decision.approve)
    with pytest.raises(DomainError, match="Choose why"):
        await decide(review_id, admin, Decision.reject)
    with pytest.raises(DomainError, match="Other"):
        await decide(review_id, admin, Decision.reject, reason=ModerationReason.other)
    await decide(
        review_id, admin, Decision.reject, reason=ModerationReason.personal_data, note="Phone number"
    )
    assert await aggregates(provider) == ((0, 0),) * 3
    row = await Review.select().where(Review.id == review_id).first()
    assert (row["status"], row["reject_reason"], row["reject_note"]) == (
        "rejected",
        "personal_data",
        "Phone number",
    )
    own = await review_of_booking(booking["id"], booking["resident"])
    assert (own.reject_reason.label, own.editable) == ("Contains personal data", False)
    with pytest.raises(ConflictError, match="already looked at"):
        await reviews.review_edit(
            review_id=review_id,
            author_id=booking["resident"],
            stars=5,
            body=BODY,
            photos=[],
            now=row["created_at"],
        )
    await reviews.review_delete(review_id=review_id, author_id=booking["resident"], now=row["created_at"])
    assert await aggregates(provider) == ((0, 0),) * 3
    # A deleted review frees the visit for a new one, which counts once approved and leaves when deleted.
    second = await write(booking, stars=2)
    await decide(second, admin, Decision.approve)
    assert await aggregates(provider) == ((1, 2),) * 3
    await reviews.review_delete(review_id=second, author_id=booking["resident"], now=row["created_at"])
    assert await aggregates(provider) == ((0, 0),) * 3
    log = await ModerationDecision.select(ModerationDecision.action, ModerationDecision.moderator).order_by(
        ModerationDecision.id
    )
    assert [(d["action"], d["moderator"]) for d in log] == [
        ("approve", admin),
        ("reject", admin),
        ("approve", admin),
    ]
    assert [d.action for d in await recent_decisions()] == ["approve", "reject", "approve"]


async def test_two_moderators_deciding_at_once_count_the_review_once(database_url, config):
    provider, _, booking = await redeemed_booking(config)
    first, second = await moderator(), (await make_account("mod2@example.com", "Mod 2", role=Role.admin)).id
    review_id = await write(booking, stars=5)
    when = booking["ends_at"] + timedelta(hours=3)
    results = await asyncio.gather(
        *(
            reviews.review_moderate(review_id=review_id, moderator_id=m, decision=Decision.approve, now=when)
            for m in (first, second, first, second)
        ),
        return_exceptions=True,
    )
    assert sum(r is ReviewStatus.approved for r in results) == 1
    assert all(isinstance(r, ConflictError) for r in results if r is not ReviewStatus.approved)
    assert await aggregates(provider) == ((1, 5),) * 3
    assert await ModerationDecision.count() == 1


async def test_authors_edit_pending_reviews_with_at_most_three_photos(database_url, config):
    _, _, booking = await redeemed_booking(config)
    photos = [StoredImage(key=f"photo{n}", width=800, height=600) for n in range(4)]
    with pytest.raises(DomainError, match="at most 3 photos"):
        await write(booking, photos=photos)
    review_id = await write(booking, photos=photos[:2])
    now = booking["ends_at"] + timedelta(hours=4)
    with pytest.raises(DomainError, match="at most 3 photos"):
        await reviews.review_edit(
            review_id=review_id, author_id=booking["resident"], stars=3, body=BODY, photos=photos[2:], now=now
        )
    await reviews.review_edit(
        review_id=review_id,
        author_id=booking["resident"],
        stars=3,
        body=BODY + " Edited.",
        photos=photos[2:3],
        now=now,
    )
    own = await review_of_booking(booking["id"], booking["resident"])
    assert (own.stars, own.body.endswith("Edited."), [p.image_key for p in own.photos]) == (
        3,
        True,
        ["photo0", "photo1", "photo2"],
    )
    stranger = (await make_account("stranger@example.com", "Stranger")).id
    with pytest.raises(NotFoundError):
        await reviews.review_edit(
            review_id=review_id, author_id=stranger, stars=1, body=BODY, photos=[], now=now
        )
    with pytest.raises(NotFoundError):
        await reviews.review_photo_delete(review_id=review_id, author_id=stranger, image_key="photo0")
    assert await reviews.review_photo_delete(
        review_id=review_id, author_id=booking["resident"], image_key="photo0"
    )
    assert await ReviewPhoto.count() == 2
    keys = await reviews.review_delete(review_id=review_id, author_id=booking["resident"], now=now)
    assert sorted(keys) == ["photo1", "photo2"] and await ReviewPhoto.count() == 0


async def test_providers_reply_once_and_report_once_and_the_queue_shows_reports(database_url, config):
    provider, owner, booking = await redeemed_booking(config)
    admin = await moderator()
    review_id = await write(booking, stars=2)
    now = booking["ends_at"] + timedelta(days=1)
    with pytest.raises(ConflictError, match="Only published reviews"):
        await reviews.reply_create(review_id=review_id, provider_id=provider, text="Thanks", now=now)
    assert [q.id for q in await moderation_queue()] == [review_id]
    await decide(review_id, admin, Decision.approve)
    assert await moderation_queue() == []
    replies = await asyncio.gather(
        *(
            reviews.reply_create(review_id=review_id, provider_id=provider, text=f"Reply {n}", now=now)
            for n in range(3)
        ),
        return_exceptions=True,
    )
    assert sum(r is None for r in replies) == 1
    assert {str(r) for r in replies if r is not None} == {reviews.ALREADY_REPLIED}
    await reviews.reply_edit(review_id=review_id, provider_id=provider, text="Sorry about the wait.", now=now)
    other = await make_account("other@example.com", role=Role.provider, business_name="Otra Casa")
    other_provider = (await Provider.select(Provider.id).where(Provider.owner == other.id).first())["id"]
    with pytest.raises(NotFoundError):
        await reviews.reply_edit(review_id=review_id, provider_id=other_provider, text="Not mine", now=now)
    await reviews.review_report(
        review_id=review_id,
        provider_id=provider,
        reporter_id=owner,
        reason=ModerationReason.abusive,
        note="",
        now=now,
    )
    with pytest.raises(ConflictError, match="already reported"):
        await reviews.review_report(
            review_id=review_id,
            provider_id=provider,
            reporter_id=owner,
            reason=ModerationReason.abusive,
            note="",
            now=now,
        )
    (queued,) = await moderation_queue()
    assert (queued.id, queued.status, [r.reason for r in queued.reports]) == (
        review_id,
        ReviewStatus.approved,
        [ModerationReason.abusive],
    )
    listing = await provider_published_reviews(provider, page=1)
    assert [(r.reply, r.reported) for r in listing.items] == [("Sorry about the wait.", True)]
    assert await decide(review_id, admin, Decision.keep) is ReviewStatus.approved
    assert await moderation_queue() == []
    assert await ReviewReport.count().where(ReviewReport.resolved_at.is_null()) == 0
    assert await aggregates(provider) == ((1, 2),) * 3
    # Reported again later and this time unpublished: the rating drops and the reports close.
    await reviews.review_report(
        review_id=review_id,
        provider_id=provider,
        reporter_id=owner,
        reason=ModerationReason.off_topic,
        note="",
        now=now,
    )
    await decide(review_id, admin, Decision.reject, reason=ModerationReason.off_topic)
    assert await aggregates(provider) == ((0, 0),) * 3
    assert await moderation_queue() == []
