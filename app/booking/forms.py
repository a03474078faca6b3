"""Forms residents and providers fill in around bookings."""

from __future__ import annotations

from datetime import UTC, datetime

from wtforms import DateField, Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from app.web.forms import choice_id, choices, require_choice, strip

TIME_REQUIRED = "Choose a time."
MEMBER_UNREADABLE = "Choose a person from the list, or anyone available."
DATE_UNREADABLE = "Enter a date like 2026-12-24."
NOTE_LIMIT = 500


def _instant(form: Form, field: HiddenField) -> None:
    try:
        value = datetime.fromisoformat(field.data or "")
    except ValueError as exc:
        raise ValidationError(TIME_REQUIRED) from exc
    if value.tzinfo is None:
        raise ValidationError(TIME_REQUIRED)
    field.instant = value.astimezone(UTC)


class HoldForm(Form):
    """Pick a time (and, for a visit at home, where); the time is a slot start in UTC ISO format."""

    starts_at = HiddenField(validators=[DataRequired(TIME_REQUIRED), _instant])
    # The public id of the person asked for; empty for anyone available.
    member = HiddenField(
        filters=[strip], validators=[Optional(), Regexp(r"^[0-9a-f]{1,16}$", message=MEMBER_UNREADABLE)]
    )
    address = StringField(
        "Address of the visit",
        [Length(max=200, message="Use at most 200 characters.")],
        filters=[strip],
        description="Street, number, floor and door.",
        render_kw={"autocomplete": "street-address"},
    )
    neighbourhood = SelectField("Neighbourhood", coerce=choice_id, validate_choice=False)
    note = TextAreaField(
        "Note for the provider (optional)",
        [Length(max=NOTE_LIMIT, message=f"Use at most {NOTE_LIMIT} characters.")],
        filters=[strip],
        description="Access, parking, what needs doing.",
        render_kw={"rows": 3, "maxlength": NOTE_LIMIT},
    )

    def __init__(self, *args, area: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offer_area(area)

    def offer_area(self, area: list[tuple[int, str]]) -> None:
        """The neighbourhoods the provider travels to, as the choices shown."""
        self.neighbourhood.choices = choices(area, "Choose your neighbourhood")


class RescheduleForm(Form):
    starts_at = HiddenField(validators=[DataRequired(TIME_REQUIRED), _instant])


class ProviderCancelForm(Form):
    reason = TextAreaField(
        "Reason, for the customer",
        [DataRequired("Tell the customer why you're cancelling."), Length(max=500)],
        filters=[strip],
        render_kw={"rows": 3, "maxlength": 500},
    )


class TimeOffForm(Form):
    first_day = DateField(
        "First day off", [InputRequired("Choose the first day off.")], invalid_value_message=DATE_UNREADABLE
    )
    last_day = DateField(
        "Last day off", [InputRequired("Choose the last day off.")], invalid_value_message=DATE_UNREADABLE
    )
    note = StringField("Note (only you see it)", [Optional(), Length(max=120)], filters=[strip])

    def validate_last_day(self, field: DateField) -> None:
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError("The last day can't be before the first day.")


class AssignMemberForm(Form):
    """Give a booking to another team member."""

    member = SelectField("Give it to", validate_choice=False, validators=[require_choice("Choose who goes.")])

    def offer(self, members: list[tuple[str, str]]) -> None:
        self.member.choices = choices(members, "Choose a team member")
