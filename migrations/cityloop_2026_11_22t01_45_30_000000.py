"""Indexes for discovery and booking, and public ids for services that existed before them."""

import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T01:45:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "Discovery indexes; unique service public ids"

INDEXES = {
    "service_public_id_key": "CREATE UNIQUE INDEX service_public_id_key ON service (public_id)",
    "slot_service_starts_at_key": "CREATE UNIQUE INDEX slot_service_starts_at_key ON slot (service, starts_at)",
    "slot_provider_starts_at_idx": "CREATE INDEX slot_provider_starts_at_idx ON slot (provider, starts_at)",
    "opening_hours_provider_weekday_idx": (
        "CREATE INDEX opening_hours_provider_weekday_idx ON opening_hours (provider, weekday)"
    ),
    "provider_view_day_provider_day_key": (
        "CREATE UNIQUE INDEX provider_view_day_provider_day_key ON provider_view_day (provider, day)"
    ),
    "review_provider_status_created_idx": (
        "CREATE INDEX review_provider_status_created_idx ON review (provider, status, created_at)"
    ),
    "service_provider_archived_price_idx": (
        "CREATE INDEX service_provider_archived_price_idx ON service (provider, is_archived, online_price_cents)"
    ),
    "provider_service_area_neighbourhood_idx": (
        "CREATE INDEX provider_service_area_neighbourhood_idx ON provider_service_area (neighbourhood, provider)"
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cityloop", description=DESCRIPTION)

    async def backfill_and_index():
        engine = engine_finder()
        for row in await engine.run_ddl("SELECT id FROM service WHERE public_id = ''"):
            await engine.run_ddl(
                f"UPDATE service SET public_id = '{secrets.token_hex(6)}' WHERE id = {int(row['id'])}"
            )
        for statement in INDEXES.values():
            await engine.run_ddl(statement)

    async def drop_indexes():
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(backfill_and_index)
    manager.add_raw_backwards(drop_indexes)
    return manager
