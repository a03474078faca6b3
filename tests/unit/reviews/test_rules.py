"""Review rules without a database: who may review, the moderation table, rating arithmetic."""

import pytest

from app.discovery.ranking import bayesian_rating
from app.reviews.rules import (
    ALREADY_REVIEWED,
    NOT_REDEEMED,
    NOT_YOURS,
    OWN_BUSINESS,
    Decision,
    RatingChange,
    ReviewStatus,
    author_may_delete,
    author_may_edit,
    moderated_status,
    rating_change,
    review_refusal,
)

RESIDENT, OWNER, STRANGER = 1, 2, 3


def refusal(**changes):
    facts = dict(
        booking_status="redeemed",
        booking_resident_id=RESIDENT,
        provider_owner_id=OWNER,
        author_id=RESIDENT,
        has_review=False,
    )
    return review_refusal(**(facts | changes))


def test_only_the_resident_of_a_redeemed_booking_may_review_it_once():
    assert refusal() is None
    assert refusal(author_id=STRANGER) == NOT_YOURS
    assert refusal(has_review=True) == ALREADY_REVIEWED
    for status in ("held", "confirmed", "cancelled", "no_show", "expired"):
        assert refusal(booking_status=status) == NOT_REDEEMED


def test_a_provider_who_booked_their_own_business_may_not_review_it():
    assert refusal(booking_resident_id=OWNER, author_id=OWNER) == OWN_BUSINESS


@pytest.mark.parametrize(
    ("decision", "current", "expected"),
    [
        (Decision.approve, ReviewStatus.pending, ReviewStatus.approved),
        (Decision.reject, ReviewStatus.pending, ReviewStatus.rejected),
        (Decision.reject, ReviewStatus.approved, ReviewStatus.rejected),
        (Decision.keep, ReviewStatus.approved, ReviewStatus.approved),
        (Decision.approve, ReviewStatus.approved, None),
        (Decision.approve, ReviewStatus.rejected, None),
        (Decision.reject, ReviewStatus.rejected, None),
        (Decision.keep, ReviewStatus.pending, None),
        (Decision.approve, ReviewStatus.deleted, None),
    ],
)
def test_the_moderation_table(decision, current, expected):
    assert moderated_status(decision, current) is expected


def test_authors_edit_until_moderated_and_delete_any_time():
    assert [s for s in ReviewStatus if author_may_edit(s)] == [ReviewStatus.pending]
    assert [s for s in ReviewStatus if not author_may_delete(s)] == [ReviewStatus.deleted]


def test_only_entering_or_leaving_approved_changes_the_rating():
    assert rating_change(ReviewStatus.pending, ReviewStatus.approved, 4) == RatingChange(1, 4)
    assert rating_change(ReviewStatus.approved, ReviewStatus.rejected, 4) == RatingChange(-1, -4)
    assert rating_change(ReviewStatus.approved, ReviewStatus.deleted, 2) == RatingChange(-1, -2)
    assert rating_change(ReviewStatus.pending, ReviewStatus.rejected, 5) == RatingChange(0, 0)
    assert rating_change(ReviewStatus.pending, ReviewStatus.deleted, 5) == RatingChange(0, 0)
    assert rating_change(ReviewStatus.approved, ReviewStatus.approved, 5) == RatingChange(0, 0)


def test_a_life_of_changes_adds_up_to_the_approved_reviews():
    moves = [
        (ReviewStatus.pending, ReviewStatus.approved, 5),
        (ReviewStatus.pending, ReviewStatus.approved, 3),
        (ReviewStatus.pending, ReviewStatus.rejected, 1),
        (ReviewStatus.approved, ReviewStatus.rejected, 5),
        (ReviewStatus.approved, ReviewStatus.deleted, 3),
        (ReviewStatus.pending, ReviewStatus.approved, 4),
    ]
    count = total = 0
    for before, after, stars in moves:
        change = rating_change(before, after, stars)
        count, total = count + change.count, total + change.stars
    assert (count, total) == (1, 4)


def test_one_five_star_review_does_not_beat_eighty_at_four_point_eight():
    assert bayesian_rating(1, 5) < bayesian_rating(80, 384)
    assert bayesian_rating(0, 0) == pytest.approx(4.0)
    assert bayesian_rating(80, 384) == pytest.approx((5 * 4.0 + 384) / 85)


def test_authors_read_where_their_review_is_in_words_of_its_own():
    assert [(s.author_label, s.author_summary) for s in ReviewStatus] == [
        ("Waiting for moderation", "Your review is waiting for moderation."),
        ("Published", "Your review is published."),
        ("Not published", "Your review was not published."),
        ("Not published", "Your review was not published."),
    ]
    assert [s.queue_label for s in ReviewStatus] == ["new", "published", "published", "published"]
