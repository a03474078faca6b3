"""Slots that left the hours were kept without seats (capacity 0) for the bookings pointing at
them; from here on they keep their capacity and are withdrawn instead."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-09T10:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Slots without seats become withdrawn slots with their service's capacity"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cityloop", description=DESCRIPTION)

    async def withdraw_seatless():
        await engine_finder().run_ddl(
            "UPDATE slot SET is_withdrawn = TRUE, "
            "capacity = (SELECT service.capacity FROM service WHERE service.id = slot.service) "
            "WHERE capacity = 0"
        )

    async def seatless_again():
        await engine_finder().run_ddl("UPDATE slot SET capacity = 0 WHERE is_withdrawn AND booked = 0")

    manager.add_raw(withdraw_seatless)
    manager.add_raw_backwards(seatless_again)
    return manager
