"""Composite indexes Piccolo's column options cannot express (they work on SQLite and PostgreSQL alike)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T00:56:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "Composite indexes: one service area row per neighbourhood, throttle look-ups"

INDEXES = {
    "provider_service_area_provider_neighbourhood_key": (
        "CREATE UNIQUE INDEX provider_service_area_provider_neighbourhood_key "
        "ON provider_service_area (provider, neighbourhood)"
    ),
    "throttle_event_bucket_created_at_idx": (
        "CREATE INDEX throttle_event_bucket_created_at_idx ON throttle_event (bucket, created_at)"
    ),
    "service_category_idx": "CREATE INDEX service_category_idx ON service (category, is_archived)",
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
