from piccolo.columns import Boolean, ForeignKey, Integer, SmallInt, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.catalog.tables import Provider, Service


class TeamMember(Table, tablename="team_member"):
    """A bookable person of a provider (the owner by default). A member is in at most one live
    booking at any instant, whichever service it is for (see booking.availability)."""

    public_id = Varchar(length=16)  # random, for URLs and forms; unique (see the team migration)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    # A square portrait in the media store (its variants are made on upload); empty: initials.
    photo_key = Varchar(length=40, default="")
    photo_width = Integer(default=0)
    # An inactive member keeps their past bookings but has no free times and can't be chosen.
    is_active = Boolean(default=True)
    position = Integer(default=0)
    created_at = Timestamptz()


class TeamMemberService(Table, tablename="team_member_service"):
    """A service a member performs (unique per member and service: see the team migration)."""

    member = ForeignKey(TeamMember, null=False, on_delete=OnDelete.cascade)
    service = ForeignKey(Service, null=False, on_delete=OnDelete.cascade, index=True)


class TeamMemberHours(Table, tablename="team_member_hours"):
    """A member's own weekly working interval (city wall-clock minutes, 0 = Monday).

    A member without rows follows the business hours; see catalog.hours.member_service_hours.
    """

    member = ForeignKey(TeamMember, null=False, on_delete=OnDelete.cascade, index=True)
    weekday = SmallInt()
    opens_minute = Integer()
    closes_minute = Integer()
