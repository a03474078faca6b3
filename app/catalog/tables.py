from piccolo.columns import (
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import UserAccount
from app.catalog.rules import ServiceLocation


class Neighbourhood(Table):
    name = Varchar(length=80)
    slug = Varchar(length=80, unique=True)
    latitude = DoublePrecision()
    longitude = DoublePrecision()
    position = Integer(default=0)


class Category(Table):
    name = Varchar(length=80)
    slug = Varchar(length=80, unique=True)
    description = Text(default="")
    position = Integer(default=0)


class Provider(Table):
    slug = Varchar(length=80, unique=True)
    name = Varchar(length=120)
    description = Text(default="")
    owner = ForeignKey(UserAccount, null=False, on_delete=OnDelete.restrict, index=True)
    neighbourhood = ForeignKey(Neighbourhood, null=True, on_delete=OnDelete.set_null)
    address = Varchar(length=200, default="")
    phone = Varchar(length=40, default="")
    is_verified = Boolean(default=False, index=True)
    verified_at = Timestamptz(null=True, default=None)
    # What the administrator checked before verifying (documents, phone call, visit).
    verification_note = Text(default="")
    # A suspended business is hidden from residents and can't be booked; its dashboard stays open.
    is_suspended = Boolean(default=False)
    suspended_at = Timestamptz(null=True, default=None)
    # Accent- and case-folded words of the name, services and categories, for search.
    search_text = Text(default="")
    # Booking rules: how long before a visit it can still be booked, and how far ahead.
    min_notice_minutes = Integer(default=120)
    horizon_days = Integer(default=30)
    # Time kept free after each job (travel to the next customer, setting up).
    buffer_minutes = Integer(default=0)
    # Secret part of the provider's calendar feed URL; replaced when the provider resets it.
    calendar_token = Varchar(length=64, default="")
    # Approved reviews, kept up to date by the review services (ranking derives its score from them).
    rating_count = Integer(default=0)
    rating_sum = Integer(default=0)
    # The earliest free, still bookable slot of any service, refreshed whenever slots change and
    # every few minutes as time passes; results sort by it. Cards compute theirs exactly.
    next_free_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(null=True, default=None)


class ProviderServiceArea(Table, tablename="provider_service_area"):
    """A neighbourhood a provider travels to (unique per provider: see the raw index migration)."""

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade)
    neighbourhood = ForeignKey(Neighbourhood, null=False, on_delete=OnDelete.cascade)


class Service(Table):
    public_id = Varchar(length=16)  # random, for URLs; unique (index in the discovery migration)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(Category, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=120)
    description = Text(default="")
    duration_minutes = Integer()
    online_price_cents = Integer()
    list_price_cents = Integer()
    location = Varchar(length=20, choices=ServiceLocation)
    capacity = Integer(default=1)
    is_archived = Boolean(default=False)
    # Approved reviews of this service, kept up to date with the provider's by the review services.
    rating_count = Integer(default=0)
    rating_sum = Integer(default=0)
    position = Integer(default=0)
    created_at = Timestamptz()


class OpeningHours(Table, tablename="opening_hours"):
    """One opening interval on a weekday (0 = Monday), in the city's wall-clock minutes.

    Two intervals on one day leave a break between them. Rows with a service are that service's
    own hours, used instead of the provider's.
    """

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    service = ForeignKey(Service, null=True, on_delete=OnDelete.cascade, default=None)
    weekday = SmallInt()
    opens_minute = Integer()
    closes_minute = Integer()


class ProviderPhoto(Table, tablename="provider_photo"):
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade, index=True)
    image_key = Varchar(length=40, unique=True)
    width = Integer()
    height = Integer()
    alt_text = Varchar(length=200, default="")
    position = Integer(default=0)
    created_at = Timestamptz()


# --- the team: who performs the services, and when -----------------------------------------


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
