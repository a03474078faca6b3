"""Forms for the team pages: who a person is, what they do, and what happens to their bookings."""

from __future__ import annotations

from wtforms import Form, RadioField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, ValidationError

from app.web.forms import choice_id, choices, strip

SERVICES_REQUIRED = "Choose at least one service this person does."


class MemberForm(Form):
    name = StringField(
        "Name",
        [DataRequired("Give the person's name, as customers will see it."), Length(max=80)],
        filters=[strip],
        description="Customers see it when they choose who comes, and on their booking.",
        render_kw={"autocomplete": "off", "maxlength": 80},
    )
    services = SelectMultipleField(
        "Services they do",
        coerce=choice_id,
        validate_choice=False,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )

    def __init__(self, *args, services: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.services.choices = choices(services)

    def validate_services(self, field: SelectMultipleField) -> None:
        offered = {choice.value for choice in field.choices}
        field.data = [value for value in (field.data or []) if value in offered]
        if not field.data:
            raise ValidationError(SERVICES_REQUIRED)


class LeaveForm(Form):
    """What happens to the upcoming bookings of someone leaving the team's schedule."""

    bookings = RadioField(
        "Their upcoming bookings",
        choices=choices(
            [
                ("move", "Give them to someone else on the team"),
                ("cancel", "Cancel them: customers get a full refund"),
            ]
        ),
        validators=[DataRequired("Choose what happens to these bookings.")],
    )
    member = SelectField("Give them to", validate_choice=False)
    reason = StringField(
        "Message to the customers",
        [Length(max=300)],
        filters=[strip],
        description="Shown with the cancellation, for example why the visit can't happen.",
    )

    def __init__(self, *args, others: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.member.choices = choices(others, "Choose a team member")

    def validate_member(self, field: SelectField) -> None:
        offered = {choice.value for choice in field.choices if choice.value}
        if self.bookings.data == "move" and field.data not in offered:
            raise ValidationError("Choose who gets the bookings.")
