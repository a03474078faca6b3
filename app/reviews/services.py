"""Writes to reviews: residents write them, moderators decide, providers reply and report.

Every status change is a conditional UPDATE on the review's current status, made in the same
transaction as the change to the provider's and the service's rating aggregates, so the
aggregates always equal the approved reviews, whatever two moderators click at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from app import database
from app.booking.tables import Booking
from app.catalog.tables import Provider, Service
from app.media.storage import MediaStore, StoredImage
from app.reviews.rules import (
    ALREADY_REVIEWED,
    PHOTO_LIMIT,
    Decision,
    ModerationReason,
    ReviewStatus,
    moderated_status,
    rating_change,
    review_refusal,
)
from app.reviews.tables import ModerationDecision, Review, ReviewPhoto, ReviewReport
from app.shared.errors import ConflictError, DomainError, NotFoundError

NO_BOOKING = "That booking doesn't exist, or isn't yours."
NO_REVIEW = "That review doesn't exist, or isn't yours."
TOO_MANY_PHOTOS = f"A review can have at most {PHOTO_LIMIT} photos. Delete one before adding more."
ALREADY_MODERATED = "A moderator has already looked at this review, so it can't be changed any more."
NOT_PENDING_DECISION = "This review was already {status} by another moderator."
NO_SUCH_DECISION = "That decision doesn't apply to a review that is {status}."
ALREADY_REPLIED = "You have already replied to this review. Edit your reply instead."
NO_REPLY_YET = "There is no reply to edit yet."
NOT_PUBLISHED = "Only published reviews can be answered or reported."
ALREADY_REPORTED = "You have already reported this review. A moderator will look at it soon."
REASON_NEEDS_NOTE = "Say what is wrong in a few words when you choose “Other”."


async def _apply_rating(review: dict, before: ReviewStatus, after: ReviewStatus) -> None:
    change = rating_change(before, after, review["stars"])
    if not change.count:
        return
    await Provider.update(
        {
            Provider.rating_count: Provider.rating_count + change.count,
            Provider.rating_sum: Provider.rating_sum + change.stars,
        }
    ).where(Provider.id == review["provider"])
    if review["service"] is not None:
        await Service.update(
            {
                Service.rating_count: Service.rating_count + change.count,
                Service.rating_sum: Service.rating_sum + change.stars,
            }
        ).where(Service.id == review["service"])


async def _move(review_id: int, before: ReviewStatus, after: ReviewStatus, changes: dict) -> dict | None:
    """Compare-and-set the status; returns the review when this call made the change."""
    rows = (
        await Review.update({Review.status: after.value, **changes})
        .where(Review.id == review_id, Review.status == before.value)
        .returning(Review.id, Review.provider, Review.service, Review.stars)
    )
    if not rows:
        return None
    await _apply_rating(rows[0], before, after)
    return rows[0]


# --- residents ---------------------------------------------------------------------------------


async def review_submit(
    *,
    booking_id: int,
    author_id: int,
    stars: int,
    body: str,
    photos: list[StoredImage],
    now: datetime,
) -> int:
    """A new pending review of a redeemed booking; one per booking (the unique index decides races)."""
    if len(photos) > PHOTO_LIMIT:
        raise DomainError(TOO_MANY_PHOTOS, field="photos")
    try:
        async with database.transaction():
            booking = (
                await Booking.select(
                    Booking.id,
                    Booking.status,
                    Booking.resident,
                    Booking.provider,
                    Booking.service,
                    Booking.provider.owner,
                )
                .where(Booking.id == booking_id)
                .first()
            )
            if booking is None:
                raise NotFoundError(NO_BOOKING)
            existing = await Review.exists().where(
                Review.booking == booking_id, Review.status != ReviewStatus.deleted.value
            )
            refusal = review_refusal(
                booking_status=booking["status"],
                booking_resident_id=booking["resident"],
                provider_owner_id=booking["provider.owner"],
                author_id=author_id,
                has_review=existing,
            )
            if refusal:
                raise ConflictError(refusal)
            rows = await Review.insert(
                Review(
                    provider=booking["provider"],
                    service=booking["service"],
                    author=author_id,
                    booking=booking_id,
                    stars=stars,
                    body=body,
                    status=ReviewStatus.pending.value,
                    created_at=now,
                    updated_at=now,
                )
            ).returning(Review.id)
            review_id = rows[0]["id"]
            await _add_photos(review_id, photos, first_position=0, now=now)
    except Exception as exc:
        if database.is_unique_violation(exc):
            raise ConflictError(ALREADY_REVIEWED) from exc
        raise
    return review_id


async def _add_photos(
    review_id: int, photos: list[StoredImage], *, first_position: int, now: datetime
) -> None:
    if photos:
        await ReviewPhoto.insert(
            *(
                ReviewPhoto(
                    review=review_id,
                    image_key=photo.key,
                    width=photo.width,
                    height=photo.height,
                    position=first_position + n,
                    created_at=now,
                )
                for n, photo in enumerate(photos)
            )
        )


async def _authors_review(review_id: int, author_id: int, *, pending: bool = False) -> dict:
    """The author's own review (not deleted); with ``pending``, only while no moderator has decided."""
    review = (
        await Review.select(Review.status).where(Review.id == review_id, Review.author == author_id).first()
    )
    if review is None or review["status"] == ReviewStatus.deleted.value:
        raise NotFoundError(NO_REVIEW)
    if pending and review["status"] != ReviewStatus.pending.value:
        raise ConflictError(ALREADY_MODERATED)
    return review


