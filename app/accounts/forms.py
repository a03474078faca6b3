"""The account forms. Rules come from accounts.rules; these only read and check what was typed."""

from __future__ import annotations

from wtforms import EmailField, Form, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.accounts.rules import PASSWORD_MAX_LENGTH, normalise_email, password_problem
from app.web.forms import choice_id, choices, require_choice, strip

NAME_REQUIRED = "Enter your name."
EMAIL_REQUIRED = "Enter your email address."
PASSWORD_REQUIRED = "Enter your password."
BUSINESS_NAME_REQUIRED = "Enter your business name."
NEIGHBOURHOOD_REQUIRED = "Choose the neighbourhood your business is based in."
PASSWORDS_DIFFER = "The two new passwords don't match."


def _email_address(form: Form, field: EmailField) -> None:
    try:
        field.normalised = normalise_email(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _new_password(email_field: str | None = None):
    def check(form: Form, field: PasswordField) -> None:
        email = form[email_field].data if email_field else ""
        if problem := password_problem(field.data or "", email=email or ""):
            raise ValidationError(problem)

    return check


def _email_field() -> EmailField:
    """An email input whose validated, normalised address is left in ``field.normalised``."""
    return EmailField(
        "Email",
        [InputRequired(EMAIL_REQUIRED), _email_address],
        filters=[strip],
        render_kw={"autocomplete": "email"},
    )


class SignUpForm(Form):
    display_name = StringField(
        "Your name",
        [DataRequired(NAME_REQUIRED), Length(max=80, message="Use at most 80 characters.")],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password = PasswordField(
        "Password",
        [InputRequired(PASSWORD_REQUIRED), _new_password("email")],
        description="At least 10 characters. A short sentence is easy to remember and hard to guess.",
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX_LENGTH},
    )


class ProviderSignUpForm(SignUpForm):
    business_name = StringField(
        "Business name",
        [DataRequired(BUSINESS_NAME_REQUIRED), Length(max=120, message="Use at most 120 characters.")],
        filters=[strip],
        render_kw={"autocomplete": "organization"},
    )
    neighbourhood = SelectField(
        "Where your business is based",
        coerce=choice_id,
        validate_choice=False,
        validators=[require_choice(NEIGHBOURHOOD_REQUIRED)],
    )

    def __init__(self, *args, neighbourhoods: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.neighbourhood.choices = choices(neighbourhoods, "Choose a neighbourhood")


class LoginForm(Form):
    email = _email_field()
    password = PasswordField(
        "Password", [InputRequired(PASSWORD_REQUIRED)], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password", [InputRequired(PASSWORD_REQUIRED)], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        "New password",
        [InputRequired("Enter a new password."), _new_password()],
        description="At least 10 characters.",
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX_LENGTH},
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        [InputRequired("Repeat the new password.")],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_confirm_password(self, field: PasswordField) -> None:
        if field.data != self.new_password.data:
            raise ValidationError(PASSWORDS_DIFFER)


# --- administrators' decisions about accounts -------------------------------------------------

# Notes and reasons of administrators' decisions, on accounts here and on providers (standing.forms).
NOTE_MAX = 1000
SUSPEND_REASON_REQUIRED = "Give the reason for the suspension."
TOO_LONG = f"Use at most {NOTE_MAX} characters."


class AccountSuspendForm(Form):
    reason = StringField(
        "Reason",
        [DataRequired(SUSPEND_REASON_REQUIRED), Length(max=NOTE_MAX, message=TOO_LONG)],
        filters=[strip],
        render_kw={"maxlength": NOTE_MAX, "autocomplete": "off"},
    )


class AccountReinstateForm(Form):
    note = StringField(
        "Note (optional)",
        [Length(max=NOTE_MAX, message=TOO_LONG)],
        filters=[strip],
        render_kw={"maxlength": NOTE_MAX, "autocomplete": "off"},
    )
