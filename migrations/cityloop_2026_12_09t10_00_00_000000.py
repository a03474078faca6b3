from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-09T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Slots withdrawn from sale: out of the hours, kept for the bookings that point at them"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="cityloop", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Slot",
        tablename="slot",
        column_name="is_withdrawn",
        db_column_name="is_withdrawn",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
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

    return manager
