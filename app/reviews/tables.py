from piccolo.columns import ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import UserAccount
from app.booking.tables import Booking
from app.catalog.tables import Provider, Service


class Review(Table):
    """A resident's rating of a redeemed visit. Only approved reviews are shown and counted.

    ``booking`` is unique among reviews that aren't deleted (raw index in the reviews migration):
    one review per visit, whatever races the form.
    """

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade)
    service = ForeignKey(Service, null=True, on_delete=OnDelete.set_null)
    author = ForeignKey(UserAccount, null=False, on_delete=OnDelete.cascade)
    booking = ForeignKey(Booking, null=True, on_delete=OnDelete.set_null)
    stars = SmallInt()
    body = Text(default="")
    status = Varchar(length=16, default="pending")
    created_at = Timestamptz()
    updated_at = Timestamptz(null=True, default=None)
    moderated_at = Timestamptz(null=True, default=None)
    # Shown to the author when the review is rejected (reviews.rules.ModerationReason).
    reject_reason = Varchar(length=24, default="")
    reject_note = Text(default="")
    reply = Text(default="")
    replied_at = Timestamptz(null=True, default=None)


class ReviewPhoto(Table, tablename="review_photo"):
    review = ForeignKey(Review, null=False, on_delete=OnDelete.cascade, index=True)
    image_key = Varchar(length=40, unique=True)
    width = Integer()
    height = Integer()
    position = Integer(default=0)
    created_at = Timestamptz()


class ReviewReport(Table, tablename="review_report"):
    """A provider asking the moderators to look at a review again; open until a moderator decides."""

    review = ForeignKey(Review, null=False, on_delete=OnDelete.cascade, index=True)
    reporter = ForeignKey(UserAccount, null=False, on_delete=OnDelete.cascade)
    reason = Varchar(length=24)
    note = Text(default="")
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)


class ModerationDecision(Table, tablename="moderation_decision"):
    """Every moderation decision, kept for good: who decided what about which review, when and why."""

    review = ForeignKey(Review, null=False, on_delete=OnDelete.cascade, index=True)
    moderator = ForeignKey(UserAccount, null=False, on_delete=OnDelete.restrict)
    action = Varchar(length=16)
    reason = Varchar(length=24, default="")
    note = Text(default="")
    created_at = Timestamptz()
