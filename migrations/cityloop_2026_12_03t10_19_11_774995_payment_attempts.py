"""Payments: the card's payment method on each attempt, and at most one unfinished attempt per booking.

With the payment method kept, creating an attempt's PaymentIntent again replays the first create
(Stripe's idempotency), so an intent a crash kept us from recording can be found and cancelled.
The partial unique index makes "one payment under way per booking" the database's rule, whatever
the requests, the page and the reconciler do at the same moment.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-03T10:19:11:774995"
VERSION = "1.38.0"
DESCRIPTION = "Payments: payment method per attempt; one unfinished attempt per booking"

# payments.rules.PaymentStatus values whose in_flight is true.
UNFINISHED_KEY = (
    "CREATE UNIQUE INDEX payment_booking_unfinished_key ON payment (booking) "
    "WHERE status IN ('starting', 'requires_action', 'processing')"
)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="cityloop", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Payment",
        tablename="payment",
        column_name="stripe_payment_method",
        db_column_name="stripe_payment_method",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 255,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    async def create_index():
        await engine_finder().run_ddl(UNFINISHED_KEY)

    async def drop_index():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS payment_booking_unfinished_key")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
