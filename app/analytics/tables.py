from piccolo.columns import Date, ForeignKey, Integer
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.catalog.tables import Provider


class ProviderViewDay(Table, tablename="provider_view_day"):
    """How often a provider was shown in results and how often its page was opened, per city day."""

    provider = ForeignKey(Provider, null=False, on_delete=OnDelete.cascade)
    day = Date()
    listing_views = Integer(default=0)
    page_views = Integer(default=0)
