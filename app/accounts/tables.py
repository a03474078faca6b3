from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.identity import Role


class UserAccount(Table, tablename="user_account"):
    # Stored normalised (accounts.rules.normalise_email): the unique index means one account per address.
    email = Varchar(length=254, unique=True)
    display_name = Varchar(length=80)
    password_hash = Text()
    role = Varchar(length=16, choices=Role)
    is_active = Boolean(default=True)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)


class UserSession(Table, tablename="user_session"):
    """A server-side session. The cookie carries a random token; only its SHA-256 is stored here."""

    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(UserAccount, null=True, on_delete=OnDelete.cascade, index=True)
    data = Text(default="{}")
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class ThrottleEvent(Table, tablename="throttle_event"):
    """One counted attempt (e.g. a failed sign-in) against a bucket such as ``login:ip:203.0.113.9``."""

    bucket = Varchar(length=300)
    created_at = Timestamptz()
