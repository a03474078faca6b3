from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class AdminAction(Table, tablename="admin_action"):
    """What an administrator did to a provider or an account (verify, suspend, reinstate), and why."""

    # By name: the log sits below every domain that writes it, accounts included.
    admin = ForeignKey(
        LazyTableReference("UserAccount", module_path="app.accounts.tables"),
        null=False,
        on_delete=OnDelete.restrict,
    )
    # "provider" or "account", with that row's id: one log for both, read per subject.
    subject_kind = Varchar(length=16)
    subject_id = Integer()
    action = Varchar(length=24)
    note = Text(default="")
    created_at = Timestamptz()
