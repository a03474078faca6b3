from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import UserAccount
from app.booking.tables import Booking


class RedemptionLog(Table, tablename="redemption_log"):
    """The audit trail: every redemption and every undo, with who did it and when."""

    booking = ForeignKey(Booking, null=False, on_delete=OnDelete.restrict, index=True)
    action = Varchar(length=16)  # redeem | undo
    actor = ForeignKey(UserAccount, null=False, on_delete=OnDelete.restrict)
    at = Timestamptz()
