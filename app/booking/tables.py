from piccolo.columns import Boolean, Date, ForeignKey, Integer, SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import UserAccount
from app.catalog.tables import Neighbourhood, Provider, Service, TeamMember


class Slot(Table):
    """A bookable start time of a service with one team member, made from their hours.

    ``book_by`` is the start minus the provider's minimum notice; ``claim_until`` is the end plus
    the provider's buffer, the time the member is busy. A slot is free while booked < capacity,
    it is not closed, ``book_by`` has not passed and its member has no other live booking whose
    claim overlaps its own (booking.queries.free_slot_sql). ``booked`` counts the slot's live
    bookings (held, confirmed, redeemed) and changes only together with them; ``is_closed``
    mirrors the member's closed times (ClosedTime), kept in step by the booking services.
    ``is_withdrawn``: the time left the hours (or its service or member stopped), but bookings of
    any status point at it, so it stays for their history and sells nothing (slots_refresh).
    """

    service = ForeignKey(Service, null=False, on_delete=OnDelete.cascade)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade)
    # Always set; nullable only because SQLite can't add a NOT NULL column to a table with rows.
    member = ForeignKey(TeamMember, null=True, on_delete=OnDelete.cascade, default=None)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    claim_until = Timestamptz(null=True, default=None)  # always set, as ``member``
    book_by = Timestamptz()
    capacity = Integer(default=1)
    booked = Integer(default=0)
    is_closed = Boolean(default=False)
    is_withdrawn = Boolean(default=False)


class TimeOff(Table, tablename="time_off"):
    """Days off (holidays, training): of the whole business, or of one team member."""

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(TeamMember, null=True, on_delete=OnDelete.cascade, default=None)
    first_day = Date()
    last_day = Date()
    note = Varchar(length=120, default="")


class ClosedTime(Table, tablename="closed_time"):
    """A time a team member takes no bookings (closed from the calendar); bookings already made stay."""

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade)
    member = ForeignKey(TeamMember, null=False, on_delete=OnDelete.cascade, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()


class Booking(Table):
    """One resident's reservation of one seat of a slot; the status follows booking.state."""

    public_id = Varchar(length=16)  # unique index in the booking migration
    resident = ForeignKey(UserAccount, null=False, on_delete=OnDelete.restrict)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.restrict)
    service = ForeignKey(Service, null=False, on_delete=OnDelete.restrict)
    slot = ForeignKey(Slot, null=False, on_delete=OnDelete.restrict)
    seat = SmallInt()
    # Who goes. None only for visits sold twice before team scheduling existed, until the
    # provider assigns them (see the team migration).
    member = ForeignKey(TeamMember, null=True, on_delete=OnDelete.restrict, default=None)
    # The resident asked for this person (not "anyone available"): a new time keeps them.
    member_requested = Boolean(default=False)
    status = Varchar(length=16)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    # ends_at plus the provider's buffer when booked: the member is busy until then. Two live
    # bookings of one member never overlap in [starts_at, claim_until), except the seats of one
    # slot (the team migration's exclusion constraint or triggers).
    claim_until = Timestamptz(null=True, default=None)
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
