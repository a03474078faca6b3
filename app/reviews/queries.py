"""Reads of reviews: the author's own, the provider's list, and the moderators' queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.catalog.queries import Photo
from app.reviews.rules import ModerationReason, ReviewStatus, author_may_edit
from app.reviews.tables import ModerationDecision, Review, ReviewPhoto, ReviewReport
from app.shared.paging import Page, PageWindow

PROVIDER_PAGE_SIZE = 20
QUEUE_SIZE = 50


@dataclass(frozen=True, slots=True)
class OwnReview:
    """A review as its author sees it, with the moderators' answer."""

    id: int
    stars: int
    body: str
    status: ReviewStatus
    reject_reason: ModerationReason | None
    reject_note: str
    reply: str
    photos: list[Photo]

    @property
    def editable(self) -> bool:
        return author_may_edit(self.status)


async def review_of_booking(booking_id: int, author_id: int) -> OwnReview | None:
    row = (
        await Review.select(
            Review.id,
            Review.stars,
            Review.body,
            Review.status,
            Review.reject_reason,
            Review.reject_note,
            Review.reply,
        )
        .where(
            Review.booking == booking_id,
            Review.author == author_id,
            Review.status != ReviewStatus.deleted.value,
        )
        .first()
    )
    if row is None:
        return None
    photos = await review_photos([row["id"]])
    return OwnReview(
        id=row["id"],
        stars=row["stars"],
        body=row["body"],
        status=ReviewStatus(row["status"]),
        reject_reason=ModerationReason(row["reject_reason"]) if row["reject_reason"] else None,
        reject_note=row["reject_note"],
        reply=row["reply"],
        photos=photos.get(row["id"], []),
    )


async def review_status_by_booking(booking_ids: list[int]) -> dict[int, ReviewStatus]:
    """For "My bookings": which of these bookings already have a review, and in what state."""
    if not booking_ids:
        return {}
    rows = await Review.select(Review.booking, Review.status).where(
        Review.booking.is_in(booking_ids), Review.status != ReviewStatus.deleted.value
    )
    return {row["booking"]: ReviewStatus(row["status"]) for row in rows}


@dataclass(frozen=True, slots=True)
class ProviderReview:
    id: int
    stars: int
    body: str
    author: str
    service: str | None
    created_at: datetime
    reply: str
    replied_at: datetime | None
    reported: bool
    photos: list[Photo]


_PROVIDER_COLUMNS = (
    Review.id,
    Review.stars,
    Review.body,
    Review.author.display_name,
    Review.service.name,
    Review.created_at,
    Review.reply,
    Review.replied_at,
)


async def provider_published_reviews(provider_id: int, *, page: int) -> Page[ProviderReview]:
    """The provider's published reviews, newest first, with their replies and open reports."""
    window = PageWindow(page, PROVIDER_PAGE_SIZE)
    rows = (
        await Review.select(*_PROVIDER_COLUMNS)
        .where(Review.provider == provider_id, Review.status == ReviewStatus.approved.value)
        .order_by(Review.created_at, ascending=False)
        .order_by(Review.id, ascending=False)
        .limit(window.limit)
        .offset(window.offset)
    )
    reviews = await _provider_reviews(list(window.shown(rows)))
    return Page(items=reviews, page=window.number, has_next=window.has_next(rows))


async def provider_review(review_id: int, provider_id: int) -> ProviderReview | None:
    """One published review of this provider (for its htmx row), or None."""
    rows = await Review.select(*_PROVIDER_COLUMNS).where(
        Review.id == review_id, Review.provider == provider_id, Review.status == ReviewStatus.approved.value
    )
    reviews = await _provider_reviews(rows)
    return reviews[0] if reviews else None


