"""Indexes that keep the results page as fast with thousands of providers as with forty."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T09:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Listing indexes: providers by neighbourhood and rank, services by category and match"

INDEXES = {
    # Providers based in a neighbourhood (its services at their premises).
    "provider_neighbourhood_idx": "CREATE INDEX provider_neighbourhood_idx ON provider (neighbourhood)",
    # Everything the results page filters and ranks providers by, so ranking never reads the
    # providers' long descriptions and search text.
    "provider_listing_idx": (
        "CREATE INDEX provider_listing_idx ON provider "
        "(is_verified, is_suspended, neighbourhood, rating_count, rating_sum, next_free_at, name)"
    ),
    # The providers offering a category, read from the index alone.
    "service_category_provider_idx": (
        "CREATE INDEX service_category_provider_idx ON service (category, is_archived, provider)"
    ),
    # Whether (and from what price) a provider's services match the filters, without reading the
    # services' descriptions.
    "service_match_idx": (
        "CREATE INDEX service_match_idx ON service "
        "(provider, is_archived, category, location, online_price_cents, list_price_cents)"
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
