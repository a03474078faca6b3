from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import UserAccount


class AdminAction(Table, tablename="admin_action"):
    """What an administrator did to a provider or an account (verify, suspend, reinstate), and why."""

    admin = ForeignKey(UserAccount, null=False, on_delete=OnDelete.restrict)
    # "provider" or "account", with that row's id: one log for both, read per subject.
    subject_kind = Varchar(length=16)
    subject_id = Integer()
    action = Varchar(length=24)
    note = Text(default="")
    created_at = Timestamptz()
