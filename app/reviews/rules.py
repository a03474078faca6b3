"""Who may review what, how a review moves between states, and what that does to ratings.

Pure: no framework, no database. Services apply these inside their transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

BODY_MIN = 20
BODY_MAX = 1500
PHOTO_LIMIT = 3
REPLY_MAX = 1000
NOTE_MAX = 500


class ReviewStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    deleted = "deleted"

    @property
    def author_label(self) -> str:
        """How the author sees where their review is."""
        return _AUTHOR_LABELS.get(self, "Not published")

    @property
    def author_summary(self) -> str:
        """The line under a visit in "Your bookings" once its review is written."""
        return _AUTHOR_SUMMARIES.get(self, "Your review was not published.")

    @property
    def queue_label(self) -> str:
        """How the moderation queue tells a new review from a published one that was reported."""
        return "new" if self is ReviewStatus.pending else "published"


_AUTHOR_LABELS = {ReviewStatus.pending: "Waiting for moderation", ReviewStatus.approved: "Published"}
_AUTHOR_SUMMARIES = {
    ReviewStatus.pending: "Your review is waiting for moderation.",
    ReviewStatus.approved: "Your review is published.",
}


class ModerationReason(StrEnum):
    """Why a review was rejected (or reported): the fixed list the author is shown."""

    off_topic = "off_topic"
    abusive = "abusive"
    personal_data = "personal_data"
    advertising = "advertising"
    wrong_service = "wrong_service"
    other = "other"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    ModerationReason.off_topic: "Off-topic",
    ModerationReason.abusive: "Abusive or offensive",
    ModerationReason.personal_data: "Contains personal data",
    ModerationReason.advertising: "Advertising or spam",
    ModerationReason.wrong_service: "Not about this service",
    ModerationReason.other: "Other",
}


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"
    keep = "keep"  # a reported review stays as it is; the reports are closed


# (decision, from) -> to. Approved reviews can still be rejected: a report may show they break
# the rules. A decision not listed here is refused.
MODERATION: dict[tuple[Decision, ReviewStatus], ReviewStatus] = {
    (Decision.approve, ReviewStatus.pending): ReviewStatus.approved,
    (Decision.reject, ReviewStatus.pending): ReviewStatus.rejected,
    (Decision.reject, ReviewStatus.approved): ReviewStatus.rejected,
    (Decision.keep, ReviewStatus.approved): ReviewStatus.approved,
}


def moderated_status(decision: Decision, current: ReviewStatus) -> ReviewStatus | None:
    """The status ``decision`` leads to from ``current``, or None when it doesn't apply."""
    return MODERATION.get((decision, current))


def author_may_edit(status: ReviewStatus) -> bool:
    """Authors edit until a moderator has looked at the review."""
    return status is ReviewStatus.pending


def author_may_delete(status: ReviewStatus) -> bool:
    return status is not ReviewStatus.deleted


@dataclass(frozen=True, slots=True)
class RatingChange:
    count: int
    stars: int


def rating_change(before: ReviewStatus, after: ReviewStatus, stars: int) -> RatingChange:
    """What a status change does to the approved-review aggregates (count and sum of stars)."""
    counted_before = before is ReviewStatus.approved
    counted_after = after is ReviewStatus.approved
    if counted_before == counted_after:
        return RatingChange(0, 0)
    sign = 1 if counted_after else -1
    return RatingChange(sign, sign * stars)


NOT_YOURS = "Only the resident who booked this visit can review it."
NOT_REDEEMED = "You can review a visit once the provider has confirmed it took place (redeemed your code)."
OWN_BUSINESS = "You can't review your own business."
ALREADY_REVIEWED = "You have already reviewed this visit."


def review_refusal(
    *,
    booking_status: str,
    booking_resident_id: int,
    provider_owner_id: int,
    author_id: int,
    has_review: bool,
) -> str | None:
    """Why ``author_id`` may not review this booking, or None when they may.

    Only the resident of a redeemed booking, once per booking: every review stands for a real visit.
    """
    if booking_resident_id != author_id:
        return NOT_YOURS
    if provider_owner_id == author_id:
        return OWN_BUSINESS
    if booking_status != "redeemed":
        return NOT_REDEEMED
    if has_review:
        return ALREADY_REVIEWED
    return None
