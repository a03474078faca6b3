import pytest

from app.accounts.identity import CurrentUser, Role
from app.accounts.rules import (
    EMAIL_INVALID,
    PASSWORD_IS_EMAIL,
    PASSWORD_TOO_LONG,
    PASSWORD_TOO_SHORT,
    AccountState,
    home_path_for,
    normalise_email,
    password_problem,
)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", PASSWORD_TOO_SHORT),
        ("123456789", PASSWORD_TOO_SHORT),
        ("1234567890", None),
        ("a sentence is a good password", None),
        ("x" * 257, PASSWORD_TOO_LONG),
        ("x" * 256, None),
    ],
)
def test_passwords_need_at_least_ten_characters(password, problem):
    assert password_problem(password) == problem


def test_the_email_address_itself_is_not_a_password():
    assert password_problem("Ana.Garcia@Example.com", email="ana.garcia@example.com") == PASSWORD_IS_EMAIL


def test_emails_are_stored_in_one_spelling():
    assert normalise_email("  Ana.Garcia@EXAMPLE.com ") == "ana.garcia@example.com"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ana",
        "ana@",
        "@example.com",
        "ana@@example.com",
        "ana example@x.com",
        "ΐ" * 64 + "@" + "d" * 60 + "." + "e" * 40 + ".example",  # case folding makes it too long to store
    ],
)
def test_malformed_emails_are_refused_with_a_readable_message(raw):
    with pytest.raises(ValueError, match=EMAIL_INVALID):
        normalise_email(raw)


def test_providers_land_on_their_dashboard_and_everyone_else_on_the_home_page():
    assert home_path_for(Role.provider) == "/dashboard"
    assert home_path_for(Role.resident) == "/"
    assert home_path_for(Role.admin) == "/"


def test_a_user_is_greeted_by_first_name_and_roles_have_labels():
    assert CurrentUser(1, "a@example.com", "Lucía Navarro", Role.resident).first_name == "Lucía"
    assert Role.admin.label == "Administrator"


def test_an_account_reads_as_active_or_suspended():
    assert [
        (s.value, s.label) for s in (AccountState.of(is_active=True), AccountState.of(is_active=False))
    ] == [
        ("active", "Active"),
        ("suspended", "Suspended"),
    ]
