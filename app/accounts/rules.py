"""Account rules that need no database or framework: passwords, emails, where to go after sign-in."""

from __future__ import annotations

from enum import Enum

from email_validator import EmailNotValidError, validate_email

from app.accounts.identity import Role

EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256

PASSWORD_TOO_SHORT = f"Use at least {PASSWORD_MIN_LENGTH} characters."
PASSWORD_TOO_LONG = f"Use at most {PASSWORD_MAX_LENGTH} characters."
PASSWORD_IS_EMAIL = "Don't use your email address as your password."
EMAIL_INVALID = "Enter an email address like name@example.com."


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why ``password`` can't be used, or None when it is acceptable.

    Length is what makes a password strong (NIST SP 800-63B); we add no composition rules.
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        return PASSWORD_TOO_SHORT
    if len(password) > PASSWORD_MAX_LENGTH:
        return PASSWORD_TOO_LONG
    if email and password.strip().casefold() == email.strip().casefold():
        return PASSWORD_IS_EMAIL
    return None


def normalise_email(raw: str) -> str:
    """The one spelling an account's email is stored and looked up under.

    Raises ValueError with EMAIL_INVALID when ``raw`` is not an email address.
    """
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(EMAIL_INVALID) from exc
    normalised = checked.normalized.casefold()
    if len(normalised) > EMAIL_MAX_LENGTH:  # case folding can lengthen some non-Latin letters
        raise ValueError(EMAIL_INVALID)
    return normalised


def home_path_for(role: Role) -> str:
    """Where a person lands after signing in when no page asked for them."""
    return "/dashboard" if role is Role.provider else "/"


class AccountState(str, Enum):
    """Whether an account may sign in, as the administrators' list shows it."""

    active = "active"
    suspended = "suspended"

    @property
    def label(self) -> str:
        return "Active" if self is AccountState.active else "Suspended"

    @classmethod
    def of(cls, *, is_active: bool) -> AccountState:
        return cls.active if is_active else cls.suspended
