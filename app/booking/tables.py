from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.catalog.tables import Provider, Service


class Slot(Table):
    """A bookable start time of a service, generated from the provider's opening hours.

    ``book_by`` is the start minus the provider's minimum notice: a slot is free while
    booked < capacity, it is not closed, and ``book_by`` has not passed.
    """

    service = ForeignKey(Service, null=False, on_delete=OnDelete.cascade)
    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    book_by = Timestamptz()
    capacity = Integer(default=1)
    booked = Integer(default=0)
    is_closed = Boolean(default=False)