async def _provider_reviews(rows: list[dict]) -> list[ProviderReview]:
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    reported = {
        r["review"]
        for r in await ReviewReport.select(ReviewReport.review).where(
            ReviewReport.review.is_in(ids), ReviewReport.resolved_at.is_null()
        )
    }
    photos = await review_photos(ids)
    return [
        ProviderReview(
            id=r["id"],
            stars=r["stars"],
            body=r["body"],
            author=r["author.display_name"],
            service=r["service.name"],
            created_at=r["created_at"],
            reply=r["reply"],
            replied_at=r["replied_at"],
            reported=r["id"] in reported,
            photos=photos.get(r["id"], []),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Report:
    reason: ModerationReason
    note: str
    created_at: datetime


@dataclass(slots=True)
class QueuedReview:
    """A review waiting for a moderator, with what they need to decide."""

    id: int
    status: ReviewStatus
    stars: int
    body: str
    created_at: datetime
    updated_at: datetime | None
    author: str
    author_email: str
    provider_name: str
    provider_slug: str
    service: str | None
    booking_public_id: str | None
    visit_at: datetime | None
    photos: list[Photo] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @property
    def waiting_since(self) -> datetime:
        return (
            min([self.created_at, *(r.created_at for r in self.reports)]) if self.reports else self.created_at
        )


_QUEUE_COLUMNS = (
    Review.id,
    Review.status,
    Review.stars,
    Review.body,
    Review.created_at,
    Review.updated_at,
    Review.author.display_name,
    Review.author.email,
    Review.provider.name,
    Review.provider.slug,
    Review.service.name,
    Review.booking.public_id,
    Review.booking.starts_at,
)


async def moderation_queue(*, limit: int = QUEUE_SIZE) -> list[QueuedReview]:
    """Pending reviews and published ones with an open report, oldest first."""
    open_reports = await ReviewReport.select(
        ReviewReport.review, ReviewReport.reason, ReviewReport.note, ReviewReport.created_at
    ).where(ReviewReport.resolved_at.is_null())
    reported_ids = sorted({r["review"] for r in open_reports})
    pending = (
        await Review.select(*_QUEUE_COLUMNS)
        .where(Review.status == ReviewStatus.pending.value)
        .order_by(Review.created_at)
        .order_by(Review.id)
        .limit(limit)
    )
    reported = (
        await Review.select(*_QUEUE_COLUMNS).where(
            Review.id.is_in(reported_ids), Review.status == ReviewStatus.approved.value
        )
        if reported_ids
        else []
    )
    queued = {row["id"]: _queued(row) for row in [*pending, *reported]}
    for report in open_reports:
        if report["review"] in queued:
            queued[report["review"]].reports.append(
                Report(ModerationReason(report["reason"]), report["note"], report["created_at"])
            )
    photos = await review_photos(list(queued))
    for review_id, review in queued.items():
        review.photos = photos.get(review_id, [])
    return sorted(queued.values(), key=lambda r: (r.waiting_since, r.id))[:limit]


async def queued_review(review_id: int) -> QueuedReview | None:
    row = await Review.select(*_QUEUE_COLUMNS).where(Review.id == review_id).first()
    if row is None:
        return None
    review = _queued(row)
    reports = await ReviewReport.select(
        ReviewReport.reason, ReviewReport.note, ReviewReport.created_at
    ).where(ReviewReport.review == review_id, ReviewReport.resolved_at.is_null())
    review.reports = [Report(ModerationReason(r["reason"]), r["note"], r["created_at"]) for r in reports]
    review.photos = (await review_photos([review_id])).get(review_id, [])
    return review


def _queued(row: dict) -> QueuedReview:
    return QueuedReview(
        id=row["id"],
        status=ReviewStatus(row["status"]),
        stars=row["stars"],
        body=row["body"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        author=row["author.display_name"],
        author_email=row["author.email"],
        provider_name=row["provider.name"],
        provider_slug=row["provider.slug"],
        service=row["service.name"],
        booking_public_id=row["booking.public_id"],
        visit_at=row["booking.starts_at"],
    )


async def queue_size() -> int:
    pending = await Review.count().where(Review.status == ReviewStatus.pending.value)
    reported = len(
        {
            r["review"]
            for r in await ReviewReport.select(ReviewReport.review).where(
                ReviewReport.resolved_at.is_null(), ReviewReport.review.status == ReviewStatus.approved.value
            )
        }
    )
    return pending + reported


@dataclass(frozen=True, slots=True)
class DecisionView:
    review_id: int
    provider_name: str
    stars: int
    action: str
    reason: ModerationReason | None
    note: str
    moderator: str
    created_at: datetime


async def recent_decisions(*, limit: int = 20) -> list[DecisionView]:
    """The moderation log, newest first: who decided what, when and why."""
    rows = (
        await ModerationDecision.select(
            ModerationDecision.review,
            ModerationDecision.review.provider.name,
            ModerationDecision.review.stars,
            ModerationDecision.action,
            ModerationDecision.reason,
            ModerationDecision.note,
            ModerationDecision.moderator.display_name,
            ModerationDecision.created_at,
        )
        .order_by(ModerationDecision.created_at, ascending=False)
        .order_by(ModerationDecision.id, ascending=False)
        .limit(limit)
    )
    return [
        DecisionView(
            review_id=r["review"],
            provider_name=r["review.provider.name"],
            stars=r["review.stars"],
            action=r["action"],
            reason=ModerationReason(r["reason"]) if r["reason"] else None,
            note=r["note"],
            moderator=r["moderator.display_name"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def review_photos(review_ids: list[int]) -> dict[int, list[Photo]]:
    """The photos of these reviews, in the author's order, by review id (one query)."""
    if not review_ids:
        return {}
    rows = (
        await ReviewPhoto.select(
            ReviewPhoto.review, ReviewPhoto.image_key, ReviewPhoto.width, ReviewPhoto.height
        )
        .where(ReviewPhoto.review.is_in(review_ids))
        .order_by(ReviewPhoto.position)
    )
    photos: dict[int, list[Photo]] = {}
    for row in rows:
        photos.setdefault(row["review"], []).append(
            Photo(row["image_key"], row["width"], row["height"], "Photo from a customer's review")
        )
    return photos
