"""Forms around reviews: the resident's review, the provider's reply and report, the moderator's reason."""

from __future__ import annotations

from wtforms import Form, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.reviews.rules import BODY_MAX, BODY_MIN, NOTE_MAX, REPLY_MAX, ModerationReason
from app.web.forms import choices, strip

STAR_CHOICES = choices((n, f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1))
REASON_CHOICES = choices(((r.value, r.label) for r in ModerationReason), "Choose a reason")


def _reason(value):
    return ModerationReason(value) if value in ModerationReason.__members__ else None


STARS_REQUIRED = "Choose from 1 to 5 stars."


def _star(value) -> int:
    """Whatever was posted becomes a number of stars, 0 when it isn't one (the validator says so)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _stars_in_range(form: Form, field: RadioField) -> None:
    if field.data not in range(1, 6):
        raise ValidationError(STARS_REQUIRED)


class StarsField(RadioField):
    def pre_validate(self, form: Form) -> None:
        """The range check is a validator, so a missing and a wrong value say the same thing once."""


class ReviewForm(Form):
    stars = StarsField(
        "Your rating", [InputRequired(STARS_REQUIRED), _stars_in_range], choices=STAR_CHOICES, coerce=_star
    )
    body = TextAreaField(
        "Your review",
        [
            DataRequired(f"Write at least {BODY_MIN} characters about the visit."),
            Length(
                min=BODY_MIN,
                max=BODY_MAX,
                message=f"Write between {BODY_MIN} and {BODY_MAX} characters (%(length)s now).",
            ),
        ],
        filters=[strip],
        description="What was done, how it went, whether you'd book again. Others read this, so "
        "leave out phone numbers and addresses.",
        render_kw={"rows": 6, "maxlength": BODY_MAX, "minlength": BODY_MIN, "data-counter": ""},
    )


class ReplyForm(Form):
    text = TextAreaField(
        "Your public reply",
        [
            DataRequired("Write your reply."),
            Length(max=REPLY_MAX, message=f"Use at most {REPLY_MAX} characters."),
        ],
        filters=[strip],
        render_kw={"rows": 3, "maxlength": REPLY_MAX},
    )


class ReasonForm(Form):
    """A reason from the fixed list, and a note (needed for "Other")."""

    reason = SelectField(
        "Reason", [DataRequired("Choose a reason.")], choices=REASON_CHOICES, validate_choice=False
    )
    note = TextAreaField(
        "Note",
        [Optional(), Length(max=NOTE_MAX, message=f"Use at most {NOTE_MAX} characters.")],
        filters=[strip],
        render_kw={"rows": 2, "maxlength": NOTE_MAX},
    )

    def validate_reason(self, field: SelectField) -> None:
        if _reason(field.data) is None:
            raise ValidationError("Choose a reason from the list.")

    @property
    def chosen(self) -> ModerationReason:
        return ModerationReason(self.reason.data)
