from piccolo.columns import Boolean, Date, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import UserAccount
from app.catalog.tables import Neighbourhood, Provider, Service


class Slot(Table):
    """A bookable start time of a service, generated from the provider's opening hours.

    ``book_by`` is the start minus the provider's minimum notice: a slot is free while
    booked < capacity, it is not closed, and ``book_by`` has not passed. ``booked`` counts the
    live bookings (held, confirmed, redeemed) and is changed only together with them.
    """

    service = ForeignKey(Service, null=False, on_delete=OnDelete.cascade)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    book_by = Timestamptz()
    capacity = Integer(default=1)
    booked = Integer(default=0)
    is_closed = Boolean(default=False)


class TimeOff(Table, tablename="time_off"):
    """Days a provider takes off (holidays, training): no slots are offered on them."""

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    first_day = Date()
    last_day = Date()
    note = Varchar(length=120, default="")


class Booking(Table):
    """One resident's reservation of one seat of a slot; the status follows booking.state."""

    public_id = Varchar(length=16)  # unique index in the booking migration
    resident = ForeignKey(UserAccount, null=False, on_delete=OnDelete.restrict)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.restrict)
    service = ForeignKey(Service, null=False, on_delete=OnDelete.restrict)
    slot = ForeignKey(Slot, null=False, on_delete=OnDelete.restrict)
    seat = SmallInt()
    status = Varchar(length=16)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    held_until = Timestamptz()
    price_cents = Integer()
    list_price_cents = Integer()
    address = Varchar(length=200, default="")
    neighbourhood = ForeignKey(Neighbourhood, null=True, on_delete=OnDelete.set_null, default=None)
    note = Text(default="")
    created_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    cancelled_by = Varchar(length=16, default="")
    cancel_reason = Text(default="")
    updated_at = Timestamptz()
    # Issued when payment confirms the booking; unique among issued codes (see the migration).
    redemption_code = Varchar(length=8, null=True, default=None)
    redeemed_at = Timestamptz(null=True, default=None)
    # The platform's cut, fixed when the booking is paid so later changes to the setting don't
    # rewrite old ledgers: 1000 basis points are 10 %.
    commission_basis_points = Integer(default=0)
    # When the provider's earning became theirs: at redemption, a no-show, or a late cancellation.
    earning_released_at = Timestamptz(null=True, default=None)
