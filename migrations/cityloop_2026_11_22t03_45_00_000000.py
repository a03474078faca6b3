"""Payment and redemption invariants the database enforces, whatever the code does."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T03:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Payment indexes: one attempt number per booking, unique Stripe ids, unique codes and events"

INDEXES = {
    # Two simultaneous "Pay" clicks compute the same attempt number; only one can insert it.
    "payment_booking_attempt_key": "CREATE UNIQUE INDEX payment_booking_attempt_key ON payment (booking, attempt)",
    "payment_intent_key": (
        "CREATE UNIQUE INDEX payment_intent_key ON payment (stripe_payment_intent) "
        "WHERE stripe_payment_intent IS NOT NULL"
    ),
    "payment_status_idx": "CREATE INDEX payment_status_idx ON payment (status, updated_at)",
    "refund_booking_idx": "CREATE INDEX refund_booking_idx ON refund (booking)",
    "refund_payment_idx": "CREATE INDEX refund_payment_idx ON refund (payment)",
    "refund_stripe_key": (
        "CREATE UNIQUE INDEX refund_stripe_key ON refund (stripe_refund) WHERE stripe_refund IS NOT NULL"
    ),
    "refund_pending_idx": "CREATE INDEX refund_pending_idx ON refund (status, created_at)",
    "stripe_event_id_key": "CREATE UNIQUE INDEX stripe_event_id_key ON stripe_event (event_id)",
    # A code names exactly one booking, so typing it can never redeem the wrong visit.
    "booking_redemption_code_key": (
        "CREATE UNIQUE INDEX booking_redemption_code_key ON booking (redemption_code) "
        "WHERE redemption_code IS NOT NULL"
    ),
    "booking_provider_released_idx": (
        "CREATE INDEX booking_provider_released_idx ON booking (provider, earning_released_at)"
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cityloop", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in INDEXES.values():
            await engine.run_ddl(statement)

    async def drop_indexes():
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
