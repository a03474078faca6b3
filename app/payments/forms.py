"""The admin's refund decision."""

from __future__ import annotations

from wtforms import Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.shared.money import AmountError, parse_amount
from app.web.forms import strip


def _amount(form: Form, field: StringField) -> None:
    try:
        field.cents = parse_amount(field.data or "")
    except AmountError as error:
        raise ValidationError(str(error)) from error


class RefundForm(Form):
    amount = StringField(
        "Amount to refund",
        [DataRequired("Enter the amount to refund."), _amount],
        filters=[strip],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    reason = TextAreaField(
        "Reason (the resident sees it)",
        [DataRequired("Say why, for the resident and the provider."), Length(max=500)],
        filters=[strip],
        render_kw={"rows": 3, "maxlength": 500},
    )
