"""Administrators' decisions about a provider: verify, suspend, reinstate, each with a why."""

from __future__ import annotations

from wtforms import Form, RadioField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from app.accounts.forms import NOTE_MAX, SUSPEND_REASON_REQUIRED, TOO_LONG
from app.web.forms import choices, strip

VERIFY_NOTE_REQUIRED = "Say what you checked, e.g. “ID and insurance checked; phone call”."
BOOKINGS_CHOICE_REQUIRED = "Choose what happens to the upcoming bookings."
REINSTATE_NOTE_REQUIRED = "Say why the business can be listed again."

KEEP, CANCEL = "keep", "cancel"


def _note(label: str, required: str | None, *, element_id: str, description: str = "", rows: int = 3):
    checks = [DataRequired(required)] if required else []
    return TextAreaField(
        label,
        [*checks, Length(max=NOTE_MAX, message=TOO_LONG)],
        filters=[strip],
        description=description,
        id=element_id,  # unique on a page that shows several of these forms
        render_kw={"rows": rows, "maxlength": NOTE_MAX},
    )


class VerifyForm(Form):
    note = _note(
        "What did you check?",
        VERIFY_NOTE_REQUIRED,
        element_id="verify-note",
        description="Kept with the verification, e.g. “ID and insurance checked; phone call”.",
    )


class SuspendForm(Form):
    reason = _note(
        "Reason",
        SUSPEND_REASON_REQUIRED,
        element_id="suspend-reason",
        description="The business sees this reason on its dashboard.",
    )
    bookings = RadioField(
        "Upcoming bookings",
        choices=choices(
            [
                (KEEP, "Keep them: they stay booked and are honoured"),
                (CANCEL, "Cancel them and refund the residents in full"),
            ]
        ),
        validators=[InputRequired(BOOKINGS_CHOICE_REQUIRED), AnyOf([KEEP, CANCEL], BOOKINGS_CHOICE_REQUIRED)],
        validate_choice=False,
    )


class ReinstateForm(Form):
    note = _note(
        "Note",
        REINSTATE_NOTE_REQUIRED,
        element_id="reinstate-note",
        description="Kept in the business's history.",
        rows=2,
    )