class PhotosUnusable(DomainError):
    """Some posted photos can't be used: nothing is saved, so the author fixes one thing."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages), field="photos")
        self.messages = messages


async def review_save(
    *,
    booking_id: int,
    review_id: int | None,
    author_id: int,
    stars: int,
    body: str,
    store_files: Callable[[], Awaitable[tuple[list[StoredImage], list[str]]]],
    store: MediaStore,
    now: datetime,
) -> None:
    """Write the author's review of the booking (``review_id``: the one they are changing) with
    the photos ``store_files()`` stores; a refusal deletes those files again."""
    stored, problems = await store_files()
    try:
        if problems:
            raise PhotosUnusable(problems)
        if review_id is None:
            await review_submit(
                booking_id=booking_id, author_id=author_id, stars=stars, body=body, photos=stored, now=now
            )
        else:
            await review_edit(
                review_id=review_id, author_id=author_id, stars=stars, body=body, photos=stored, now=now
            )
    except DomainError:
        for image in stored:  # nothing points at these files
            store.delete(image.key)
        raise


async def review_edit(
    *,
    review_id: int,
    author_id: int,
    stars: int,
    body: str,
    photos: list[StoredImage],
    now: datetime,
) -> None:
    """Change a pending review (and add photos); refused once a moderator has decided."""
    async with database.transaction():
        await database.lock_row(Review, review_id)
        await _authors_review(review_id, author_id, pending=True)
        count = await ReviewPhoto.count().where(ReviewPhoto.review == review_id)
        if count + len(photos) > PHOTO_LIMIT:
            raise DomainError(TOO_MANY_PHOTOS, field="photos")
        await Review.update({Review.stars: stars, Review.body: body, Review.updated_at: now}).where(
            Review.id == review_id, Review.status == ReviewStatus.pending.value
        )
        await _add_photos(review_id, photos, first_position=count, now=now)


async def review_photo_delete(*, review_id: int, author_id: int, image_key: str) -> str:
    """Remove a photo from a pending review; returns the key so the caller deletes the files."""
    async with database.transaction():
        await _authors_review(review_id, author_id, pending=True)
        deleted = (
            await ReviewPhoto.delete()
            .where(ReviewPhoto.review == review_id, ReviewPhoto.image_key == image_key)
            .returning(ReviewPhoto.image_key)
        )
        if not deleted:
            raise NotFoundError("That photo isn't part of this review.")
    return image_key


async def review_delete(*, review_id: int, author_id: int, now: datetime) -> list[str]:
    """The author takes their review down; returns its photo keys so their files can go too."""
    async with database.transaction():
        await database.lock_row(Review, review_id)  # a moderator deciding now waits for us
        review = await _authors_review(review_id, author_id)
        await _move(review_id, ReviewStatus(review["status"]), ReviewStatus.deleted, {Review.updated_at: now})
        photos = (
            await ReviewPhoto.delete().where(ReviewPhoto.review == review_id).returning(ReviewPhoto.image_key)
        )
        await ReviewReport.update({ReviewReport.resolved_at: now}).where(
            ReviewReport.review == review_id, ReviewReport.resolved_at.is_null()
        )
    return [photo["image_key"] for photo in photos]


# --- moderators --------------------------------------------------------------------------------


async def review_moderate(
    *,
    review_id: int,
    moderator_id: int,
    decision: Decision,
    reason: ModerationReason | None = None,
    note: str = "",
    now: datetime,
) -> ReviewStatus:
    """Apply one moderator's decision, record it, and close the review's open reports."""
    if decision is Decision.reject and reason is None:
        raise DomainError("Choose why the review is rejected.", field="reason")
    if reason is ModerationReason.other and not note:
        raise DomainError(REASON_NEEDS_NOTE, field="note")
    async with database.transaction():
        await database.lock_row(
            Review, review_id
        )  # two moderators at once: the second sees the first's decision
        review = await Review.select(Review.status).where(Review.id == review_id).first()
        if review is None or review["status"] == ReviewStatus.deleted.value:
            raise NotFoundError("That review doesn't exist any more: its author may have deleted it.")
        current = ReviewStatus(review["status"])
        target = moderated_status(decision, current)
        if target is None:
            raise ConflictError(NO_SUCH_DECISION.format(status=current.value))
        if target is current:  # keep: the review stands, its reports are answered
            closed = (
                await ReviewReport.update({ReviewReport.resolved_at: now})
                .where(ReviewReport.review == review_id, ReviewReport.resolved_at.is_null())
                .returning(ReviewReport.id)
            )
            if not closed:
                raise ConflictError("This review has no open report: another moderator dealt with it.")
        else:
            reject_fields = (
                {Review.reject_reason: reason.value, Review.reject_note: note}
                if decision is Decision.reject and reason is not None
                else {}
            )
            moved = await _move(review_id, current, target, {Review.moderated_at: now, **reject_fields})
            if moved is None:
                raise ConflictError(NOT_PENDING_DECISION.format(status=target.value))
            await ReviewReport.update({ReviewReport.resolved_at: now}).where(
                ReviewReport.review == review_id, ReviewReport.resolved_at.is_null()
            )
        await ModerationDecision.insert(
            ModerationDecision(
                review=review_id,
                moderator=moderator_id,
                action=decision.value,
                reason=reason.value if reason else "",
                note=note,
                created_at=now,
            )
        )
    return target


async def reviews_approve_many(*, review_ids: list[int], moderator_id: int, now: datetime) -> int:
    """Approve each still-pending review of the list; returns how many this call approved."""
    approved = 0
    for review_id in review_ids:
        try:
            await review_moderate(
                review_id=review_id, moderator_id=moderator_id, decision=Decision.approve, now=now
            )
        except DomainError:
            continue  # decided by someone else meanwhile, or deleted by its author
        approved += 1
    return approved


# --- providers ---------------------------------------------------------------------------------


async def _published_review_of(review_id: int, provider_id: int) -> dict:
    review = (
        await Review.select(Review.status, Review.reply)
        .where(Review.id == review_id, Review.provider == provider_id)
        .first()
    )
    if review is None or review["status"] == ReviewStatus.deleted.value:
        raise NotFoundError("That review doesn't exist, or is about another business.")
    if review["status"] != ReviewStatus.approved.value:
        raise ConflictError(NOT_PUBLISHED)
    return review


async def reply_create(*, review_id: int, provider_id: int, text: str, now: datetime) -> None:
    """The provider's one public reply to a review (a conditional write: two tabs reply once)."""
    await _published_review_of(review_id, provider_id)
    rows = (
        await Review.update({Review.reply: text, Review.replied_at: now})
        .where(
            Review.id == review_id,
            Review.provider == provider_id,
            Review.status == ReviewStatus.approved.value,
            Review.reply == "",
        )
        .returning(Review.id)
    )
    if not rows:
        raise ConflictError(ALREADY_REPLIED)


async def reply_edit(*, review_id: int, provider_id: int, text: str, now: datetime) -> None:
    await _published_review_of(review_id, provider_id)
    rows = (
        await Review.update({Review.reply: text, Review.replied_at: now})
        .where(Review.id == review_id, Review.provider == provider_id, Review.reply != "")
        .returning(Review.id)
    )
    if not rows:
        raise ConflictError(NO_REPLY_YET)


async def review_report(
    *,
    review_id: int,
    provider_id: int,
    reporter_id: int,
    reason: ModerationReason,
    note: str,
    now: datetime,
) -> None:
    """Ask the moderators to look again at a published review; one open report at a time."""
    if reason is ModerationReason.other and not note:
        raise DomainError(REASON_NEEDS_NOTE, field="note")
    await _published_review_of(review_id, provider_id)
    try:
        await ReviewReport.insert(
            ReviewReport(
                review=review_id, reporter=reporter_id, reason=reason.value, note=note, created_at=now
            )
        )
    except Exception as exc:
        if database.is_unique_violation(exc):
            raise ConflictError(ALREADY_REPORTED) from exc
        raise
