"""Review and administration invariants the database enforces, whatever the code does."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T06:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Review indexes (one live review per booking, one open report per review), queues and figures"

INDEXES = {
    # Two tabs submitting a review of one visit at once: only one review can stand.
    "review_booking_key": (
        "CREATE UNIQUE INDEX review_booking_key ON review (booking) "
        "WHERE booking IS NOT NULL AND status <> 'deleted'"
    ),
    "review_provider_status_idx": "CREATE INDEX review_provider_status_idx ON review (provider, status, created_at)",
    "review_status_idx": "CREATE INDEX review_status_idx ON review (status, created_at)",
    "review_author_idx": "CREATE INDEX review_author_idx ON review (author)",
    # A provider's second report while the first is still open would be noise in the queue.
    "review_report_open_key": (
        "CREATE UNIQUE INDEX review_report_open_key ON review_report (review) WHERE resolved_at IS NULL"
    ),
    "admin_action_subject_idx": "CREATE INDEX admin_action_subject_idx ON admin_action (subject_kind, subject_id)",
    # The platform figures count by these instants, week by week.
    "user_account_created_idx": "CREATE INDEX user_account_created_idx ON user_account (created_at)",
    "booking_confirmed_idx": "CREATE INDEX booking_confirmed_idx ON booking (confirmed_at)",
    "booking_ends_idx": "CREATE INDEX booking_ends_idx ON booking (ends_at)",
    "payment_succeeded_idx": "CREATE INDEX payment_succeeded_idx ON payment (succeeded_at)",
    "refund_completed_idx": "CREATE INDEX refund_completed_idx ON refund (completed_at)",
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
