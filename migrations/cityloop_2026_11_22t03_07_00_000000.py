"""Booking invariants the database enforces, whatever the code does."""

import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T03:07:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Booking indexes: one live booking per seat, one active booking per resident and slot"

LIVE = "('held', 'confirmed', 'redeemed')"
INDEXES = {
    "booking_public_id_key": "CREATE UNIQUE INDEX booking_public_id_key ON booking (public_id)",
    # Two live bookings can never hold the same seat of a slot, even if the capacity check had a bug.
    "booking_live_seat_key": f"CREATE UNIQUE INDEX booking_live_seat_key ON booking (slot, seat) WHERE status IN {LIVE}",
    # A resident holds or books a slot at most once at a time.
    "booking_active_resident_slot_key": (
        "CREATE UNIQUE INDEX booking_active_resident_slot_key ON booking (resident, slot) "
        "WHERE status IN ('held', 'confirmed')"
    ),
    "booking_resident_starts_idx": "CREATE INDEX booking_resident_starts_idx ON booking (resident, starts_at)",
    "booking_provider_starts_idx": "CREATE INDEX booking_provider_starts_idx ON booking (provider, starts_at)",
    "booking_status_held_until_idx": "CREATE INDEX booking_status_held_until_idx ON booking (status, held_until)",
    "opening_hours_service_idx": "CREATE INDEX opening_hours_service_idx ON opening_hours (service)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cityloop", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for row in await engine.run_ddl("SELECT id FROM provider WHERE calendar_token = ''"):
            await engine.run_ddl(
                f"UPDATE provider SET calendar_token = '{secrets.token_urlsafe(24)}' WHERE id = {int(row['id'])}"
            )
        for statement in INDEXES.values():
            await engine.run_ddl(statement)

    async def drop_indexes():
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
