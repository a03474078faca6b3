"""Forms residents and providers fill in around bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from wtforms import Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from app.booking.services import HoldRequest
from app.web.forms import DayField, choice_id, choices, require_choice, strip
from app.web.params import DayWindow

TIME_REQUIRED = "Choose a time."
TIME_NOT_OFFERED = "That time isn't offered. Please pick one of the free times shown."
MEMBER_UNREADABLE = "Choose a person from the list, or anyone available."
DATE_UNREADABLE = "Enter a date like 2026-12-24."
# Days off are planned up to a year ahead (holidays, past any booking horizon); the calendar
# reaches as far each way.
PLANNING_YEAR = timedelta(days=366)
DAY_OFF_OUTSIDE = "Choose a day from today to {last}: days off can be planned up to a year ahead."
NOTE_LIMIT = 500


def _instant(form: TimeChoiceForm, field: HiddenField) -> None:
    try:
        value = datetime.fromisoformat(field.data or "")
    except ValueError as exc:
        raise ValidationError(TIME_REQUIRED) from exc
    if value.tzinfo is None:
        raise ValidationError(TIME_REQUIRED)
    # Compared before converting: year 1 or 9999 overflows on the way to UTC. Nearer times are
    # the booking's to judge (taken, too soon, past the horizon), with its own message.
    if abs(value - form.now) > PLANNING_YEAR:
        raise ValidationError(TIME_NOT_OFFERED)
    field.instant = value.astimezone(UTC)


class TimeChoiceForm(Form):
    """A time picked from the free times shown: a slot start in UTC ISO format."""

    starts_at = HiddenField(validators=[DataRequired(TIME_REQUIRED), _instant])

    def __init__(self, *args, now: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now


class HoldForm(TimeChoiceForm):
    """Pick a time (and, for a visit at home, where)."""

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

    def hold_request(self, *, provider_slug: str, service_public_id: str) -> HoldRequest:
        """What the resident asked to hold, once the form is valid."""
        return HoldRequest(
            provider_slug=provider_slug,
            service_public_id=service_public_id,
            starts_at=self.starts_at.instant,
            address=self.address.data or "",
            neighbourhood_id=self.neighbourhood.data,
            note=self.note.data or "",
            member_public_id=self.member.data or "",
        )

    def offer_area(self, area: list[tuple[int, str]]) -> None:
        """The neighbourhoods the provider travels to, as the choices shown."""
        self.neighbourhood.choices = choices(area, "Choose your neighbourhood")


class RescheduleForm(TimeChoiceForm):
    pass


class ProviderCancelForm(Form):
    reason = TextAreaField(
        "Reason, for the customer",
        [DataRequired("Tell the customer why you're cancelling."), Length(max=500)],
        filters=[strip],
        render_kw={"rows": 3, "maxlength": 500},
    )


class TimeOffForm(Form):
    first_day = DayField(
        "First day off",
        [InputRequired("Choose the first day off.")],
        invalid_value_message=DATE_UNREADABLE,
        outside=DAY_OFF_OUTSIDE,
    )
    last_day = DayField(
        "Last day off",
        [InputRequired("Choose the last day off.")],
        invalid_value_message=DATE_UNREADABLE,
        outside=DAY_OFF_OUTSIDE,
    )
    note = StringField("Note (only you see it)", [Optional(), Length(max=120)], filters=[strip])

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        window = DayWindow.around(today, back=timedelta(0), ahead=PLANNING_YEAR)
        self.first_day.allow(window)
        self.last_day.allow(window)

    def validate_last_day(self, field: DayField) -> None:
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError("The last day can't be before the first day.")


class AssignMemberForm(Form):
    """Give a booking to another team member."""

    member = SelectField("Give it to", validate_choice=False, validators=[require_choice("Choose who goes.")])

    def offer(self, members: list[tuple[str, str]]) -> None:
        self.member.choices = choices(members, "Choose a team member")
