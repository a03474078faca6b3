"""The code a provider types (or scans) at the visit."""

from __future__ import annotations

from wtforms import Form, StringField
from wtforms.validators import DataRequired, Length

from app.web.forms import strip


class RedeemForm(Form):
    code = StringField(
        "Booking code",
        [DataRequired("Type the customer's code."), Length(max=300, message="That isn't a booking code.")],
        filters=[strip],
        description="8 letters and digits, like K7QX-3M9P. Capitals, spaces and dashes don't matter.",
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "autocorrect": "off",
            "enterkeyhint": "go",
        },
    )
